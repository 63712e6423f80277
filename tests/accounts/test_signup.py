"""Sign-up, the confirmation link, password and display-name rules."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from tests.accounts.helpers import (
    CONSENT,
    LOGIN,
    SIGNUP,
    SIGNUP_DONE,
    activation_path,
    text_of,
)
from tests.factories import PASSWORD, UserFactory

NEW = {
    "email": "New.Member@Example.org",
    "display_name": "Calm Lagoon",
    "password": "a long passphrase for the tests",
    **CONSENT,
}


def signup(client: Client, **changes: str) -> tuple[HttpResponse, User | None]:
    response = client.post(SIGNUP, {**NEW, **changes})
    return response, User.objects.filter(email=changes.get("email", NEW["email"]).lower()).first()


@pytest.mark.django_db
def test_signup_creates_an_inactive_user_and_mails_one_link(client: Client) -> None:
    response, user = signup(client)

    assert (response.status_code, response["Location"]) == (302, SIGNUP_DONE)
    assert (user.email, user.display_name, user.is_active) == (
        "new.member@example.org",
        "Calm Lagoon",
        False,
    )
    assert user.check_password(NEW["password"]) is True
    assert user.notification_emails is True  # on from sign-up: turned off in the settings
    assert len(mail.outbox) == 1
    assert (mail.outbox[0].to, mail.outbox[0].subject) == (
        ["new.member@example.org"],
        "Confirm your RareMap account",
    )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    assert activation_path(mail.outbox[0]).startswith(f"/accounts/activate/{uid}/")
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_signup_done_page_says_to_check_email(client: Client) -> None:
    response = client.post(SIGNUP, NEW, follow=True)

    assert response.redirect_chain == [(SIGNUP_DONE, 302)]
    assert "Check your email" in text_of(response)
    assert "The link works for three days." in text_of(response)


@pytest.mark.django_db
def test_activation_get_shows_a_button_and_changes_nothing(client: Client) -> None:
    _response, user = signup(client)
    link = activation_path(mail.outbox[0])

    response = client.get(link)

    user.refresh_from_db()
    assert response.status_code == 200
    assert "Confirm and log in" in text_of(response)
    assert user.is_active is False
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_activation_post_activates_and_logs_in(client: Client) -> None:
    _response, user = signup(client)
    link = activation_path(mail.outbox[0])

    response = client.post(link, {"password": NEW["password"]})

    user.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, "/accounts/settings/")
    assert user.is_active is True
    assert client.session[SESSION_KEY] == str(user.pk)
    page = client.get("/accounts/settings/")
    assert "Your account is confirmed. Welcome to RareMap!" in text_of(page)


@pytest.mark.django_db
def test_activation_link_works_once(client: Client) -> None:
    signup(client)
    link = activation_path(mail.outbox[0])
    client.post(link, {"password": NEW["password"]})
    stranger = Client()

    again = stranger.post(link, {"password": NEW["password"]})

    assert again.status_code == 200
    assert "This link does not work" in text_of(again)
    assert SESSION_KEY not in stranger.session
    assert "This link does not work" in text_of(stranger.get(link))


@pytest.mark.django_db
def test_activation_link_of_a_deactivated_account_stays_dead(client: Client) -> None:
    _response, user = signup(client)
    link = activation_path(mail.outbox[0])
    client.post(link, {"password": NEW["password"]})
    User.objects.filter(pk=user.pk).update(is_active=False)  # a moderator suspends it

    response = Client().post(link, {"password": NEW["password"]})

    user.refresh_from_db()
    assert "This link does not work" in text_of(response)
    assert user.is_active is False


def _bad_links(user: User, good_token: str) -> dict[str, str]:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    other = UserFactory(is_active=False)  # another pending account: the token is not its own
    other_uid = urlsafe_base64_encode(force_bytes(other.pk))
    missing_uid = urlsafe_base64_encode(force_bytes(other.pk + 1000))
    huge_uid = urlsafe_base64_encode(force_bytes(10**30))
    return {
        "wrong token": f"/accounts/activate/{uid}/{good_token[:-1]}x/",
        "no dash": f"/accounts/activate/{uid}/abcdef/",
        "bad timestamp": f"/accounts/activate/{uid}/zzzzzzzzzzzzzzzzzzz-abc/",
        "other user": f"/accounts/activate/{other_uid}/{good_token}/",
        "no such user": f"/accounts/activate/{missing_uid}/{good_token}/",
        "not base64": f"/accounts/activate/!!!/{good_token}/",
        "not a number": f"/accounts/activate/{urlsafe_base64_encode(b'abc')}/{good_token}/",
        "huge number": f"/accounts/activate/{huge_uid}/{good_token}/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        "wrong token",
        "no dash",
        "bad timestamp",
        "other user",
        "no such user",
        "not base64",
        "not a number",
        "huge number",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_activation_links_show_the_does_not_work_page(
    client: Client, case: str, method: str
) -> None:
    _response, user = signup(client)
    good_token = activation_path(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    link = _bad_links(user, good_token)[case]

    response = getattr(client, method)(link)

    user.refresh_from_db()
    assert response.status_code == 200
    assert "This link does not work" in text_of(response)
    assert user.is_active is False
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_signup_from_a_disease_page_comes_back_to_it(client: Client, dfsp: Disease) -> None:
    page = f"/d/{dfsp.slug}/"
    client.post(f"{SIGNUP}?next={page}", NEW)
    link = activation_path(mail.outbox[0])

    response = client.post(link, {"password": NEW["password"]})

    assert link.endswith(f"/?next={page.replace('/', '%2F')}")
    assert (response.status_code, response["Location"]) == (302, page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_signup_drops_a_next_that_leaves_the_site(client: Client, target: str) -> None:
    client.post(SIGNUP, {**NEW, "next": target})
    link = activation_path(mail.outbox[0])

    response = client.post(link, {"password": NEW["password"]})

    assert "?" not in link
    assert response["Location"] == "/accounts/settings/"


@pytest.mark.django_db
def test_activation_ignores_a_next_that_leaves_the_site(client: Client) -> None:
    client.post(SIGNUP, NEW)
    link = activation_path(mail.outbox[0])

    response = client.post(f"{link}?next=https://evil.example/", {"password": NEW["password"]})

    assert response["Location"] == "/accounts/settings/"


@pytest.mark.django_db
def test_signup_page_in_spanish_mails_a_spanish_path(client: Client) -> None:
    response = client.post(f"/es{SIGNUP}", NEW)

    assert response["Location"] == f"/es{SIGNUP_DONE}"
    assert activation_path(mail.outbox[0]).startswith("/es/accounts/activate/")


@pytest.mark.django_db
def test_password_shorter_than_12_characters_is_refused(client: Client) -> None:
    response, user = signup(client, password="elevenchars")

    assert response.status_code == 200
    assert user is None
    assert "This password is too short. It must contain at least 12 characters." in text_of(
        response
    )
    assert mail.outbox == []


@pytest.mark.django_db
def test_twelve_characters_are_enough(client: Client) -> None:
    response, user = signup(client, password="twelve chars")

    assert (response.status_code, user.check_password("twelve chars")) == (302, True)


@pytest.mark.django_db
def test_common_password_is_refused(client: Client) -> None:
    response, user = signup(client, password="qwerty123456")

    assert user is None
    assert "This password is too common." in text_of(response)


@pytest.mark.django_db
def test_password_like_the_email_is_refused(client: Client) -> None:
    response, user = signup(client, password="new.member@example.org")

    assert user is None
    assert "The password is too similar to the email address." in text_of(response)


@pytest.mark.django_db
def test_a_200_character_password_works_and_is_not_truncated(client: Client) -> None:
    password = "long passphrase " * 12 + "the end."
    client.post(SIGNUP, {**NEW, "password": password})
    client.post(activation_path(mail.outbox[0]), {"password": password})
    client.post("/accounts/logout/")

    prefixes = [password[:72], password[:128], password[:199]]
    refused = [Client().post(LOGIN, {"email": NEW["email"], "password": p}) for p in prefixes]
    accepted = Client().post(LOGIN, {"email": NEW["email"], "password": password})

    assert len(password) == 200
    assert [r.status_code for r in refused] == [200, 200, 200]
    assert (accepted.status_code, accepted["Location"]) == (302, "/")


@pytest.mark.django_db
def test_empty_post_shows_what_is_required(client: Client) -> None:
    response = client.post(SIGNUP, {})

    assert response.status_code == 200
    assert text_of(response).count("This field is required.") == 3
    assert User.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("quiet heron", "This display name is taken. Please choose another."),
        ("QUIET  HERON", "This display name is taken. Please choose another."),
        ("Ｑｕｉｅｔ Ｈｅｒｏｎ", "This display name is taken. Please choose another."),
        ("me@home", "A display name cannot contain “@”."),
        ("Quiet\u200bHeron", "A display name cannot contain invisible characters."),
        ("evil\u202egnp.exe", "A display name cannot contain invisible characters."),
        ("ab", "Ensure this value has at least 3 characters (it has 2)."),
        ("x" * 41, "Ensure this value has at most 40 characters (it has 41)."),
        ("ﷺ" * 3, "A display name has 3 to 40 characters."),
        ("new.member", "This name is the first part of your email address. Please choose another."),
    ],
)
def test_display_name_rules(client: Client, name: str, error: str) -> None:
    UserFactory(display_name="Quiet Heron")

    response, user = signup(client, display_name=name)

    assert user is None
    assert error in text_of(response)


@pytest.mark.django_db
def test_display_name_spaces_are_collapsed(client: Client) -> None:
    _response, user = signup(client, display_name="  Calm    Lagoon ")

    assert user.display_name == "Calm Lagoon"


@pytest.mark.django_db
def test_logged_in_member_is_sent_home(client: Client) -> None:
    client.force_login(UserFactory())

    response = client.get(SIGNUP)

    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.django_db
def test_a_known_address_gets_a_notice_and_keeps_its_account(client: Client) -> None:
    member = UserFactory(email="new.member@example.org", display_name="Old Name")

    response, _user = signup(client)

    member.refresh_from_db()
    assert response["Location"] == SIGNUP_DONE
    assert User.objects.filter(email="new.member@example.org").count() == 1
    assert (member.display_name, member.check_password(PASSWORD)) == ("Old Name", True)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["new.member@example.org"], "Someone tried to sign up with your address")
    ]
    assert "http://testserver/accounts/password/reset/" in mail.outbox[0].body
    assert "/accounts/activate/" not in mail.outbox[0].body


@pytest.mark.django_db
def test_signing_up_again_before_confirming_sends_a_new_link(client: Client) -> None:
    signup(client, display_name="First Try", password="the first long passphrase")
    first_link = activation_path(mail.outbox[0])

    response, user = signup(client, display_name="Second Try", password="a second passphrase")
    second_link = activation_path(mail.outbox[1])

    assert response["Location"] == SIGNUP_DONE
    assert User.objects.filter(email="new.member@example.org").count() == 1
    assert (user.display_name, user.check_password("a second passphrase")) == ("Second Try", True)
    assert "This link does not work" in text_of(client.post(first_link))
    confirmed = client.post(second_link, {"password": "a second passphrase"})
    assert confirmed["Location"] == "/accounts/settings/"


@pytest.mark.django_db
def test_activation_needs_the_password_chosen_at_sign_up(client: Client) -> None:
    client.post(SIGNUP, NEW)
    link = activation_path(mail.outbox[0])

    wrong = client.post(link, {"password": "somebody else guessing"})
    empty = client.post(link, {})

    user = User.objects.get(email=NEW["email"].lower())
    assert user.is_active is False
    assert wrong.status_code == empty.status_code == 200
    assert "This is not the password you chose when you signed up." in text_of(wrong)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_activation_password_guesses_are_limited(client: Client) -> None:
    client.post(SIGNUP, NEW)
    link = activation_path(mail.outbox[0])

    statuses = [client.post(link, {"password": f"guess number {n}"}).status_code for n in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 429]
    assert client.post(link, {"password": NEW["password"]}).status_code == 429


@pytest.mark.django_db
def test_two_pending_sign_ups_may_choose_the_same_name(client: Client) -> None:
    signup(client)
    response, other = signup(Client(), email="someone.else@example.org")

    assert (response.status_code, response["Location"]) == (302, SIGNUP_DONE)
    assert other.display_name == NEW["display_name"]


@pytest.mark.django_db
def test_activation_asks_for_a_new_name_when_someone_took_it(client: Client) -> None:
    _response, user = signup(client)
    link = activation_path(mail.outbox[0])
    UserFactory(display_name="calm lagoon")  # confirmed first, in another case

    page = client.get(link)
    no_name = client.post(link, {"password": NEW["password"]})
    taken = client.post(link, {"password": NEW["password"], "display_name": "CALM LAGOON"})
    done = client.post(link, {"password": NEW["password"], "display_name": "Quiet Harbour"})

    user.refresh_from_db()
    assert "Someone took “Calm Lagoon” while your account waited to be confirmed." in text_of(page)
    assert "This field is required." in text_of(no_name)
    assert "This display name is taken. Please choose another." in text_of(taken)
    assert (done.status_code, done["Location"]) == (302, "/accounts/settings/")
    assert (user.is_active, user.display_name) == (True, "Quiet Harbour")


@pytest.mark.django_db
def test_activation_with_a_free_name_asks_for_no_name(client: Client) -> None:
    signup(client)
    link = activation_path(mail.outbox[0])

    page = client.get(link)

    assert 'name="display_name"' not in page.content.decode()
