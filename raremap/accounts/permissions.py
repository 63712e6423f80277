from raremap.accounts.models import User


def can_view_profile(viewer: User, owner: User) -> bool:
    """Profiles are private by default: the owner always, members only if the owner chose."""
    if not owner.is_active:
        return False
    if viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    return bool(viewer.is_authenticated and owner.profile_public)
