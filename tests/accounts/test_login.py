"""Log-in by email, the `next` parameter, log-out."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse
from django.test import Client

from raremap.accounts.models import User
from tests.accounts.helpers import DFSP_URL, FAILED_LOGIN, LOGIN, LOGOUT, SETTINGS, text_of
from tests.factories import PASSWORD


def login(client: Client, email: str, password: str = PASSWORD, **extra: str) -> HttpResponse:
    return client.post(LOGIN, {"email": email, "password": password, **extra})


@pytest.mark.django_db
def test_login_page_has_labelled_fields(client: Client) -> None:
    response = client.get(LOGIN)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_email">Email address</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_the_right_password_goes_home(client: Client, member: User) -> None:
    response = login(client, "owner@example.org")

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session[SESSION_KEY] == str(member.pk)


def test_login_ignores_the_case_and_spaces_of_the_address(client: Client, member: User) -> None:
    response = login(client, "  Owner@EXAMPLE.org ")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(member.pk)


def test_wrong_password_shows_one_generic_error(client: Client, member: User) -> None:
    response = login(client, "owner@example.org", "not the password")

    assert response.status_code == 200
    assert text_of(response).count(FAILED_LOGIN) == 1
    assert SESSION_KEY not in client.session


def test_inactive_account_cannot_log_in(client: Client, member: User) -> None:
    User.objects.filter(pk=member.pk).update(is_active=False)

    response = login(client, "owner@example.org")

    assert FAILED_LOGIN in text_of(response)
    assert SESSION_KEY not in client.session


def test_demo_member_cannot_log_in(client: Client, member: User) -> None:
    member.set_unusable_password()
    member.save()

    response = login(client, "owner@example.org", "")

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_empty_post_shows_field_errors(client: Client) -> None:
    response = client.post(LOGIN, {})

    assert response.status_code == 200
    assert text_of(response).count("This field is required.") == 2


@pytest.mark.django_db
def test_invalid_address_shows_a_field_error(client: Client) -> None:
    response = login(client, "not an address")

    assert "Enter a valid email address." in text_of(response)


@pytest.mark.parametrize("target", [DFSP_URL, "/es/accounts/settings/", "/search/?q=dfsp&page=2"])
def test_login_follows_a_local_next(client: Client, member: User, target: str) -> None:
    response = login(client, "owner@example.org", next=target)

    assert response["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        " //evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "ftp://testserver/",
        "http://testserver/about/",  # only paths: nothing needs a full URL
        "about/",
        '"><script>alert(1)</script>',
    ],
)
def test_login_ignores_a_next_that_leaves_the_site(
    client: Client, member: User, target: str
) -> None:
    response = login(client, "owner@example.org", next=target)

    assert response["Location"] == "/"


def test_next_from_the_query_is_kept_in_the_form(client: Client, member: User) -> None:
    page = client.get(LOGIN, {"next": SETTINGS})

    response = login(client, "owner@example.org", next=SETTINGS)

    assert f'<input type="hidden" name="next" value="{SETTINGS}">' in page.content.decode()
    assert response["Location"] == SETTINGS


@pytest.mark.django_db
def test_unsafe_next_is_not_echoed_into_the_page(client: Client) -> None:
    page = client.get(LOGIN, {"next": '"><script>alert(1)</script>'})

    assert '<input type="hidden" name="next" value="/">' in page.content.decode()


def test_settings_needs_login_and_comes_back(client: Client, member: User) -> None:
    response = client.get(SETTINGS)

    assert response["Location"] == f"{LOGIN}?next={SETTINGS}"
    assert login(client, "owner@example.org", next=SETTINGS)["Location"] == SETTINGS


def test_spanish_login_goes_to_the_spanish_home(client: Client, member: User) -> None:
    response = client.post(f"/es{LOGIN}", {"email": "owner@example.org", "password": PASSWORD})

    assert response["Location"] == "/es/"


def test_logout_is_post_only(member_client: Client, member: User) -> None:
    response = member_client.get(LOGOUT)

    assert response.status_code == 405
    assert member_client.session[SESSION_KEY] == str(member.pk)


def test_logout_goes_home_logged_out(member_client: Client) -> None:
    response = member_client.post(LOGOUT)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert SESSION_KEY not in member_client.session
    assert member_client.get(SETTINGS)["Location"] == f"{LOGIN}?next={SETTINGS}"


@pytest.mark.parametrize(
    ("prefix", "said"), [("", "You have logged out."), ("/es", "Has cerrado la sesión.")]
)
def test_logout_says_so_once(member_client: Client, prefix: str, said: str) -> None:
    home = member_client.post(f"{prefix}{LOGOUT}", follow=True)
    again = member_client.get(f"{prefix}/")

    assert home.redirect_chain == [(f"{prefix}/", 302)]
    assert said in text_of(home)
    assert said not in text_of(again)
