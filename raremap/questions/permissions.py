"""Who may do what with questions, answers and overviews (plain predicates)."""

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator
from raremap.communities.models import Membership, Role
from raremap.communities.selectors import is_verified
from raremap.questions.models import Answer, OverviewRevision, Status


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


def review_capacity(user: User) -> str:
    """In which capacity a member may mark editor text reviewed: "professional" (a healthcare
    professional a moderator verified), "moderator", or "" (may not)."""
    if not user.is_authenticated or not user.is_active:
        return ""
    if is_verified(user, Role.PROFESSIONAL):
        return "professional"
    return "moderator" if is_moderator(user) else ""


def can_review_overview(user: User, revision: OverviewRevision | None) -> bool:
    """Verified healthcare professionals and moderators review, never a version they wrote:
    a second person does."""
    return bool(
        revision is not None
        and revision.editor_id != user.pk
        and revision.reviewed_at is None
        and review_capacity(user)
    )
