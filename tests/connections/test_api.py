"""The connection and message API: token for everything, 404 for what is not yours."""

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.accounts.services import token_create
from raremap.connections import limits
from raremap.connections.models import Connection, Conversation, Message
from raremap.core.throttle import throttle_hit
from tests.connections.conftest import BODY, NOTE

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer(user: User) -> dict[str, str]:
    _token, secret = token_create(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def post(client: Client, path: str, data: dict, user: User):  # type: ignore[no-untyped-def]
    return client.post(f"{API}{path}", data, content_type="application/json", headers=bearer(user))


def test_every_endpoint_needs_a_token(client: Client, member_client: Client) -> None:
    for path in ("/connections", "/conversations", "/conversations/x/messages"):
        assert client.get(f"{API}{path}").status_code == 401
        assert member_client.get(f"{API}{path}").status_code == 401  # a session is not enough


def test_ask_accept_and_write_through_the_api(client: Client, pair: tuple[User, User]) -> None:
    member, other = pair

    asked = post(client, "/connections", {"member": other.public_id, "note": NOTE}, member)

    assert asked.status_code == 201
    connection = Connection.objects.get()
    assert asked.json() == {
        "id": connection.public_id,
        "state": "pending",
        "direction": "sent",
        "member": {"id": other.public_id, "display_name": "Brisk Otter"},
        "note": NOTE,
        "created_at": asked.json()["created_at"],
        "conversation": None,
    }
    listed = client.get(f"{API}/connections", headers=bearer(other)).json()
    assert [c["id"] for c in listed["received"]] == [connection.public_id]
    assert (listed["sent"], listed["connected"], listed["next"]) == ([], [], None)

    accepted = post(client, f"/connections/{connection.public_id}/accept", {}, other)

    conversation = Conversation.objects.get()
    assert accepted.status_code == 200
    assert (accepted.json()["state"], accepted.json()["conversation"]) == (
        "accepted",
        conversation.public_id,
    )
    sent = post(client, f"/conversations/{conversation.public_id}/messages", {"body": BODY}, member)
    assert sent.status_code == 201
    assert sent.json()["body_html"] == f"<p>{BODY}</p>"
    assert sent.json()["mine"] is True
    inbox = client.get(f"{API}/conversations", headers=bearer(other)).json()
    assert inbox["results"] == [
        {
            "id": conversation.public_id,
            "member": {"id": member.public_id, "display_name": "Quiet Heron"},
            "last_activity": inbox["results"][0]["last_activity"],
            "unread": True,
        }
    ]
    messages = client.get(
        f"{API}/conversations/{conversation.public_id}/messages", headers=bearer(other)
    ).json()
    assert [(m["body_html"], m["mine"], m["hidden"]) for m in messages["results"]] == [
        (f"<p>{BODY}</p>", False, False)
    ]
    assert messages["older"] is None


def test_decline_is_silent_and_withdraw_works(client: Client, asked: Connection) -> None:
    member, other = asked.requester, asked.recipient

    declined = post(client, f"/connections/{asked.public_id}/decline", {}, other)

    assert declined.json()["state"] == "declined"
    (sent,) = client.get(f"{API}/connections", headers=bearer(member)).json()["sent"]
    assert sent["state"] == "pending"  # the requester is not told
    withdrawn = post(client, f"/connections/{asked.public_id}/withdraw", {}, member)
    assert withdrawn.json()["state"] == "withdrawn"


def test_refusals_say_why(client: Client, pair: tuple[User, User], outsider: User) -> None:
    member, other = pair

    sandboxed = post(client, "/connections", {"member": member.public_id}, other)
    unknown = post(client, "/connections", {"member": "no-such-member"}, member)
    own = post(client, "/connections", {"member": member.public_id}, member)

    assert sandboxed.status_code == 403
    assert "once they have taken part" in sandboxed.json()["error"]["message"]
    assert unknown.status_code == 404
    assert own.status_code == 400
    assert not Connection.objects.exists()


def test_blocked_members_get_the_same_404_as_unknown_ones(
    client: Client, pair: tuple[User, User]
) -> None:
    member, other = pair
    from raremap.connections.services import block_create

    block_create(blocker=other, blocked=member)

    blocked = post(client, "/connections", {"member": other.public_id}, member)
    unknown = post(client, "/connections", {"member": "no-such-member"}, member)
    assert (blocked.status_code, blocked.json()) == (unknown.status_code, unknown.json())


def test_others_cannot_answer_or_read(
    client: Client, conversation: Conversation, outsider: User
) -> None:
    connection = conversation.connection
    for action in ("accept", "decline", "withdraw"):
        response = post(client, f"/connections/{connection.public_id}/{action}", {}, outsider)
        assert response.status_code == 404
    assert client.get(
        f"{API}/conversations/{conversation.public_id}/messages", headers=bearer(outsider)
    ).json() == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}


def test_api_writes_are_throttled(
    client: Client, conversation: Conversation, outsider: User
) -> None:
    member = conversation.connection.requester
    for limit in (limits.MESSAGES, limits.REQUESTS):
        for _ in range(limit.count):
            throttle_hit(limit, f"user:{member.pk}")

    sent = post(client, f"/conversations/{conversation.public_id}/messages", {"body": BODY}, member)
    asked = post(client, "/connections", {"member": outsider.public_id}, member)

    assert sent.status_code == asked.status_code == 429
    assert sent.json()["error"]["code"] == "throttled"
    assert int(sent["Retry-After"]) > 0
    assert not Message.objects.exists()


def test_a_message_too_long_is_refused(client: Client, conversation: Conversation) -> None:
    member = conversation.connection.requester
    url = f"/conversations/{conversation.public_id}/messages"

    too_long = post(client, url, {"body": "x" * 5001}, member)

    assert too_long.status_code == 422
    assert "x" * 50 not in too_long.content.decode()  # the body is not echoed back
    assert not Message.objects.exists()


def test_openapi_lists_the_connection_paths(client: Client) -> None:
    document = client.get(f"{API}/openapi.json").json()

    operations = {
        (path, method): (operation["operationId"], "security" in operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if path.startswith(("/api/v1/connections", "/api/v1/conversations"))
    }

    assert operations == {
        ("/api/v1/connections", "get"): ("connection_list", True),
        ("/api/v1/connections", "post"): ("connection_create", True),
        ("/api/v1/connections/{public_id}/accept", "post"): ("connection_accept", True),
        ("/api/v1/connections/{public_id}/decline", "post"): ("connection_decline", True),
        ("/api/v1/connections/{public_id}/withdraw", "post"): ("connection_withdraw", True),
        ("/api/v1/conversations", "get"): ("conversation_list", True),
        ("/api/v1/conversations/{public_id}/messages", "get"): ("message_list", True),
        ("/api/v1/conversations/{public_id}/messages", "post"): ("message_create", True),
    }
    state = document["components"]["schemas"]["ConnectionOut"]["properties"]["state"]
    assert state["enum"] == Connection.State.values
