"""Connection, block and message writes.

Rules (docs/connections.md):
- A request goes only to an active member who shares a community with the requester, from a
  member who has taken part (`permissions.can_send_requests`). To a member who has blocked the
  requester it fails exactly as for a member the requester cannot reach at all (Http404): the
  block is never revealed.
- Double opt-in: nothing but the request exists until the recipient accepts; accepting opens
  the conversation. A decline is silent: the requester keeps seeing "waiting for an answer".
- Blocking ends every connection of the pair (their conversation closes for both) and hides
  the blocker from the blocked member.
- Message bodies and notes never reach a log, an exception message, a notification or an
  email: nothing here logs, and every error message is a fixed sentence.

Who may act on what is checked here, not only in the views: anyone else gets Http404.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from raremap.accounts.models import User
from raremap.connections import selectors
from raremap.connections.models import (
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Block,
    Connection,
    ConnectionState,
    Conversation,
    Message,
    Participant,
)
from raremap.connections.permissions import can_send_requests
from raremap.core.text import count_links, render_markdown
from raremap.questions.models import Notification
from raremap.questions.services import member_is_new

State = ConnectionState
Kind = Notification.Kind

# One member may ask the same member at most this often in REPEAT_DAYS (withdrawing and asking
# again must not become a way to keep notifying someone).
REPEAT_REQUESTS = 3
REPEAT_DAYS = 30
TRUSTED_MEMBER_LINKS = 10


def _unreachable() -> Http404:
    """One answer for "no such member", "not in a community with you" and "blocked you"."""
    return Http404("No such member")


def _clean_note(note: str) -> str:
    """Plain text as stored (templates escape it): trimmed, no NUL, at most 300 characters."""
    note = (note or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Please keep the note under %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
        )
    return note


def _pair(a: User, b: User) -> dict[str, int]:
    low, high = sorted((a.pk, b.pk))
    return {"user_low_id": low, "user_high_id": high}


def _check_no_live_connection(requester: User, recipient: User) -> None:
    """Refuse a second request while one is waiting or the two are connected (the database
    holds the same rule; this gives the member a sentence that says which case it is)."""
    live = (
        Connection.objects.filter(**_pair(requester, recipient))
        .filter(
            Q(state__in=(State.PENDING, State.ACCEPTED))
            # A declined request still looks like a waiting one to its requester.
            | Q(state=State.DECLINED, requester=requester)
        )
        .first()
    )
    if live is None:
        return
    if live.state == State.ACCEPTED:
        raise ValidationError(_("You are already connected with this member."))
    if live.requester_id == requester.pk:
        raise ValidationError(_("You have already asked this member. Please wait for an answer."))
    raise ValidationError(
        _("This member has already asked to connect with you: see your connections page.")
    )


@transaction.atomic
def connection_request(*, requester: User, recipient: User, note: str = "") -> Connection:
    """Ask another member to connect, with an optional short note (plain text).

    Raises ValidationError with a sentence for the member (sandbox, already asked, blocked by
    the requester…) and Http404 when the recipient cannot be reached (inactive, no shared
    community, or has blocked the requester — indistinguishable on purpose).
    """
    if requester.pk == recipient.pk:
        raise ValidationError(_("You cannot connect with yourself."))
    if not can_send_requests(requester):
        raise ValidationError(
            _(
                "New members can ask to connect once they have taken part: write a few answers "
                "to questions in your communities first. You can already accept requests."
            ),
            code="sandbox",
        )
    if (
        not recipient.is_active
        or selectors.is_blocked(blocker=recipient, blocked=requester)
        or not selectors.shares_community(requester, recipient)
    ):
        raise _unreachable()
    if recipient.is_demo:
        raise ValidationError(_("Demo members are fictional: they cannot answer a request."))
    if selectors.is_blocked(blocker=requester, blocked=recipient):
        raise ValidationError(_("You have blocked this member. Unblock them first to connect."))
    note = _clean_note(note)
    _check_no_live_connection(requester, recipient)
    since = timezone.now() - timedelta(days=REPEAT_DAYS)
    asked = Connection.objects.filter(
        requester=requester, recipient=recipient, created_at__gte=since
    ).count()
    if asked >= REPEAT_REQUESTS:
        raise ValidationError(
            _("You have asked this member several times recently. Please wait before asking again.")
        )
    try:
        with transaction.atomic():  # a parallel request of the same pair hits the constraint
            connection = Connection.objects.create(
                requester=requester,
                recipient=recipient,
                note=note,
                is_demo=requester.is_demo and recipient.is_demo,
                **_pair(requester, recipient),
            )
    except IntegrityError:
        raise ValidationError(
            _("There is already a request between you and this member.")
        ) from None
    Notification.objects.create(user=recipient, kind=Kind.CONNECTION_REQUEST, connection=connection)
    return connection


def _locked(connection: Connection) -> Connection:
    return Connection.objects.select_for_update().get(pk=connection.pk)


def _read_request_notification(connection: Connection) -> None:
    Notification.objects.filter(
        connection=connection, kind=Kind.CONNECTION_REQUEST, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def connection_accept(*, user: User, connection: Connection) -> Connection:
    """The recipient accepts a waiting request: the two are connected and their conversation
    opens. Accepting twice changes nothing; anyone but the recipient gets Http404."""
    connection = _locked(connection)
    if connection.recipient_id != user.pk:
        raise Http404("No such request")
    if connection.state == State.ACCEPTED:
        return connection
    if connection.state != State.PENDING:
        raise Http404("No such request")
    connection.state, connection.responded_at = State.ACCEPTED, timezone.now()
    connection.save(update_fields=["state", "responded_at"])
    conversation = Conversation.objects.create(connection=connection)
    Participant.objects.bulk_create(
        [
            Participant(conversation=conversation, user_id=connection.requester_id),
            Participant(conversation=conversation, user_id=connection.recipient_id),
        ]
    )
    _read_request_notification(connection)
    Notification.objects.create(
        user_id=connection.requester_id, kind=Kind.CONNECTION_ACCEPTED, connection=connection
    )
    return connection


@transaction.atomic
def connection_decline(*, user: User, connection: Connection) -> Connection:
    """The recipient turns a request down. The requester is not told (their request keeps
    looking like a waiting one until they withdraw it)."""
    connection = _locked(connection)
    if connection.recipient_id != user.pk:
        raise Http404("No such request")
    if connection.state == State.DECLINED:
        return connection
    if connection.state != State.PENDING:
        raise Http404("No such request")
    connection.state, connection.responded_at = State.DECLINED, timezone.now()
    connection.save(update_fields=["state", "responded_at"])
    _read_request_notification(connection)
    return connection


@transaction.atomic
def connection_withdraw(*, user: User, connection: Connection) -> Connection:
    """The requester takes back a request that has not been accepted."""
    connection = _locked(connection)
    if connection.requester_id != user.pk:
        raise Http404("No such request")
    if connection.state == State.WITHDRAWN:
        return connection
    if connection.state not in (State.PENDING, State.DECLINED):
        raise Http404("No such request")
    connection.state, connection.ended_at = State.WITHDRAWN, timezone.now()
    connection.save(update_fields=["state", "ended_at"])
    return connection


@transaction.atomic
def connection_end(*, user: User, connection: Connection) -> Connection:
    """Either member ends a connection: their conversation closes for both of them."""
    connection = _locked(connection)
    if user.pk not in (connection.requester_id, connection.recipient_id):
        raise Http404("No such connection")
    if connection.state == State.ENDED:
        return connection
    if connection.state != State.ACCEPTED:
        raise Http404("No such connection")
    connection.state, connection.ended_at = State.ENDED, timezone.now()
    connection.save(update_fields=["state", "ended_at"])
    return connection


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> Block:
    """Block a member: every request and connection between the two ends (the conversation
    closes: both keep their copy to read, neither can write), and the blocker disappears from
    the blocked member's profile views, lists and requests. Blocking twice is one block."""
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."))
    try:
        with transaction.atomic():
            block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    except IntegrityError:  # blocked in parallel
        block = Block.objects.get(blocker=blocker, blocked=blocked)
    Connection.objects.filter(
        state__in=(State.PENDING, State.ACCEPTED, State.DECLINED), **_pair(blocker, blocked)
    ).update(state=State.ENDED, ended_at=timezone.now())
    return block


def conversation_remove(*, user: User, conversation: Conversation) -> None:
    """Take a conversation out of `user`'s messages: their own choice, for their copy only
    (the other member keeps theirs; nothing of it is shown to `user` again)."""
    Participant.objects.filter(conversation=conversation, user=user, removed_at=None).update(
        removed_at=timezone.now()
    )


@transaction.atomic
def block_remove(*, blocker: User, blocked: User) -> bool:
    """Unblock a member; connections ended by the block stay ended. Says whether there was one."""
    deleted, _counts = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)


@sensitive_variables("body", "html")
def _clean_body(sender: User, body: str) -> tuple[str, str]:
    """The body as stored and its sanitised HTML. Error messages never quote the body."""
    body = (body or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError(_("Please write a message."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            _("Please keep a message under %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH}
        )
    allowed = settings.NEW_MEMBER_LINKS if member_is_new(sender) else TRUSTED_MEMBER_LINKS
    if count_links(body) > allowed:
        raise ValidationError(
            ngettext(
                "Please use at most %(count)d link in one message.",
                "Please use at most %(count)d links in one message.",
                allowed,
            )
            % {"count": allowed}
        )
    html = render_markdown(body)
    if not html:
        raise ValidationError(_("Please write a message."))
    return body, html


def _open_conversation(user: User, conversation: Conversation) -> Conversation:
    """The conversation, locked, if `user` takes part and the connection still holds."""
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .filter(
            pk=conversation.pk,
            connection__state=State.ACCEPTED,
            participants__user=user,
        )
        .first()
    )
    if locked is None:
        raise Http404("No such conversation")
    return locked


@sensitive_variables("body", "html")
@transaction.atomic
def message_send(*, sender: User, conversation: Conversation, body: str) -> Message:
    """Write a message in a conversation the sender takes part in (Http404 otherwise).

    The conversation row is locked, so the other member's single unread "new message"
    notification is replaced, never doubled, when two messages arrive at once.
    """
    conversation = _open_conversation(sender, conversation)
    others = list(
        Participant.objects.filter(conversation=conversation)
        .exclude(user=sender)
        .values_list("user_id", "user__is_active")
    )
    if not all(active for _id, active in others):
        raise ValidationError(_("This member's account is closed: they cannot read messages."))
    body, html = _clean_body(sender, body)
    message = Message.objects.create(
        conversation=conversation,
        sender=sender,
        body=body,
        body_html=html,
        is_demo=sender.is_demo,
    )
    now = message.created_at
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    conversation.last_message_at = now
    Participant.objects.filter(conversation=conversation, user=sender).update(last_read_at=now)
    for other_id, _active in others:
        # Delete and create: the notification moves to the top of the list.
        Notification.objects.filter(
            user_id=other_id,
            conversation=conversation,
            kind=Kind.NEW_MESSAGE,
            read_at__isnull=True,
        ).delete()
        Notification.objects.create(
            user_id=other_id, kind=Kind.NEW_MESSAGE, conversation=conversation
        )
    return message


@transaction.atomic
def conversation_mark_read(*, user: User, conversation: Conversation) -> Conversation:
    """The member has read the conversation up to now; its notification is read too."""
    conversation = _open_conversation(user, conversation)
    now = timezone.now()
    Participant.objects.filter(conversation=conversation, user=user).update(last_read_at=now)
    Notification.objects.filter(
        user=user, conversation=conversation, kind=Kind.NEW_MESSAGE, read_at__isnull=True
    ).update(read_at=now)
    return conversation


@transaction.atomic
def message_set_hidden(*, message: Message, hidden: bool) -> Message:
    """Hide a message from both participants (a moderator's decision, logged by moderation)
    or show it again."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    message.hidden_at = timezone.now() if hidden else None
    message.save(update_fields=["hidden_at"])
    return message


@transaction.atomic
def member_connections_erase(*, user: User) -> bool:
    """Take a member who is erasing their account out of every connection, conversation and
    block (raremap.privacy.services.account_erase). Returns whether a conversation stays for
    someone else — then the account's row must stay as its other side ("deleted member").

    - Requests that never became a conversation go, with their notes, and so do conversations
      the other member has removed from their messages already (nobody keeps a copy).
    - Every other conversation ends (the other member can read it, not write in it) and the
      member's copy goes: their messages, how far they read, notes they wrote. The other
      member keeps their own messages and sees the conversation with "deleted member".
    - Every block the member made or received goes.
    """
    now = timezone.now()
    mine = Connection.objects.filter(Q(requester=user) | Q(recipient=user))
    others_copy = Participant.objects.filter(
        conversation__connection=OuterRef("pk"), removed_at=None
    ).exclude(user=user)
    mine.exclude(Exists(others_copy)).delete()
    mine.filter(state=State.ACCEPTED).update(state=State.ENDED, ended_at=now)
    mine.filter(requester=user).update(note="")
    conversations = Conversation.objects.filter(connection__in=mine)
    Message.objects.filter(sender=user).delete()
    Participant.objects.filter(user=user).update(last_read_at=None, removed_at=now)
    latest = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .values("conversation")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    conversations.update(last_message_at=Subquery(latest))
    # The other member's "new message" notices were about the member's messages, gone now.
    Notification.objects.filter(
        conversation__in=conversations, kind=Kind.NEW_MESSAGE, read_at__isnull=True
    ).delete()
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    return mine.exists()
