"""No account enumeration: sign-up, log-in and reset answer the same for known and unknown
addresses (status, redirect, headers, cookies and page, with the CSRF token masked).
"""

from unittest import mock

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client

from tests.accounts.helpers import (
    CONSENT,
    LOGIN,
    RESET,
    RESET_DONE,
    SETTINGS,
    SIGNUP,
    SIGNUP_DONE,
    masked,
)
from tests.factories import PASSWORD, UserFactory

KNOWN = "known@example.org"
UNKNOWN = "unknown@example.org"
PENDING = "pending@example.org"


@pytest.fixture
def accounts(db: None) -> None:
    UserFactory(email=KNOWN, display_name="Known Member")
    UserFactory(email=PENDING, display_name="Pending Member", is_active=False)


def fingerprint(response: HttpResponse, *private: str) -> dict:
    """Everything a visitor can observe, private strings and CSRF tokens masked."""
    headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
    return {
        "status": response.status_code,
        "redirects": getattr(response, "redirect_chain", []),
        "headers": headers,
        "cookies": sorted(response.cookies),
        "page": masked(response, *private),
    }


@pytest.mark.usefixtures("accounts")
@pytest.mark.parametrize("address", [KNOWN, PENDING])
def test_signup_answers_the_same_for_a_known_address(address: str) -> None:
    form = {"display_name": "Fresh Name", "password": "a long passphrase here", **CONSENT}

    known = Client().post(SIGNUP, {**form, "email": address}, follow=True)
    unknown = Client().post(
        SIGNUP, {**form, "display_name": "Other Name", "email": UNKNOWN}, follow=True
    )

    assert known.redirect_chain == [(SIGNUP_DONE, 302)]
    assert fingerprint(known) == fingerprint(unknown)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([address, UNKNOWN])


@pytest.mark.usefixtures("accounts")
def test_signup_form_errors_are_the_same_for_a_known_address() -> None:
    form = {"display_name": "Fresh Name", "password": "short", **CONSENT}

    known = Client().post(SIGNUP, {**form, "email": KNOWN})
    unknown = Client().post(SIGNUP, {**form, "email": UNKNOWN})

    assert known.status_code == 200
    assert fingerprint(known, KNOWN) == fingerprint(unknown, UNKNOWN)


@pytest.mark.usefixtures("accounts")
@pytest.mark.parametrize(
    ("address", "password"),
    [(KNOWN, "not the password"), (PENDING, PASSWORD), (PENDING, "not the password")],
)
def test_login_failure_is_the_same_for_a_known_address(address: str, password: str) -> None:
    known = Client().post(LOGIN, {"email": address, "password": password})
    unknown = Client().post(LOGIN, {"email": UNKNOWN, "password": password})

    assert known.status_code == 200
    assert fingerprint(known, address) == fingerprint(unknown, UNKNOWN)


@pytest.mark.usefixtures("accounts")
@pytest.mark.parametrize("address", [KNOWN, PENDING])
def test_password_reset_answers_the_same_for_a_known_address(address: str) -> None:
    known = Client().post(RESET, {"email": address}, follow=True)
    unknown = Client().post(RESET, {"email": UNKNOWN}, follow=True)

    assert known.redirect_chain == [(RESET_DONE, 302)]
    assert fingerprint(known) == fingerprint(unknown)


@pytest.mark.usefixtures("accounts")
def test_password_reset_mails_only_an_active_account() -> None:
    for address in (KNOWN, PENDING, UNKNOWN):
        Client().post(RESET, {"email": address})

    assert [m.to for m in mail.outbox] == [[KNOWN]]


@pytest.mark.usefixtures("accounts")
def test_login_does_not_tell_a_known_address_in_capitals() -> None:
    upper = Client().post(LOGIN, {"email": KNOWN.upper(), "password": "not the password"})
    unknown = Client().post(LOGIN, {"email": UNKNOWN.upper(), "password": "not the password"})

    assert fingerprint(upper, KNOWN.upper()) == fingerprint(unknown, UNKNOWN.upper())


# --- sign-up as the attacker plays it -------------------------------------------------------
# The attacker signs up with someone's address and a name of their own, then checks whether
# the name is now taken (by signing up again, or renaming their own account to it). A pending
# account must hold no name, or the name would tell that the address had no account.

ATTACKER = "attacker@example.net"
SIGNUP_FORM = {"password": "a long passphrase here", **CONSENT}


def probe_name(address: str, name: str) -> HttpResponse:
    """Sign up `address` with `name`, then try the name again with the attacker's address."""
    Client().post(SIGNUP, {**SIGNUP_FORM, "email": address, "display_name": name})
    return Client().post(SIGNUP, {**SIGNUP_FORM, "email": ATTACKER, "display_name": name})


@pytest.mark.usefixtures("accounts")
@pytest.mark.parametrize("address", [KNOWN, PENDING])
def test_signup_reserves_no_name_for_an_unknown_address(address: str) -> None:
    known = probe_name(address, "Probe Known")
    unknown = probe_name(UNKNOWN, "Probe Unknown")

    assert (known.status_code, known["Location"]) == (302, SIGNUP_DONE)
    assert fingerprint(known) == fingerprint(unknown)


@pytest.mark.usefixtures("accounts")
def test_a_member_can_take_the_name_a_pending_sign_up_chose() -> None:
    from raremap.accounts.models import User

    Client().post(SIGNUP, {**SIGNUP_FORM, "email": UNKNOWN, "display_name": "Probe Name"})
    member = Client()
    member.force_login(User.objects.get(email=KNOWN))

    renamed = member.post(SETTINGS, {"display_name": "probe name", "bio": ""})

    assert (renamed.status_code, renamed["Location"]) == (302, SETTINGS)
    assert User.objects.get(email=KNOWN).display_name == "probe name"


@pytest.mark.usefixtures("accounts")
@pytest.mark.parametrize("address", [KNOWN, PENDING, UNKNOWN])
def test_signup_does_the_same_work_for_every_address(address: str) -> None:
    """Timing without a clock: every path hashes the password once and sends one mail."""
    from django.contrib.auth.hashers import get_hasher

    from raremap.accounts.services import user_signup

    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        user_signup(
            email=address,
            display_name="Fresh Name",
            password="a long passphrase here",
            base_url="http://testserver/",
        )

    assert [call.args[1] for call in encode.call_args_list] == ["a long passphrase here"]
    assert [m.to for m in mail.outbox] == [[address]]


@pytest.mark.usefixtures("accounts")
def test_the_owner_of_a_known_address_is_told_someone_tried() -> None:
    Client().post(SIGNUP, {**SIGNUP_FORM, "email": KNOWN, "display_name": "Probe Name"})

    [message] = mail.outbox
    assert (message.to, message.subject) == ([KNOWN], "Someone tried to sign up with your address")
    assert "/activate/" not in message.body
