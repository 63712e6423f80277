"""Pages seen by a logged-in member are never stored by a browser or proxy (ASVS 3.4)."""

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from tests.accounts.helpers import DFSP_URL, LOGIN, LOGOUT, PASSWORD_CHANGE, SETTINGS
from tests.factories import PASSWORD

PAGES = [
    "/",
    "/search/?q=dfsp",
    DFSP_URL,
    "/sources/",
    "/about/",
    LOGIN,
    SETTINGS,
    PASSWORD_CHANGE,
    "/accounts/password/reset/",
    "/accounts/signup/",  # a redirect for members
    "/es/",
    f"/es{SETTINGS}",
    "/nothing-here/",  # the 404 page names the member in its header too
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_for_a_member_is_no_store(member_client: Client, path: str) -> None:
    response = member_client.get(path)

    assert response.status_code in {200, 302, 404}
    assert response["Cache-Control"] == "no-store, private"


def test_own_profile_is_no_store(member: User, member_client: Client) -> None:
    response = member_client.get(f"/accounts/u/{member.public_id}/")

    assert response["Cache-Control"] == "no-store, private"


def test_member_writes_are_no_store(member_client: Client, dfsp: Disease) -> None:
    join = member_client.post(f"/d/{dfsp.slug}/join/", {"role": "patient"})
    settings_saved = member_client.post(SETTINGS, {"display_name": "Quiet Heron", "bio": ""})

    assert "no-store" in join["Cache-Control"]
    assert "no-store" in settings_saved["Cache-Control"]


def test_the_login_response_itself_is_no_store(client: Client, member: User) -> None:
    response = client.post(LOGIN, {"email": "owner@example.org", "password": PASSWORD})

    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", DFSP_URL, "/about/"])
def test_anonymous_pages_stay_cacheable(client: Client, path: str) -> None:
    response = client.get(path)

    assert "no-store" not in response.get("Cache-Control", "")


def test_a_member_never_gets_the_anonymous_cached_page(member_client: Client) -> None:
    Client().get(DFSP_URL)  # fills the anonymous page cache

    response = member_client.get(DFSP_URL)

    assert "Join the community" in response.content.decode()
    assert '<select name="role"' in response.content.decode()  # the member's form
    assert response["Cache-Control"] == "no-store, private"


def test_after_logout_the_page_is_public_again(member_client: Client) -> None:
    member_client.post(LOGOUT)

    response = member_client.get("/about/")

    assert "no-store" not in response.get("Cache-Control", "")
