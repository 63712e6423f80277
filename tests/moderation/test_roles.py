"""Claimed roles mean something once a moderator verifies them: the moderators' page, the
badges members see, and who may verify."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from raremap.accounts.models import User
from raremap.communities.models import Role, RoleVerification
from raremap.communities.services import role_revoke, role_verify
from raremap.questions.models import Question
from raremap.questions.services import answer_create
from tests.factories import MembershipFactory

ROLES = reverse("moderation:role-list")


@pytest.fixture
def claimant(other_member: User, question: Question) -> User:
    """Brisk Otter says they are a healthcare professional in DFSP and answered."""
    MembershipFactory(user=other_member, disease=question.disease, role=Role.PROFESSIONAL)
    answer_create(user=other_member, question=question, body="Wide excision is the standard.")
    return other_member


def badges(client: Client, question: Question) -> str:
    url = reverse("questions:question-detail", args=[question.disease.slug, question.slug])
    html = client.get(url).content.decode()
    start = html.index('class="byline"')
    return html[start : html.index("</p>", start)]


def test_the_page_is_for_moderators_only(member_client: Client, claimant: User) -> None:
    assert member_client.get(ROLES).status_code == 404
    url = reverse("moderation:role-verify", args=[claimant.public_id, Role.PROFESSIONAL])
    assert member_client.post(url, {"evidence": "Trust me"}).status_code == 404
    assert not RoleVerification.objects.exists()


def test_a_moderator_verifies_and_revokes_and_pages_say_so(
    moderator_client: Client, member_client: Client, claimant: User, question: Question
) -> None:
    assert "self-declared" in badges(member_client, question)
    page = moderator_client.get(ROLES).content.decode()
    assert "Brisk Otter" in page

    url = reverse("moderation:role-verify", args=[claimant.public_id, Role.PROFESSIONAL])
    assert moderator_client.post(url, {"evidence": ""}).status_code == 302
    assert not RoleVerification.objects.exists()  # what was checked is required
    moderator_client.post(url, {"evidence": "Listed in the national register, no. 12345."})

    verification = RoleVerification.objects.get(user=claimant)
    assert (verification.role, verification.evidence) == (
        Role.PROFESSIONAL,
        "Listed in the national register, no. 12345.",
    )
    assert verification.verified_by is not None
    shown = badges(member_client, question)
    assert ">verified<" in shown
    assert "self-declared" not in shown
    page = moderator_client.get(ROLES).content.decode()
    waiting = page[page.index("claims-heading") : page.index("verified-heading")]
    assert "Brisk Otter" not in waiting

    moderator_client.post(reverse("moderation:role-revoke", args=[verification.pk]))
    verification.refresh_from_db()
    assert verification.revoked_at is not None
    assert "self-declared" in badges(member_client, question)


def test_only_moderators_verify_never_their_own_role_and_only_claims(
    moderator: User, member: User, claimant: User
) -> None:
    with pytest.raises(PermissionDenied):
        role_verify(moderator=member, user=claimant, role=Role.PROFESSIONAL, evidence="Seen")
    with pytest.raises(ValidationError):
        role_verify(moderator=moderator, user=moderator, role=Role.PROFESSIONAL, evidence="Me")
    with pytest.raises(ValidationError):
        role_verify(moderator=moderator, user=claimant, role=Role.PATIENT, evidence="Seen")
    verification = role_verify(
        moderator=moderator, user=claimant, role=Role.PROFESSIONAL, evidence="Register"
    )
    with pytest.raises(PermissionDenied):
        role_revoke(moderator=member, verification=verification)


def test_profiles_and_people_lists_show_the_standing(
    member_client: Client, moderator: User, claimant: User
) -> None:
    User.objects.filter(pk=claimant.pk).update(profile_public=True)
    profile = reverse("accounts:profile", args=[claimant.public_id])
    assert "self-declared" in member_client.get(profile).content.decode()

    role_verify(moderator=moderator, user=claimant, role=Role.PROFESSIONAL, evidence="Register")

    html = member_client.get(profile).content.decode()
    assert ">verified<" in html
    assert "self-declared" not in html
