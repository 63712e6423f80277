"""The reads behind a member's home page (`/` when logged in): their communities with what is
left to do in each, new answers to the questions they follow, connection requests waiting and
conversations with new messages.

The page gathers from every app, so this module sits above them all, like a view: only
`catalog.views` imports it, and nothing here writes. It costs three queries whatever the
member has (the page adds the session and the header's counts, which also give the unread
messages): the communities with their next steps (one query, `Exists` per step), the followed
questions with new answers, the requests waiting. A member in no community yet is shown the
largest communities, as a visitor is (from the cache).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from raremap.accounts.models import User
from raremap.accounts.nav import nav_counts
from raremap.atlas.models import MapEntry
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, RoleVerification
from raremap.communities.selectors import CommunitySize, community_list_largest, role_standing
from raremap.connections.models import Connection
from raremap.connections.selectors import request_list_received
from raremap.questions.models import Answer, Status
from raremap.questions.selectors import FollowedQuestion, followed_question_list
from raremap.treatments.models import TreatmentReport
from raremap.treatments.permissions import can_report_treatment

# The first things a member can do in a community, in the order the page offers them.
ANSWER, REPORT, MAP = "answer", "report", "map"


@dataclass(frozen=True)
class CommunityHome:
    """One of the member's communities and what they have not done there yet."""

    disease: Disease
    role_label: str
    role_standing: str  # "verified", "self-declared" or "" (communities.selectors.role_standing)
    next_steps: tuple[str, ...]  # of ANSWER, REPORT, MAP


@dataclass(frozen=True)
class MemberHome:
    communities: list[CommunityHome]
    followed: list[FollowedQuestion]
    requests: list[Connection]
    unread_messages: int
    largest: list[CommunitySize]  # communities to start from, for a member in none yet


def community_home_list(user: User) -> list[CommunityHome]:
    """The member's communities by name, each with the steps left: answer a question (none of
    their answers is published there), report a treatment (if their role reports and they
    have no report there), join the map (no entry on it). One query."""
    disease = OuterRef("disease_id")
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("disease")
        .only(
            "role",
            "user_id",
            "disease__slug",
            "disease__name",
            "disease__abbreviation",
            "disease__local_names",
        )
        .annotate(
            answered=Exists(
                Answer.objects.filter(
                    author=user,
                    status=Status.PUBLISHED,
                    question__disease=disease,
                    question__status=Status.PUBLISHED,
                )
            ),
            reported=Exists(TreatmentReport.objects.filter(user=user, disease=disease)),
            on_map=Exists(MapEntry.objects.filter(membership=OuterRef("pk"))),
            verified=Exists(
                RoleVerification.objects.filter(user=user, role=OuterRef("role"), revoked_at=None)
            ),
        )
        .order_by("disease__name", "disease_id")
    )
    communities = []
    for membership in memberships:
        steps = []
        if not membership.answered:  # type: ignore[attr-defined]
            steps.append(ANSWER)
        if can_report_treatment(user, membership) and not membership.reported:  # type: ignore[attr-defined]
            steps.append(REPORT)
        if not membership.on_map:  # type: ignore[attr-defined]
            steps.append(MAP)
        standing = role_standing(membership.role, membership.verified)  # type: ignore[attr-defined]
        communities.append(
            CommunityHome(membership.disease, membership.get_role_display(), standing, tuple(steps))
        )
    return communities


def member_home(user: User) -> MemberHome:
    """Everything a member's home shows (three queries, and the header's counts)."""
    communities = community_home_list(user)
    return MemberHome(
        communities=communities,
        followed=followed_question_list(user),
        requests=request_list_received(user),
        unread_messages=nav_counts(user).get("messages", 0),
        # Cached like the visitor's home (communities.selectors): no query when warm.
        largest=[] if communities else community_list_largest(),
    )
