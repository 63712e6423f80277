from raremap.accounts.models import User


def can_delete_account(user: User) -> bool:
    """Members delete their own account; demo members are shared fictional accounts."""
    return bool(user.is_authenticated and user.is_active and not user.is_demo)
