"""Who may report and who moderates (plain predicates)."""

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator


def can_report(user: User) -> bool:
    """Logged-in, active members report content they can see."""
    return bool(user.is_authenticated and user.is_active)


def can_moderate(user: User) -> bool:
    """Instance moderators (the Moderators group or a superuser)."""
    return is_moderator(user)
