"""No account enumeration: sign-up, log-in and reset answer the same for known and unknown
addresses (status, redirect, headers, cookies and page, with the CSRF token masked).
"""

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client

from tests.accounts.helpers import (
    CONSENT,
    LOGIN,
    RESET,
    RESET_DONE,
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
