"""Who may ask whom to connect (plain predicates)."""

from raremap.accounts.models import User
from raremap.questions.services import member_is_new


def can_send_requests(user: User) -> bool:
    """Active, real members who have taken part (the spam sandbox of the questions app: a few
    published answers or some reputation). New members can still accept requests and reply."""
    return bool(
        user.is_authenticated and user.is_active and not user.is_demo and not member_is_new(user)
    )
