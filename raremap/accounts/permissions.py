from raremap.accounts.models import User


def can_view_profile(viewer: User, owner: User) -> bool:
    """Profiles are private by default: the owner always, members only if the owner chose."""
    if not owner.is_active:
        return False
    if viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    return bool(viewer.is_authenticated and owner.profile_public)


MODERATORS_GROUP = "Moderators"  # created by a migration of raremap.moderation


def is_moderator(user: User) -> bool:
    """Instance moderators: the Moderators group (or a superuser). Cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_is_moderator", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name=MODERATORS_GROUP).exists()
        user._is_moderator = cached  # type: ignore[attr-defined]
    return cached
