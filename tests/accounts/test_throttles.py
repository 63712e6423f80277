"""Limits on log-in, sign-up, reset and password change: 429 with Retry-After and a message."""

import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.db import connections
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from raremap.accounts.models import User
from tests.accounts.helpers import (
    CONSENT,
    LOGIN,
    NEW_PASSWORD,
    PASSWORD_CHANGE,
    RESET,
    RESET_DONE,
    SIGNUP,
    SIGNUP_DONE,
    TOO_MANY,
    Clock,
    text_of,
)
from tests.factories import PASSWORD, UserFactory
from tests.markers import transactional

WRONG = "not the password at all"


@pytest.fixture
def failed_logins() -> Iterator[list[str]]:
    """Every password check that failed (Django sends user_login_failed after one)."""
    failures: list[str] = []

    def count(sender: object, credentials: dict, **kwargs: object) -> None:
        failures.append(credentials.get("email", ""))

    user_login_failed.connect(count, dispatch_uid="test-failed-logins")
    yield failures
    user_login_failed.disconnect(dispatch_uid="test-failed-logins")


def attempt(email: str, password: str = WRONG, ip: str = "192.0.2.1") -> HttpResponse:
    return Client(REMOTE_ADDR=ip).post(LOGIN, {"email": email, "password": password})


def assert_too_many(response: HttpResponse, retry_after: int) -> None:
    assert (response.status_code, response["Retry-After"]) == (429, str(retry_after))
    assert TOO_MANY in text_of(response)


@pytest.mark.usefixtures("clock")
def test_five_failures_lock_the_account_for_the_window(
    member: User, failed_logins: list[str]
) -> None:
    failures = [attempt("owner@example.org", ip=f"192.0.2.{n}") for n in range(5)]

    locked = Client(REMOTE_ADDR="198.51.100.7")
    response = locked.post(LOGIN, {"email": "owner@example.org", "password": PASSWORD})

    assert [r.status_code for r in failures] == [200] * 5
    assert_too_many(response, 30 * 60 - 100)
    assert SESSION_KEY not in locked.session
    assert len(failed_logins) == 5  # the sixth never reached the password check


@pytest.mark.usefixtures("clock")
def test_account_limit_counts_capitals_and_spaces_as_one_address(member: User) -> None:
    for variant in [
        "owner@example.org",
        "OWNER@example.org",
        " Owner@Example.Org",
        "owner@EXAMPLE.ORG",
        "owner@example.org ",
    ]:
        attempt(variant)

    response = attempt("Owner@example.org", PASSWORD)

    assert_too_many(response, 30 * 60 - 100)


def test_account_lock_ends_with_the_window(member: User, clock: Clock) -> None:
    for _n in range(5):
        attempt("owner@example.org")
    clock.now += 30 * 60 - 100

    response = attempt("owner@example.org", PASSWORD)

    assert response.status_code == 302


@pytest.mark.usefixtures("clock")
def test_a_successful_login_resets_the_account_counter(member: User) -> None:
    for _n in range(4):
        attempt("owner@example.org")
    assert attempt("owner@example.org", PASSWORD).status_code == 302

    later = [attempt("owner@example.org") for _n in range(5)]
    sixth = attempt("owner@example.org")

    assert [r.status_code for r in later] == [200] * 5
    assert_too_many(sixth, 30 * 60 - 100)


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_twenty_five_attempts_per_address_and_five_minutes(failed_logins: list[str]) -> None:
    allowed = [attempt(f"person{n}@example.org") for n in range(25)]

    response = attempt("someone-else@example.org")

    assert [r.status_code for r in allowed] == [200] * 25
    assert_too_many(response, 5 * 60 - 100)
    assert len(failed_logins) == 25
    assert attempt("someone-else@example.org", ip="192.0.2.2").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_ipv6_clients_are_counted_per_64(failed_logins: list[str]) -> None:
    for n in range(25):
        attempt(f"person{n}@example.org", ip=f"2001:db8:1:2::{n + 1:x}")

    same_64 = attempt("x@example.org", ip="2001:db8:1:2:ffff:ffff:ffff:ffff")
    next_64 = attempt("x@example.org", ip="2001:db8:1:3::1")

    assert_too_many(same_64, 5 * 60 - 100)
    assert next_64.status_code == 200


@pytest.mark.usefixtures("store_down")
def test_login_fails_closed_when_the_throttle_store_is_down(
    member: User, failed_logins: list[str]
) -> None:
    client = Client()

    response = client.post(LOGIN, {"email": "owner@example.org", "password": PASSWORD})

    assert_too_many(response, 5 * 60)
    assert SESSION_KEY not in client.session
    assert failed_logins == []


@pytest.mark.django_db
@pytest.mark.usefixtures("store_down")
def test_signup_fails_closed_when_the_throttle_store_is_down(client: Client) -> None:
    form = {
        "email": "new@example.org",
        "display_name": "Calm Lagoon",
        "password": NEW_PASSWORD,
        **CONSENT,
    }

    response = client.post(SIGNUP, form)

    assert response.status_code == 429
    assert not User.objects.filter(email="new@example.org").exists()
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("store_down")
def test_password_reset_fails_closed_when_the_throttle_store_is_down(
    client: Client, member: User
) -> None:
    response = client.post(reverse("accounts:password-reset"), {"email": member.email})

    assert response.status_code == 429
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_signup_is_limited_per_address_of_the_client() -> None:
    client = Client(REMOTE_ADDR="192.0.2.9")
    password = {"password": NEW_PASSWORD, **CONSENT}
    allowed = [
        client.post(SIGNUP, {"email": f"n{n}@example.org", "display_name": f"Name {n}", **password})
        for n in range(10)
    ]

    response = client.post(
        SIGNUP, {"email": "late@example.org", "display_name": "Late One", **password}
    )

    assert [r.status_code for r in allowed] == [302] * 10
    assert_too_many(response, 60 * 60 - 100)
    assert User.objects.filter(email="late@example.org").exists() is False


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_signup_mails_one_address_at_most_three_times_an_hour() -> None:
    responses = [
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(
            SIGNUP,
            {
                "email": "inbox@example.org",
                "display_name": f"Try {n}",
                "password": NEW_PASSWORD,
                **CONSENT,
            },
        )
        for n in range(5)
    ]

    assert [r["Location"] for r in responses] == [SIGNUP_DONE] * 5
    assert len(mail.outbox) == 3


@pytest.mark.usefixtures("clock")
def test_reset_mails_one_address_at_most_three_times_an_hour(member: User) -> None:
    responses = [
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(RESET, {"email": "owner@example.org"})
        for n in range(5)
    ]

    assert [r["Location"] for r in responses] == [RESET_DONE] * 5
    assert [m.to for m in mail.outbox] == [["owner@example.org"]] * 3


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_reset_is_limited_per_address_of_the_client() -> None:
    client = Client(REMOTE_ADDR="192.0.2.9")
    allowed = [client.post(RESET, {"email": f"n{n}@example.org"}) for n in range(10)]

    response = client.post(RESET, {"email": "late@example.org"})

    assert [r.status_code for r in allowed] == [302] * 10
    assert_too_many(response, 60 * 60 - 100)


@pytest.mark.usefixtures("clock")
def test_password_change_limits_guesses_of_the_old_password(
    member: User, member_client: Client
) -> None:
    form = {"old_password": WRONG, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    guesses = [member_client.post(PASSWORD_CHANGE, form) for _n in range(5)]

    response = member_client.post(PASSWORD_CHANGE, {**form, "old_password": PASSWORD})

    member.refresh_from_db()
    assert [r.status_code for r in guesses] == [200] * 5
    assert_too_many(response, 30 * 60 - 100)
    assert member.check_password(PASSWORD) is True


@transactional
def test_twenty_parallel_attempts_let_five_reach_the_password_check(
    clock: Clock, failed_logins: list[str]
) -> None:
    # The threads share the test database (PostgreSQL, or SQLite's shared in-memory database)
    # and the cache: the default local-memory cache is one store per process, and Redis is
    # shared anyway. The counter must hold without any lock of ours.
    UserFactory(email="target@example.org")
    start = threading.Barrier(20)
    statuses: list[int] = []

    def one_attempt(n: int) -> None:
        try:
            client = Client(REMOTE_ADDR=f"192.0.2.{n}")
            start.wait(timeout=10)
            statuses.append(
                client.post(LOGIN, {"email": "target@example.org", "password": WRONG}).status_code
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200] * 5 + [429] * 15
    assert len(failed_logins) == 5
