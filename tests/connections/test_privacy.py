"""What is private stays private: a conversation is reachable by its two members only, on
every path; notes and message bodies never reach logs, notifications or emails."""

import logging
import re

import pytest
from django.core import mail
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from raremap.accounts.models import User
from raremap.accounts.services import token_create
from raremap.connections import services
from raremap.connections.models import Connection, Conversation, Message
from raremap.questions.services import notification_emails_send
from tests.connections.conftest import BODY, NOTE

pytestmark = pytest.mark.django_db


def _bearer(user: User) -> dict[str, str]:
    _token, secret = token_create(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def written(conversation: Conversation) -> Message:
    """Quiet Heron wrote to Brisk Otter: a message with a canary."""
    return services.message_send(
        sender=conversation.connection.requester, conversation=conversation, body=BODY
    )


def _paths(message: Message) -> dict[str, tuple[str, str, dict]]:
    """Every way to reach a conversation: (method, path, data)."""
    cid = message.conversation.public_id
    report = f"/moderation/report/message/{cid}/{message.pk}/"
    api = f"/api/v1/conversations/{cid}/messages"
    return {
        "page": ("get", f"/messages/{cid}/", {}),
        "older messages": ("get", f"/messages/{cid}/?before={message.pk + 1}", {}),
        "new messages": ("htmx-get", f"/messages/{cid}/new/?after=0", {}),
        "send": ("post", f"/messages/{cid}/send/", {"body": "Hello there"}),
        "send (htmx)": ("htmx", f"/messages/{cid}/send/", {"body": "Hello there"}),
        "mark read": ("post", f"/messages/{cid}/read/", {}),
        "report form": ("get", report, {}),
        "report": ("post", report, {"reason": "spam"}),
        "api messages": ("api-get", api, {}),
        "api send": ("api-post", api, {"body": "Hello there"}),
        "remove": ("post", f"/messages/{cid}/remove/", {}),
    }


def _ask(client: Client, auth: dict[str, str], how: tuple[str, str, dict]):  # type: ignore[no-untyped-def]
    method, path, data = how
    if method == "get":
        return client.get(path)
    if method == "post":
        return client.post(path, data)
    if method == "htmx":
        return client.post(path, data, headers={"HX-Request": "true"})
    if method == "htmx-get":
        return client.get(path, headers={"HX-Request": "true"})
    if method == "api-get":
        return client.get(path, headers=auth)
    return client.post(path, data, content_type="application/json", headers=auth)


def _actor(kind: str, message: Message, outsider: User) -> User:
    """Someone who may not reach the conversation: an outsider, or the recipient once they
    removed it from their messages; or someone who may only read it: the recipient once the
    connection has ended or once the sender has blocked them."""
    connection = message.conversation.connection
    if kind == "outsider":
        return outsider
    if kind == "removed":
        services.conversation_remove(user=connection.recipient, conversation=message.conversation)
    elif kind == "ended":
        services.connection_end(user=connection.recipient, connection=connection)
    else:
        services.block_create(blocker=connection.requester, blocked=connection.recipient)
    return connection.recipient


PATHS = [
    "page",
    "older messages",
    "new messages",
    "send",
    "send (htmx)",
    "mark read",
    "report form",
    "report",
    "api messages",
    "api send",
    "remove",
]
WRITES = {"send", "send (htmx)", "api send"}


def _control(written: Message, how: tuple[str, str, dict]) -> None:
    recipient = written.conversation.connection.recipient
    control = Client()
    control.force_login(recipient)
    assert _ask(control, _bearer(recipient), how).status_code in (200, 201, 204, 302)


@pytest.mark.parametrize("actor", ["outsider", "removed"])
@pytest.mark.parametrize("path", PATHS)
def test_a_member_outside_the_conversation_gets_404_on_every_path(
    written: Message, outsider: User, path: str, actor: str
) -> None:
    how = _paths(written)[path]
    if path != "remove":
        _control(written, how)

    user = _actor(actor, written, outsider)
    client = Client()
    client.force_login(user)
    messages_before = Message.objects.count()

    response = _ask(client, _bearer(user), how)

    assert response.status_code == 404
    assert "Canary-body" not in response.content.decode()
    assert Message.objects.count() == messages_before
    # Nor does it show up anywhere else the member looks.
    for page in ("/notifications/", "/messages/", "/connections/"):
        assert "Canary-body" not in client.get(page).content.decode()
    listed = client.get("/api/v1/conversations", headers=_bearer(user)).json()
    assert listed["results"] == []


@pytest.mark.parametrize("actor", ["ended", "blocked"])
@pytest.mark.parametrize("path", sorted(WRITES))
def test_after_an_end_or_a_block_no_one_writes(written: Message, path: str, actor: str) -> None:
    how = _paths(written)[path]
    user = _actor(actor, written, written.conversation.connection.recipient)
    client = Client()
    client.force_login(user)
    messages_before = Message.objects.count()

    assert _ask(client, _bearer(user), how).status_code == 404
    assert Message.objects.count() == messages_before


@pytest.mark.parametrize("actor", ["ended", "blocked"])
def test_after_an_end_or_a_block_both_keep_their_copy(written: Message, actor: str) -> None:
    connection = written.conversation.connection
    _actor(actor, written, connection.recipient)
    cid = written.conversation.public_id

    for member in (connection.requester, connection.recipient):
        client = Client()
        client.force_login(member)
        page = client.get(f"/messages/{cid}/").content.decode()
        assert "Canary-body" in page
        assert "neither of you can write in it" in page
        assert 'name="body"' not in page  # no form to write with
        assert "ended" in client.get("/messages/").content.decode()
        api = client.get(f"/api/v1/conversations/{cid}/messages", headers=_bearer(member))
        assert "Canary-body" in api.content.decode()


def test_the_paths_above_are_all_the_conversation_paths(written: Message) -> None:
    """A new conversation path must join the test above."""
    from django.urls import get_resolver

    resolver = get_resolver()
    names = {
        f"{namespace}:{name}"
        for namespace in ("connections", "moderation", "api")
        for name in resolver.namespace_dict[namespace][1].reverse_dict
        if isinstance(name, str) and ("conversation" in name or "message" in name)
    }
    assert names == {
        "connections:conversation-list",  # the member's own inbox: checked for absence above
        "connections:conversation-detail",
        "connections:conversation-read",
        "connections:message-send",
        "connections:message-new",
        "moderation:message-report",
        "api:conversation-list",  # checked for absence above
        "api:message-list",
        "api:message-create",
        "connections:conversation-remove",
    }
    assert list(_paths(written)) == PATHS


def test_blocking_hides_the_blocker_everywhere_for_the_blocked(
    conversation: Conversation, other_client: Client
) -> None:
    connection = conversation.connection
    blocker = connection.requester
    User.objects.filter(pk=blocker.pk).update(profile_public=True)
    profile = f"/accounts/u/{blocker.public_id}/"
    assert other_client.get(profile).status_code == 200
    assert "Quiet Heron" in other_client.get("/messages/").content.decode()

    services.block_create(blocker=blocker, blocked=connection.recipient)

    assert other_client.get(profile).status_code == 404
    for page in ("/connections/", "/notifications/"):
        assert "Quiet Heron" not in other_client.get(page).content.decode(), page
    # Their own conversation stays theirs to read (closed): a block deletes no one's copy.
    assert "ended" in other_client.get("/messages/").content.decode()
    ask = other_client.post(f"/connections/member/{blocker.public_id}/ask/", {"note": "hi"})
    assert ask.status_code == 404
    assert Connection.objects.filter(state="pending").count() == 0


# --- logs, notifications, emails ------------------------------------------------------------


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records) + caplog.text


def test_message_bodies_and_notes_never_reach_the_logs(
    pair: tuple[User, User],
    member_client: Client,
    other_client: Client,
    outsider_client: Client,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    _member, other = pair
    settings.ADMINS = [("Ops", "ops@example.org")]  # error reports by email, with request data
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(db) as queries:  # SQL logging on, as with DEBUG
        member_client.post(f"/connections/member/{other.public_id}/ask/", {"note": NOTE})
        connection = Connection.objects.get()
        other_client.post(f"/connections/{connection.public_id}/accept/")
        cid = Conversation.objects.get().public_id
        assert member_client.post(f"/messages/{cid}/send/", {"body": BODY}).status_code == 302
        # Failing sends: refused (too long), not allowed (an outsider), and a crash.
        member_client.post(f"/messages/{cid}/send/", {"body": BODY * 200})
        outsider_client.post(f"/messages/{cid}/send/", {"body": BODY})

        def crash(text: str) -> str:
            raise RuntimeError("rendering failed")

        monkeypatch.setattr("raremap.connections.services.render_markdown", crash)
        member_client.raise_request_exception = False
        crashed = member_client.post(f"/messages/{cid}/send/", {"body": BODY})

    assert crashed.status_code == 500
    # The body went through the SQL debug cursor, and still not into a log.
    assert any("Canary-body" in q["sql"] for q in queries.captured_queries)
    logged = _logged(caplog)
    assert "Not Found: /messages/" in logged  # the capture works
    assert "Internal Server Error" in logged
    assert "Canary-body" not in logged
    assert "Canary-note" not in logged
    (report,) = mail.outbox  # the error report sent to the admins
    assert "rendering failed" in report.body
    assert "Canary-body" not in report.body
    assert "Canary-body" not in str(report.alternatives)


def test_notifications_and_emails_carry_names_and_links_only(
    conversation: Conversation,
    other_client: Client,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.NOTIFICATION_EMAILS = True
    connection = conversation.connection
    member, other = connection.requester, connection.recipient
    services.message_send(sender=member, conversation=conversation, body=BODY)
    User.objects.filter(pk__in=[member.pk, other.pk]).update(notification_emails=True)

    page = other_client.get("/notifications/").content.decode()
    assert "Quiet Heron wants to connect" not in page  # answered: read and no longer waiting
    assert "New message from Quiet Heron" in page
    assert "Canary" not in page
    assert notification_emails_send(base_url="https://raremap.example") == 2
    by_address = {m.to[0]: m.body for m in mail.outbox}
    assert (
        f"New message from Quiet Heron\n  https://raremap.example/messages/"
        f"{conversation.public_id}/" in by_address["other@example.org"]
    )
    assert "Brisk Otter accepted your request to connect" in by_address["owner@example.org"]
    for body in by_address.values():
        assert "Canary" not in body


def test_a_waiting_request_is_emailed_without_its_note(
    asked: Connection,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.NOTIFICATION_EMAILS = True
    User.objects.filter(pk=asked.recipient_id).update(notification_emails=True)

    assert notification_emails_send(base_url="https://raremap.example/") == 1

    (sent,) = mail.outbox
    assert "Quiet Heron wants to connect\n  https://raremap.example/connections/" in sent.body
    assert "Canary-note" not in sent.body


SETTINGS_LINK = "https://raremap.example/accounts/settings/#id_notification_emails"


def test_members_who_never_chose_are_emailed_names_and_links_only(
    pair: tuple[User, User],
    settings,  # type: ignore[no-untyped-def]
) -> None:
    # Nobody has touched a setting: notification emails are on from sign-up.
    settings.NOTIFICATION_EMAILS = True
    member, other = pair
    asked = services.connection_request(requester=member, recipient=other, note=NOTE)

    assert notification_emails_send(base_url="https://raremap.example/") == 1
    (request_mail,) = mail.outbox
    services.connection_accept(user=other, connection=asked)
    conversation = Conversation.objects.get(connection=asked)
    services.message_send(sender=member, conversation=conversation, body=BODY)
    assert notification_emails_send(base_url="https://raremap.example/") == 2

    by_address = {m.to[0]: m for m in mail.outbox[1:]}
    assert request_mail.to == ["other@example.org"]
    assert "Quiet Heron wants to connect\n  https://raremap.example/connections/" in (
        request_mail.body
    )
    assert "Brisk Otter accepted your request to connect" in by_address["owner@example.org"].body
    assert "New message from Quiet Heron" in by_address["other@example.org"].body
    for sent in mail.outbox:
        assert sent.body.endswith(f"To stop these emails, change your settings:\n{SETTINGS_LINK}")
        assert sent.extra_headers["List-Unsubscribe"] == f"<{SETTINGS_LINK}>"
        assert "Canary" not in sent.subject + sent.body + str(sent.extra_headers)


def test_one_untick_in_the_settings_stops_the_emails(
    asked: Connection,
    other_client: Client,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.NOTIFICATION_EMAILS = True
    settings_page = other_client.get("/accounts/settings/").content.decode()
    box = re.search(r'<input type="checkbox" name="notification_emails"[^>]*>', settings_page)
    assert box is not None
    assert box.group().endswith(" checked>")

    other_client.post("/accounts/settings/", {"display_name": "Brisk Otter", "bio": ""})

    assert notification_emails_send(base_url="https://raremap.example/") == 0
    assert mail.outbox == []


def test_demo_members_are_never_emailed(
    asked: Connection,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.NOTIFICATION_EMAILS = True
    User.objects.filter(pk=asked.recipient_id).update(is_demo=True)

    assert notification_emails_send(base_url="https://raremap.example/") == 0
