"""Profiles (private by default, 404 when hidden) and the settings page."""

import re

import pytest
from django.http import HttpResponse
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from tests.accounts.helpers import LOGIN, SETTINGS, masked, text_of
from tests.factories import MembershipFactory

BIO_MARKER = "canary-bio-7d1f"


def profile_url(user: User) -> str:
    return f"/accounts/u/{user.public_id}/"


@pytest.fixture
def clients(client: Client, member_client: Client, other_client: Client) -> dict[str, Client]:
    return {"owner": member_client, "other member": other_client, "anonymous": client}


def save_profile(client: Client, **changes: object) -> HttpResponse:
    form = {"display_name": "Quiet Heron", "bio": "", **changes}
    if form.pop("profile_public", False):
        form["profile_public"] = "on"
    return client.post(SETTINGS, form)


@pytest.mark.parametrize(
    ("public", "actor", "status"),
    [
        (False, "owner", 200),
        (False, "other member", 404),
        (False, "anonymous", 404),
        (True, "owner", 200),
        (True, "other member", 200),
        (True, "anonymous", 404),
    ],
)
def test_who_sees_a_profile(
    member: User, clients: dict[str, Client], public: bool, actor: str, status: int
) -> None:
    User.objects.filter(pk=member.pk).update(profile_public=public, bio_html=f"<p>{BIO_MARKER}</p>")

    response = clients[actor].get(profile_url(member))

    assert response.status_code == status
    assert (BIO_MARKER in response.content.decode()) is (status == 200)
    assert ("Quiet Heron" in text_of(response)) is (status == 200 or actor == "owner")


def test_profiles_are_private_by_default(member: User) -> None:
    assert member.profile_public is False


@pytest.mark.parametrize("actor", ["other member", "anonymous"])
def test_inactive_member_has_no_profile(
    member: User, clients: dict[str, Client], actor: str
) -> None:
    User.objects.filter(pk=member.pk).update(profile_public=True, is_active=False)

    response = clients[actor].get(profile_url(member))

    assert response.status_code == 404


@pytest.mark.parametrize("public_id", ["nobody-here", "1", "../settings"])
def test_unknown_profile_is_404(other_client: Client, public_id: str) -> None:
    assert other_client.get(f"/accounts/u/{public_id}/").status_code == 404


def test_the_404_for_a_hidden_profile_is_the_same_as_for_none(
    member: User, other_client: Client
) -> None:
    hidden = other_client.get(profile_url(member))
    missing = other_client.get("/accounts/u/AAAAAAAAAAAA/")

    assert masked(hidden, member.public_id) == masked(missing, "AAAAAAAAAAAA")


def test_profile_is_not_indexed(member: User, member_client: Client) -> None:
    response = member_client.get(profile_url(member))

    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_owner_is_told_who_sees_the_profile(member: User, member_client: Client) -> None:
    private = text_of(member_client.get(profile_url(member)))
    User.objects.filter(pk=member.pk).update(profile_public=True)
    public = text_of(member_client.get(profile_url(member)))

    assert "Only you can see this page." in private
    assert "Logged-in members can see this page." in public


def test_other_member_is_not_shown_the_owner_notice(member: User, other_client: Client) -> None:
    User.objects.filter(pk=member.pk).update(profile_public=True)

    response = other_client.get(profile_url(member))

    assert "can see this page" not in text_of(response)


def test_public_profile_lists_communities_with_roles(
    member: User, other_client: Client, dfsp: Disease
) -> None:
    User.objects.filter(pk=member.pk).update(profile_public=True)
    MembershipFactory(user=member, disease=dfsp, role=Role.RELATIVE)

    response = other_client.get(profile_url(member))

    assert "Dermatofibrosarcoma protuberans (DFSP) Relative or friend" in text_of(response)


@pytest.mark.parametrize("count", [1, 3])
def test_profile_queries_do_not_grow_with_communities(
    member: User,
    member_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    for disease in Disease.objects.order_by("pk")[:count]:
        MembershipFactory(user=member, disease=disease)

    # the session with the viewer, the header's counts, profile owner, memberships
    with django_assert_num_queries(4):
        response = member_client.get(profile_url(member))

    assert response.status_code == 200
    assert Membership.objects.filter(user=member).count() == count


XSS = [
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ('"><svg onload=alert(1)>', '<p>"&gt;&lt;svg onload=alert(1)&gt;</p>'),
]


@pytest.mark.parametrize(("payload", "stored"), XSS)
def test_bio_is_never_executable(
    member: User, member_client: Client, payload: str, stored: str
) -> None:
    save_profile(member_client, bio=payload)

    html = member_client.get(profile_url(member)).content.decode()

    member.refresh_from_db()
    user_text = html.split('<div class="user-text">', 1)[1].split("</div>", 1)[0]
    assert member.bio == payload
    assert user_text == member.bio_html
    assert re.search(r"<(script|img|svg|iframe)\b", user_text, re.IGNORECASE) is None
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None
    assert "javascript:" not in re.sub(r">[^<]*<", "><", user_text)  # not in any tag
    assert member.bio_html == stored


def test_bio_links_are_marked_user_content(member: User, member_client: Client) -> None:
    save_profile(member_client, bio="[my blog](https://example.org/blog)")

    member.refresh_from_db()

    assert member.bio_html == (
        '<p><a href="https://example.org/blog" rel="nofollow noopener noreferrer ugc">'
        "my blog</a></p>"
    )


def test_settings_saves_the_profile(member: User, member_client: Client) -> None:
    response = save_profile(
        member_client, display_name="Gentle  Moose", bio="Hello *there*", profile_public=True
    )

    member.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, SETTINGS)
    assert (member.display_name, member.bio, member.bio_html, member.profile_public) == (
        "Gentle Moose",
        "Hello *there*",
        "<p>Hello <em>there</em></p>",
        True,
    )
    assert "Your settings are saved." in text_of(member_client.get(SETTINGS))


def test_settings_keeps_ones_own_name_in_another_case(member: User, member_client: Client) -> None:
    response = save_profile(member_client, display_name="QUIET HERON")

    member.refresh_from_db()
    assert response.status_code == 302
    assert member.display_name == "QUIET HERON"


def test_settings_refuses_a_taken_name_and_shows_the_old_one(
    member: User, member_client: Client, other_member: User
) -> None:
    response = save_profile(member_client, display_name="brisk otter")

    member.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 200
    assert "This display name is taken. Please choose another." in text_of(response)
    assert member.display_name == "Quiet Heron"
    # the header still names the member by the saved name, the form shows what was typed
    assert f'<a class="me" href="{profile_url(member)}">Quiet Heron</a>' in html
    assert 'value="brisk otter"' in html


def test_an_unsaved_name_never_shows_as_the_members_name(
    member: User, member_client: Client
) -> None:
    response = save_profile(member_client, display_name="Unsaved Name", bio="x" * 2001)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a class="me" href="{profile_url(member)}">Quiet Heron</a>' in html
    assert 'value="Unsaved Name"' in html


def test_settings_refuses_a_name_shorter_than_three(member: User, member_client: Client) -> None:
    response = save_profile(member_client, display_name="Qi")

    assert "Ensure this value has at least 3 characters (it has 2)." in text_of(response)


def test_settings_refuses_a_bio_over_2000_characters(member: User, member_client: Client) -> None:
    response = save_profile(member_client, bio="x" * 2001)

    member.refresh_from_db()
    assert "Ensure this value has at most 2000 characters (it has 2001)." in text_of(response)
    assert member.bio == ""


def test_settings_says_what_a_public_profile_shows(member_client: Client) -> None:
    response = member_client.get(SETTINGS)

    assert (
        "On: logged-in members see your display name, your “about me” and the communities "
        "you have joined, with your role."
    ) in text_of(response)


def test_settings_form_fields_have_labels(member_client: Client) -> None:
    html = member_client.get(SETTINGS).content.decode()

    assert '<label for="id_display_name">Display name</label>' in html
    assert '<label for="id_bio">About me</label>' in html
    assert re.search(r'<label><input type="checkbox" name="profile_public"[^>]*> ', html)


@pytest.mark.django_db
def test_settings_needs_login(client: Client) -> None:
    response = client.post(SETTINGS, {"display_name": "Intruder"})

    assert response["Location"] == f"{LOGIN}?next={SETTINGS}"


def test_settings_cannot_touch_other_fields(member: User, member_client: Client) -> None:
    public_id = member.public_id

    save_profile(
        member_client,
        email="evil@example.org",
        is_staff="on",
        is_superuser="on",
        is_demo="on",
        public_id="mine",
        bio_html="<script>alert(1)</script>",
    )

    member.refresh_from_db()
    assert (
        member.email,
        member.is_staff,
        member.is_superuser,
        member.is_demo,
        member.public_id,
        member.bio_html,
    ) == ("owner@example.org", False, False, False, public_id, "")


def test_other_members_edits_never_reach_my_profile(
    member: User, other_client: Client, other_member: User
) -> None:
    save_profile(other_client, display_name="Brisk Otter", bio="changed")

    member.refresh_from_db()
    other_member.refresh_from_db()
    assert (member.bio, other_member.bio) == ("", "changed")
