"""Connection, block and conversation reads, shaped for the pages and the API.

Every read is for one member and returns only what that member may see: their own requests
and connections, conversations they take part in (while the connection lasts), never anything
of a member who has blocked them. Whatever they may not see raises Http404. Lists cost a
constant number of queries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import connection as database
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from raremap.accounts.models import User
from raremap.communities.models import Membership
from raremap.connections.models import (
    Block,
    Connection,
    ConnectionState,
    Conversation,
    Message,
    Participant,
)
from raremap.connections.permissions import can_send_requests

State = ConnectionState

CONNECTIONS_PER_PAGE = 50
CONVERSATIONS_PER_PAGE = 30
MESSAGES_PER_PAGE = 50
REQUESTS_LIMIT = 100  # waiting requests shown at once (requests are throttled per sender)
BLOCKS_LIMIT = 200


def is_blocked(*, blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


# Every member's question page asks this of its linked authors: written out, it runs in
# 40 µs where the ORM took 0.35 ms to build it (docs/architecture.md, "Reads every request
# makes"; tests/connections/test_selectors.py compares it with the ORM).
BLOCKERS_SQL = "SELECT blocker_id FROM connections_block WHERE blocked_id = %s"


def blocker_ids(user: User) -> set[int]:
    """The members who have blocked `user`: every list shown to `user` leaves them out (the
    map included)."""
    if not user.is_authenticated:
        return set()
    with database.cursor() as cursor:
        cursor.execute(BLOCKERS_SQL, [user.pk])
        return {blocker_id for (blocker_id,) in cursor.fetchall()}


def shares_community(a: User, b: User) -> bool:
    """Whether two members belong to at least one common disease community."""
    return Membership.objects.filter(
        user=b, disease_id__in=Membership.objects.filter(user=a).values("disease_id")
    ).exists()


def visible_state(connection: Connection, user: User) -> str:
    """The state as `user` may know it: a declined request looks like a waiting one to the
    member who sent it (declining is silent)."""
    if connection.state == State.DECLINED and connection.requester_id == user.pk:
        return State.PENDING
    return connection.state


# --- the connections page -------------------------------------------------------------------


def request_list_received(user: User) -> list[Connection]:
    """Requests waiting for `user`'s answer, newest first, with who sent them."""
    return list(
        Connection.objects.filter(recipient=user, state=State.PENDING)
        .select_related("requester")
        .order_by("-id")[:REQUESTS_LIMIT]
    )


def request_list_sent(user: User) -> list[Connection]:
    """Requests `user` sent that are not accepted, withdrawn or ended (declined ones included:
    they look like waiting ones), newest first."""
    return list(
        Connection.objects.filter(requester=user, state__in=(State.PENDING, State.DECLINED))
        .select_related("recipient")
        .order_by("-id")[:REQUESTS_LIMIT]
    )


def connection_page(user: User, *, page: int | str | None = 1) -> Page:
    """`user`'s connections, newest first, with both members and the conversation's id."""
    connections = (
        Connection.objects.filter(Q(requester=user) | Q(recipient=user), state=State.ACCEPTED)
        .select_related("requester", "recipient", "conversation")
        .order_by("-responded_at", "-id")
    )
    return Paginator(connections, CONNECTIONS_PER_PAGE).get_page(page)


def block_list(user: User) -> list[Block]:
    """The members `user` has blocked, newest first."""
    return list(
        Block.objects.filter(blocker=user).select_related("blocked").order_by("-id")[:BLOCKS_LIMIT]
    )


def connection_get(user: User, public_id: str) -> Connection:
    """A request or connection `user` is one side of; Http404 for anyone else."""
    connection = (
        Connection.objects.filter(Q(requester=user) | Q(recipient=user), public_id=public_id)
        .select_related("requester", "recipient")
        .first()
    )
    if connection is None:
        raise Http404("No such connection")
    return connection


# --- a profile ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileConnect:
    """What a profile page offers its viewer about connecting with the owner.

    status: "connected", "asked" (the viewer asked), "asked_you" (the owner asked),
    "can_ask", "new_member" (the viewer is still sandboxed), "blocked" (the viewer blocked
    the owner), "demo" (the owner is a fictional demo member, who cannot answer) or
    "unavailable" (no shared community).
    """

    status: str
    connection: Connection | None = None

    @property
    def conversation_id(self) -> str | None:
        if self.connection is None or self.status != "connected":
            return None
        return self.connection.conversation.public_id


def profile_connect(viewer: User, owner: User) -> ProfileConnect | None:
    """The viewer's standing with a profile's owner; None on one's own profile or for
    visitors. Raises Http404 when the owner has blocked the viewer: to them the profile does
    not exist."""
    if not viewer.is_authenticated or viewer.pk == owner.pk:
        return None
    blocks = set(
        Block.objects.filter(
            Q(blocker=owner, blocked=viewer) | Q(blocker=viewer, blocked=owner)
        ).values_list("blocker_id", flat=True)
    )
    if owner.pk in blocks:
        raise Http404("No such profile")
    if viewer.pk in blocks:
        return ProfileConnect("blocked")
    low, high = sorted((viewer.pk, owner.pk))
    connection = (
        Connection.objects.filter(user_low_id=low, user_high_id=high)
        .filter(
            Q(state__in=(State.PENDING, State.ACCEPTED)) | Q(state=State.DECLINED, requester=viewer)
        )
        .select_related("conversation")
        .first()
    )
    if connection is not None:
        if connection.state == State.ACCEPTED:
            return ProfileConnect("connected", connection)
        asked = "asked" if connection.requester_id == viewer.pk else "asked_you"
        return ProfileConnect(asked, connection)
    if owner.is_demo:
        return ProfileConnect("demo")
    if not shares_community(viewer, owner):
        return ProfileConnect("unavailable")
    if not can_send_requests(viewer):
        return ProfileConnect("new_member")
    return ProfileConnect("can_ask")


# --- conversations --------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    conversation: Conversation
    other: User
    last_activity: datetime
    unread: bool
    closed: bool


def _kept_by(user: User) -> QuerySet[Participant]:
    """The conversations in `user`'s messages: open ones, and closed ones (the connection
    ended, or one of the two blocked the other) until `user` removes them."""
    return Participant.objects.filter(
        user=user,
        removed_at=None,
        conversation__connection__state__in=(State.ACCEPTED, State.ENDED),
    )


def conversation_page(user: User, *, page: int | str | None = 1) -> Page:
    """`user`'s conversations, open and closed, latest activity first: who with, when, whether
    something is unread and whether it is closed. Never message text. Two queries (count and
    page)."""
    participants = (
        _kept_by(user)
        .select_related(
            "conversation__connection__requester", "conversation__connection__recipient"
        )
        .annotate(activity=Coalesce("conversation__last_message_at", "conversation__created_at"))
        .order_by(F("activity").desc(), "-conversation_id")
    )
    result = Paginator(participants, CONVERSATIONS_PER_PAGE).get_page(page)
    items = []
    for participant in result.object_list:
        conversation = participant.conversation
        connection = conversation.connection
        last = conversation.last_message_at
        items.append(
            InboxItem(
                conversation=conversation,
                other=connection.recipient
                if connection.requester_id == user.pk
                else connection.requester,
                last_activity=participant.activity,  # type: ignore[attr-defined]
                unread=last is not None
                and (participant.last_read_at is None or last > participant.last_read_at),
                closed=connection.state != State.ACCEPTED,
            )
        )
    result.object_list = items  # type: ignore[assignment]  # the page shows items, not rows
    return result


def conversation_get(user: User, public_id: str) -> Conversation:
    """A conversation in `user`'s messages, with both members, `my_last_read` (when `user`
    last read it) and `is_open` (False once the connection has ended or one blocked the
    other: it is read, never written to); Http404 for anyone else and once `user` removed it.
    """
    conversation = (
        _my_conversations(user, public_id)
        .annotate(my_last_read=F("participants__last_read_at"))
        .select_related("connection__requester", "connection__recipient")
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation")
    conversation.is_open = conversation.connection.state == State.ACCEPTED  # type: ignore[attr-defined]
    return conversation


def conversation_to_write_in(user: User, public_id: str) -> Conversation:
    """A conversation in `user`'s messages, its ids only, for sending a message (the service
    locks it and checks that the connection still holds); Http404 for anyone else and once
    `user` removed it. Lighter than conversation_get: no members read."""
    conversation = _my_conversations(user, public_id).only("id", "public_id").first()
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def _my_conversations(user: User, public_id: str) -> QuerySet[Conversation]:
    """The conversation `public_id` if it is in `user`'s messages: a connection accepted or
    ended, `user` one of its members, and not removed by them."""
    return Conversation.objects.filter(
        public_id=public_id,
        connection__state__in=(State.ACCEPTED, State.ENDED),
        participants__user=user,
        participants__removed_at=None,
    )


def conversation_other(conversation: Conversation, user: User) -> User:
    connection = conversation.connection
    return connection.recipient if connection.requester_id == user.pk else connection.requester


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]  # oldest first
    older: int | None  # pass as `before` for the page of older messages


def message_page(
    conversation: Conversation, *, before: int | None = None, limit: int = MESSAGES_PER_PAGE
) -> MessagePage:
    """One page of a conversation's messages (the newest, or those before a message id).
    Hidden messages are included: pages show a placeholder in their place, never their text."""
    messages = Message.objects.filter(conversation=conversation).order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages[: limit + 1])
    older = rows[limit - 1].pk if len(rows) > limit else None
    rows = rows[:limit]
    rows.reverse()
    return MessagePage(messages=rows, older=older)


def message_list_after(
    conversation: Conversation, *, after: int, limit: int = MESSAGES_PER_PAGE
) -> list[Message]:
    """The messages written after message id `after`, oldest first, at most `limit` (what a
    conversation page polls for; the `message_by_conversation` index serves it)."""
    return list(
        Message.objects.filter(conversation=conversation, id__gt=after).order_by("id")[:limit]
    )


def message_get(user: User, conversation_public_id: str, message_id: int) -> Message:
    """A visible message the other member wrote in a conversation `user` takes part in (to
    report it); Http404 otherwise."""
    conversation = conversation_get(user, conversation_public_id)
    message = (
        Message.objects.filter(conversation=conversation, pk=message_id, hidden_at__isnull=True)
        .exclude(sender=user)
        .select_related("sender")
        .first()
    )
    if message is None:
        raise Http404("No such message")
    message.conversation = conversation
    return message
