"""Connection and message endpoints: every one needs a token, reads included.

Everything here is private to the member whose token it is: their requests and connections,
and conversations they take part in. Another member's request or conversation answers 404,
exactly like one that does not exist. Writes are throttled per member with the same limits as
the pages (raremap.connections.limits) and call the same services; a service's refusal answers
400 with its sentence (403 for a member still in the new-member sandbox).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja import Status as WithStatus
from ninja.errors import HttpError, Throttled

from raremap.accounts.models import User
from raremap.api.auth import token_auth
from raremap.api.schemas import (
    ConnectionIn,
    ConnectionListOut,
    ConnectionOut,
    ConversationListOut,
    ErrorOut,
    ListPageParams,
    MessageIn,
    MessageOut,
    MessagePageOut,
    MessagePageParams,
)
from raremap.connections import limits, selectors, services
from raremap.connections.models import Connection, Message
from raremap.core.throttle import Limit, throttle_hit

router = Router(tags=["connections"], auth=token_auth)

READ_ERRORS: dict[int, Any] = dict.fromkeys((401, 404, 422), ErrorOut)
WRITE_ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 422, 429), ErrorOut)


def _throttle(user: User, *chosen: Limit) -> None:
    for limit in chosen:
        retry = throttle_hit(limit, f"user:{user.pk}")
        if retry:
            raise Throttled(wait=retry)


@contextmanager
def _service_errors() -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        status = 403 if getattr(exc, "code", None) == "sandbox" else 400
        raise HttpError(status, " ".join(str(m) for m in exc.messages)) from None


def _member(user: User) -> dict[str, str]:
    return {"id": user.public_id, "display_name": user.display_name}


def _connection_out(connection: Connection, user: User) -> dict[str, Any]:
    sent = connection.requester_id == user.pk
    state = selectors.visible_state(connection, user)
    return {
        "id": connection.public_id,
        "state": state,
        "direction": "sent" if sent else "received",
        "member": _member(connection.recipient if sent else connection.requester),
        "note": connection.note or None,
        "created_at": connection.created_at,
        "conversation": connection.conversation.public_id if state == "accepted" else None,
    }


def _message_out(message: Message, people: dict[int, User], user: User) -> dict[str, Any]:
    hidden = message.hidden_at is not None
    return {
        "id": message.pk,
        "sender": _member(people[message.sender_id]),
        "mine": message.sender_id == user.pk,
        "body_html": None if hidden else message.body_html,
        "hidden": hidden,
        "created_at": message.created_at,
    }


@router.get(
    "/connections",
    response={200: ConnectionListOut, **READ_ERRORS},
    operation_id="connection_list",
    url_name="connection-list",
    summary="List your requests and connections",
)
def connection_list(request: HttpRequest, params: Query[ListPageParams]) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    page = selectors.connection_page(user, page=params.page)
    connected = page.object_list if page.number == params.page else []
    return {
        "received": [_connection_out(c, user) for c in selectors.request_list_received(user)],
        "sent": [_connection_out(c, user) for c in selectors.request_list_sent(user)],
        "connected": [_connection_out(c, user) for c in connected],
        "page": params.page,
        "next": f"{request.path}?page={params.page + 1}" if connected and page.has_next() else None,
    }


@router.post(
    "/connections",
    response={201: ConnectionOut, **WRITE_ERRORS},
    operation_id="connection_create",
    url_name="connection-create",
    summary="Ask a member to connect",
)
def connection_create(request: HttpRequest, data: ConnectionIn) -> WithStatus[dict[str, Any]]:
    """Only members who have taken part may ask, and only members they share a community
    with; a member who cannot be reached is a 404 whatever the reason."""
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(user, limits.REQUESTS)
    recipient = User.objects.filter(public_id=data.member, is_active=True).first()
    if recipient is None:
        raise Http404("No such member")
    with _service_errors():
        connection = services.connection_request(
            requester=user, recipient=recipient, note=data.note
        )
    return WithStatus(201, _connection_out(connection, user))


def _change(request: HttpRequest, public_id: str, service: Any) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(user, limits.CONNECTION_CHANGES)
    connection = selectors.connection_get(user, public_id)
    connection = service(user=user, connection=connection)
    return _connection_out(selectors.connection_get(user, connection.public_id), user)


@router.post(
    "/connections/{public_id}/accept",
    response={200: ConnectionOut, **WRITE_ERRORS},
    operation_id="connection_accept",
    url_name="connection-accept",
    summary="Accept a request",
)
def connection_accept(request: HttpRequest, public_id: str) -> dict[str, Any]:
    """The conversation opens: its id is in the answer."""
    return _change(request, public_id, services.connection_accept)


@router.post(
    "/connections/{public_id}/decline",
    response={200: ConnectionOut, **WRITE_ERRORS},
    operation_id="connection_decline",
    url_name="connection-decline",
    summary="Decline a request",
)
def connection_decline(request: HttpRequest, public_id: str) -> dict[str, Any]:
    """The requester is not told."""
    return _change(request, public_id, services.connection_decline)


@router.post(
    "/connections/{public_id}/withdraw",
    response={200: ConnectionOut, **WRITE_ERRORS},
    operation_id="connection_withdraw",
    url_name="connection-withdraw",
    summary="Withdraw your request",
)
def connection_withdraw(request: HttpRequest, public_id: str) -> dict[str, Any]:
    return _change(request, public_id, services.connection_withdraw)


@router.get(
    "/conversations",
    response={200: ConversationListOut, **READ_ERRORS},
    operation_id="conversation_list",
    url_name="conversation-list",
    summary="List your conversations",
)
def conversation_list(request: HttpRequest, params: Query[ListPageParams]) -> dict[str, Any]:
    """Latest activity first; no message text."""
    user: User = request.auth  # type: ignore[attr-defined]
    page = selectors.conversation_page(user, page=params.page)
    items = page.object_list if page.number == params.page else []
    return {
        "page": params.page,
        "next": f"{request.path}?page={params.page + 1}" if items and page.has_next() else None,
        "results": [
            {
                "id": item.conversation.public_id,
                "member": _member(item.other),
                "last_activity": item.last_activity,
                "unread": item.unread,
            }
            for item in items
        ],
    }


@router.get(
    "/conversations/{public_id}/messages",
    response={200: MessagePageOut, **READ_ERRORS},
    operation_id="message_list",
    url_name="message-list",
    summary="List a conversation's messages",
)
def message_list(
    request: HttpRequest, public_id: str, params: Query[MessagePageParams]
) -> dict[str, Any]:
    """The newest messages (or those before a message id), oldest first. Reading does not
    mark the conversation read; the page does."""
    user: User = request.auth  # type: ignore[attr-defined]
    conversation = selectors.conversation_get(user, public_id)
    page = selectors.message_page(conversation, before=params.before)
    connection = conversation.connection
    people = {
        connection.requester_id: connection.requester,
        connection.recipient_id: connection.recipient,
    }
    return {
        "conversation": conversation.public_id,
        "member": _member(selectors.conversation_other(conversation, user)),
        "results": [_message_out(m, people, user) for m in page.messages],
        "older": f"{request.path}?before={page.older}" if page.older else None,
    }


@router.post(
    "/conversations/{public_id}/messages",
    response={201: MessageOut, **WRITE_ERRORS},
    operation_id="message_create",
    url_name="message-create",
    summary="Send a message",
)
def message_create(
    request: HttpRequest, public_id: str, data: MessageIn
) -> WithStatus[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(user, limits.MESSAGES, limits.MESSAGES_PER_DAY)
    conversation = selectors.conversation_get(user, public_id)
    with _service_errors():
        message = services.message_send(sender=user, conversation=conversation, body=data.body)
    return WithStatus(201, _message_out(message, {user.pk: user}, user))
