"""Joining and leaving a disease community, and the counts on the disease page."""

import re

import pytest
from django.http import HttpResponse
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from tests.accounts.helpers import DFSP_URL, TOO_MANY, text_of
from tests.factories import MembershipFactory

JOIN = f"{DFSP_URL}join/"
LEAVE = f"{DFSP_URL}leave/"


def roles_of(user: User) -> list[tuple[str, str]]:
    return list(Membership.objects.filter(user=user).values_list("disease__slug", "role"))


def counts_on_page(response: HttpResponse) -> tuple[str, list[tuple[str, str]]]:
    """The member count line and the (role, count) rows of the disease page's community card."""
    html = response.content.decode()
    card = re.search(r'<section class="card" aria-labelledby="community">.*?</section>', html, re.S)
    total = re.search(r"<h2[^>]*>Community</h2>\s*<p>(.*?)</p>", card[0], re.S)[1]
    rows = re.findall(r"<li><span>([^<]+)</span><strong>([^<]+)</strong></li>", card[0])
    return " ".join(re.sub(r"<[^>]+>", " ", total).split()), rows


@pytest.mark.usefixtures("dfsp")
def test_join_with_a_role(member: User, member_client: Client) -> None:
    response = member_client.post(JOIN, {"role": "relative"})

    assert (response.status_code, response["Location"]) == (302, DFSP_URL)
    assert roles_of(member) == [("dermatofibrosarcoma-protuberans", "relative")]
    page = member_client.get(DFSP_URL)
    assert "Welcome to the Dermatofibrosarcoma protuberans community." in text_of(page)
    assert "You are a member as: Relative or friend." in text_of(page)


@pytest.mark.django_db
def test_the_welcome_names_the_disease_in_the_pages_language(member_client: Client) -> None:
    cystic_fibrosis = Disease.objects.get(primary_code="ORPHA:586")
    page = f"/es/d/{cystic_fibrosis.slug}/"

    member_client.post(f"{page}join/", {"role": "relative"})

    welcome = "Te damos la bienvenida a la comunidad de Fibrosis quística."
    assert welcome in text_of(member_client.get(page))


@pytest.mark.usefixtures("dfsp")
def test_joining_again_changes_the_role_and_keeps_one_membership(
    member: User, member_client: Client
) -> None:
    member_client.post(JOIN, {"role": "relative"})
    joined_at = Membership.objects.get(user=member).joined_at

    member_client.post(JOIN, {"role": "caregiver"})

    assert roles_of(member) == [("dermatofibrosarcoma-protuberans", "caregiver")]
    assert Membership.objects.get(user=member).joined_at == joined_at


def test_leave(member: User, member_client: Client, dfsp: Disease) -> None:
    MembershipFactory(user=member, disease=dfsp)

    response = member_client.post(LEAVE)

    assert (response.status_code, response["Location"]) == (302, DFSP_URL)
    assert roles_of(member) == []
    assert "You have left the Dermatofibrosarcoma protuberans community." in text_of(
        member_client.get(DFSP_URL)
    )


@pytest.mark.usefixtures("dfsp")
def test_leaving_without_a_membership_says_nothing(member: User, member_client: Client) -> None:
    response = member_client.post(LEAVE, follow=True)

    assert response.redirect_chain == [(DFSP_URL, 302)]
    assert "You have left" not in text_of(response)


def test_leaving_ends_only_ones_own_membership(
    member: User, member_client: Client, other_member: User, dfsp: Disease
) -> None:
    MembershipFactory(user=member, disease=dfsp)
    MembershipFactory(user=other_member, disease=dfsp, role=Role.RESEARCHER)

    member_client.post(LEAVE)

    assert roles_of(other_member) == [("dermatofibrosarcoma-protuberans", "researcher")]


@pytest.mark.usefixtures("dfsp")
@pytest.mark.parametrize("role", ["", "king", "PATIENT", "patient' OR 1=1"])
def test_join_with_an_unknown_role_changes_nothing(
    member: User, member_client: Client, role: str
) -> None:
    response = member_client.post(JOIN, {"role": role}, follow=True)

    assert roles_of(member) == []
    assert "Please choose how you are affected by this disease." in text_of(response)


@pytest.mark.parametrize("path", ["/d/no-such-disease/join/", "/d/no-such-disease/leave/"])
def test_unknown_disease_is_404(member_client: Client, path: str) -> None:
    assert member_client.post(path, {"role": "patient"}).status_code == 404


@pytest.mark.usefixtures("dfsp")
@pytest.mark.parametrize("path", [JOIN, LEAVE])
def test_anonymous_post_goes_to_login_and_back_to_the_disease(client: Client, path: str) -> None:
    response = client.post(path, {"role": "patient"})

    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/d/dermatofibrosarcoma-protuberans/",
    )
    assert Membership.objects.count() == 0


@pytest.mark.usefixtures("dfsp")
@pytest.mark.parametrize("path", [JOIN, LEAVE])
@pytest.mark.parametrize("actor", ["member", "anonymous"])
def test_get_is_405(member_client: Client, client: Client, path: str, actor: str) -> None:
    chosen = member_client if actor == "member" else client

    response = chosen.get(path, {"role": "patient"})

    assert response.status_code == 405
    assert Membership.objects.count() == 0


@pytest.mark.usefixtures("dfsp")
def test_join_without_csrf_token_is_403(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(JOIN, {"role": "patient"})

    assert response.status_code == 403
    assert roles_of(member) == []


def test_leave_without_csrf_token_is_403(member: User, dfsp: Disease) -> None:
    MembershipFactory(user=member, disease=dfsp)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(LEAVE)

    assert response.status_code == 403
    assert roles_of(member) == [("dermatofibrosarcoma-protuberans", "patient")]


@pytest.mark.usefixtures("dfsp")
def test_join_with_the_page_csrf_token_works(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(DFSP_URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    response = client.post(JOIN, {"role": "patient", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert roles_of(member) == [("dermatofibrosarcoma-protuberans", "patient")]


@pytest.mark.usefixtures("dfsp")
def test_counts_on_the_disease_page_follow_join_and_leave(
    member_client: Client, other_client: Client
) -> None:
    before = counts_on_page(other_client.get(DFSP_URL))
    member_client.post(JOIN, {"role": "patient"})
    after_join = counts_on_page(other_client.get(DFSP_URL))
    member_client.post(JOIN, {"role": "researcher"})
    after_change = counts_on_page(other_client.get(DFSP_URL))
    member_client.post(LEAVE)
    after_leave = counts_on_page(other_client.get(DFSP_URL))

    assert before == ("0 members", [])
    assert after_join == ("1 member", [("Person with the disease", "1")])
    assert after_change == ("1 member", [("Researcher", "1")])
    assert after_leave == ("0 members", [])


def test_counts_show_every_role_in_use_and_the_demo_share(
    member_client: Client, dfsp: Disease
) -> None:
    for role in [Role.PATIENT, Role.PATIENT, Role.CAREGIVER]:
        MembershipFactory(disease=dfsp, role=role)
    MembershipFactory(disease=dfsp, role=Role.PATIENT, user__is_demo=True)
    MembershipFactory(disease=dfsp, role=Role.ADVISER, user__is_active=False)

    response = member_client.get(DFSP_URL)

    assert counts_on_page(response) == (
        "4 members 1 demo",
        [("Person with the disease", "3"), ("Caregiver", "1")],
    )


def test_counts_never_name_anyone(
    member: User, other_client: Client, client: Client, dfsp: Disease
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.PATIENT)
    User.objects.filter(pk=member.pk).update(profile_public=True)

    for viewer in (other_client, client):
        html = viewer.get(DFSP_URL).content.decode()

        assert "1 member" in text_of(viewer.get(DFSP_URL))
        assert "Quiet Heron" not in html
        assert member.public_id not in html
        assert "owner@example.org" not in html


@pytest.mark.usefixtures("dfsp", "clock")
def test_membership_changes_are_limited(member_client: Client) -> None:
    allowed = [member_client.post(JOIN, {"role": "patient"}) for _n in range(30)]

    response = member_client.post(LEAVE)

    assert [r.status_code for r in allowed] == [302] * 30
    assert (response.status_code, response["Retry-After"]) == (429, str(3600 - 100))
    assert TOO_MANY in text_of(response)
