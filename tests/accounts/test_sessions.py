"""Sessions: key rotation at log-in, log-out, password change and reset end other sessions."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from raremap.accounts.models import Session, User
from raremap.accounts.permissions import MODERATORS_GROUP, is_moderator
from raremap.accounts.sessions import SessionStore, session_for, session_read
from tests.accounts.helpers import (
    LOGIN,
    LOGOUT,
    NEW_PASSWORD,
    PASSWORD_CHANGE,
    RESET,
    SETTINGS,
    reset_path,
    text_of,
)
from tests.factories import PASSWORD, UserFactory
from tests.rows import values_of


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def logged_in(client: Client) -> bool:
    return client.get(SETTINGS).status_code == 200


def test_session_key_rotates_at_login(client: Client, member: User) -> None:
    anonymous = client.session
    anonymous["seen"] = True
    anonymous.save()
    before = session_key(client)
    assert Session.objects.filter(session_key=before).exists()

    client.post(LOGIN, {"email": "owner@example.org", "password": PASSWORD})

    after = session_key(client)
    assert after != before
    assert Session.objects.filter(session_key=before).exists() is False
    assert client.session[SESSION_KEY] == str(member.pk)


def test_session_cookie_is_http_only_and_same_site(client: Client, member: User) -> None:
    response = client.post(LOGIN, {"email": "owner@example.org", "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["httponly"], cookie["samesite"]) == (True, "Lax")


def test_logout_deletes_the_session(member_client: Client) -> None:
    key = session_key(member_client)
    assert Session.objects.filter(session_key=key).exists()

    member_client.post(LOGOUT)

    assert Session.objects.filter(session_key=key).exists() is False
    assert logged_in(member_client) is False


def test_a_stolen_cookie_is_useless_after_logout(member_client: Client) -> None:
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = session_key(member_client)
    assert logged_in(thief) is True

    member_client.post(LOGOUT)

    assert logged_in(thief) is False


def test_logout_by_get_changes_nothing(member_client: Client) -> None:
    response = member_client.get(LOGOUT)

    assert response.status_code == 405
    assert logged_in(member_client) is True


def change_password(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD) -> HttpResponse:
    return client.post(
        PASSWORD_CHANGE, {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_password_change_ends_other_sessions_and_keeps_this_one(
    member: User, member_client: Client
) -> None:
    other_device = Client()
    other_device.force_login(member)

    response = change_password(member_client)

    member.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, SETTINGS)
    assert member.check_password(NEW_PASSWORD) is True
    assert "Your password is changed." in text_of(member_client.get(SETTINGS))
    assert logged_in(other_device) is False


def test_password_change_needs_the_old_password(member: User, member_client: Client) -> None:
    response = change_password(member_client, old="not the password")

    member.refresh_from_db()
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in text_of(response)
    assert member.check_password(PASSWORD) is True


def test_password_change_applies_the_password_rules(member: User, member_client: Client) -> None:
    response = change_password(member_client, new="qwerty123456")

    assert "This password is too common." in text_of(response)


@pytest.mark.django_db
def test_password_change_needs_login(client: Client) -> None:
    response = client.get(PASSWORD_CHANGE)

    assert response["Location"] == f"{LOGIN}?next={PASSWORD_CHANGE}"


def request_reset(client: Client, email: str = "owner@example.org") -> str:
    client.post(RESET, {"email": email})
    return reset_path(mail.outbox[-1])


def test_reset_link_sets_a_new_password_and_ends_sessions(
    client: Client, member: User, member_client: Client
) -> None:
    link = request_reset(client)

    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    member.refresh_from_db()
    assert mail.outbox[0].subject == "Reset your RareMap password"
    assert "Choose a new password" in text_of(form_page)
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert member.check_password(NEW_PASSWORD) is True
    assert SESSION_KEY not in client.session  # no log-in by the link itself
    assert logged_in(member_client) is False


def test_reset_link_works_once(client: Client, member: User) -> None:
    link = request_reset(client)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert "This link does not work" in text_of(again)


class PastTokens(PasswordResetTokenGenerator):
    def __init__(self, now: datetime.datetime) -> None:
        super().__init__()
        self.fixed = now

    def _now(self) -> datetime.datetime:
        return self.fixed


@pytest.mark.parametrize(("age", "works"), [(59 * 60, True), (61 * 60, False)])
def test_reset_link_lives_one_hour(client: Client, member: User, age: int, works: bool) -> None:
    made = datetime.datetime.now() - datetime.timedelta(seconds=age)
    token = PastTokens(made).make_token(member)
    uid = urlsafe_base64_encode(force_bytes(member.pk))

    response = client.get(f"/accounts/password/reset/{uid}/{token}/", follow=True)

    assert ("This link does not work" not in text_of(response)) is works


def test_reset_mail_is_in_the_members_language_not_the_pages(client: Client, member: User) -> None:
    User.objects.filter(pk=member.pk).update(language="de")

    client.post(f"/es{RESET}", {"email": "owner@example.org"})

    assert reset_path(mail.outbox[0]).startswith("/de/accounts/password/reset/")


# The session engine reads the member with the session (raremap.accounts.sessions); the
# authentication middleware accepts that member only where Django would.


def test_a_session_row_names_its_member(member: User, member_client: Client) -> None:
    assert Session.objects.get(session_key=session_key(member_client)).user_id == member.pk


def test_a_member_page_reads_session_and_member_in_one_query_and_the_header_in_one(
    member_client: Client,
) -> None:
    with CaptureQueriesContext(connection) as captured:
        # A page that reads nothing else of the member (the home page reads their
        # notifications and requests: tests/catalog/test_home.py counts its queries).
        response = member_client.get("/about/")

    reads = [
        query["sql"]
        for query in captured.captured_queries
        if any(t in query["sql"] for t in ("accounts_", "auth_", "questions_notification"))
    ]
    assert "Quiet Heron" in text_of(response)  # the header knows the member
    assert len(reads) == 2
    assert "accounts_session" in reads[0]
    assert "accounts_user" in reads[0]
    assert "auth_group" in reads[0]  # the moderator flag
    assert "questions_notification" in reads[1]


def _orm_read(key: str) -> tuple[str, list | None, bool | None] | None:
    """What raremap.accounts.sessions.SESSION_SQL stands for, read with the ORM."""
    session = Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).first()
    if session is None:
        return None
    user = User.objects.filter(pk=session.user_id).first()
    if user is None:
        return session.session_data, None, None
    moderator = user.is_active and (user.is_superuser or is_moderator(user))
    return session.session_data, values_of(user), moderator


def _sql_read(key: str) -> tuple[str, list | None, bool | None] | None:
    read = session_read(key)
    if read is None:
        return None
    data, user = read
    return data, values_of(user), user._is_moderator if user else None


def test_the_session_statement_reads_what_the_orm_reads(
    member: User, moderator: User, other_member: User
) -> None:
    """The session read is written out in SQL: for every kind of session, the ORM reads the
    same data, the same member (every column, with its type) and the same moderator flag."""
    superuser = UserFactory(is_superuser=True, display_name="Root Owl")
    retired = UserFactory(is_active=False)
    Group.objects.get(name=MODERATORS_GROUP).user_set.add(retired)
    other_member.last_login = timezone.now()
    other_member.save()
    keys = [session_for(user) for user in (member, moderator, other_member, superuser, retired)]
    anonymous = SessionStore()
    anonymous["seen"] = True
    anonymous.create()
    expired = session_for(member)
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    reads = {key: _sql_read(key) for key in [*keys, anonymous.session_key, expired, "nothing"]}

    assert reads == {key: _orm_read(key) for key in reads}
    assert [read[2] for read in reads.values() if read] == [False, True, False, True, False, None]
    assert (reads[expired], reads["nothing"]) == (None, None)
    assert ("last_login", other_member.last_login, datetime.datetime) in reads[keys[2]][1]


def test_a_session_row_decodes_with_the_configured_engine(
    member: User, member_client: Client
) -> None:
    session = Session.objects.get(session_key=session_key(member_client))

    assert session.get_decoded()[SESSION_KEY] == str(member.pk)


def test_a_deactivated_member_is_logged_out(member: User, member_client: Client) -> None:
    User.objects.filter(pk=member.pk).update(is_active=False)

    assert logged_in(member_client) is False


def test_a_session_made_for_another_password_is_refused(
    member: User, member_client: Client
) -> None:
    # The password changes behind the session's back (an admin, another process).
    member.set_password(NEW_PASSWORD)
    User.objects.filter(pk=member.pk).update(password=member.password)

    assert logged_in(member_client) is False


def test_the_signed_session_data_decides_who_is_logged_in(
    member_client: Client, other_member: User
) -> None:
    # The session's signed data names the member; a user column saying otherwise is ignored.
    Session.objects.filter(session_key=session_key(member_client)).update(user=other_member)

    page = text_of(member_client.get(SETTINGS))

    assert "Quiet Heron" in page
    assert "Brisk Otter" not in page


def test_clearsessions_deletes_expired_sessions_only(member_client: Client) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    live = session_key(member_client)
    Session.objects.create(
        session_key="expired0000000000000000000000000",
        session_data="",
        expire_date=timezone.now() - datetime.timedelta(seconds=1),
    )

    call_command("clearsessions")

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
