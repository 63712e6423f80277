"""Who may do what with questions, answers and overviews (plain predicates)."""

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator
from raremap.communities.models import Membership, Role
from raremap.questions.models import Answer, Status


def can_answer(user: User, membership: Membership | None) -> bool:
    """Members of the disease's community answer its questions."""
    return bool(user.is_authenticated and user.is_active and membership is not None)


def can_change_answer(user: User, answer: Answer) -> bool:
    """Authors edit and delete their own published answers (hidden ones are the moderators')."""
    return bool(
        user.is_authenticated and answer.author_id == user.pk and answer.status == Status.PUBLISHED
    )


def can_vote(user: User, answer: Answer) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and answer.author_id != user.pk
        and answer.status == Status.PUBLISHED
    )


def can_edit_overview(user: User, membership: Membership | None) -> bool:
    """Moderators and the community's healthcare professionals write the editor section."""
    if is_moderator(user):
        return True
    return bool(membership is not None and membership.role == Role.PROFESSIONAL)


def can_review_overview(user: User, membership: Membership | None) -> bool:
    """Only a healthcare professional (of this community, or a moderator who is one) reviews."""
    return bool(
        user.is_authenticated and membership is not None and membership.role == Role.PROFESSIONAL
    )
