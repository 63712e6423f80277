"""Connections between members (double opt-in), their private conversations, and blocks.

Nothing here is public. A connection request shows its note to the recipient only; a
conversation exists only once a request is accepted, and only its two participants can reach
it (everyone else gets 404). URLs carry random public ids, never the sequential primary keys.
`__str__` never includes a note or a message body: those must not reach logs or error reports.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from raremap.accounts.models import new_public_id

NOTE_MAX_LENGTH = 300
MESSAGE_MAX_LENGTH = 5000


class ConnectionState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Connected")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ENDED = "ended", _("Ended")


# A pair of members has at most one connection in these states (in either direction).
LIVE_STATES = (ConnectionState.PENDING, ConnectionState.ACCEPTED)


class Connection(models.Model):
    """A request from one member to another and, once accepted, their connection.

    `user_low`/`user_high` are the two members ordered by id, so that the database can hold
    "one live connection per pair, whoever asked" as a unique constraint.
    """

    State = ConnectionState

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    # Indexed with the state below (the connections page looks them up by state).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="connections_sent",
        db_index=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="connections_received",
        db_index=False,
    )
    user_low = models.ForeignKey(  # indexed first in "connection_pair"
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user_high = models.ForeignKey(  # its own index serves deleting a member
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Plain text, shown escaped and only to the recipient (and the requester who wrote it).
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    state = models.CharField(
        max_length=10, choices=ConnectionState.choices, default=ConnectionState.PENDING
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)  # accepted or declined
    ended_at = models.DateTimeField(null=True, blank=True)  # withdrawn, ended or blocked

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ConnectionState.values), name="connection_state"
            ),
            models.CheckConstraint(
                condition=Q(user_low__lt=F("user_high")), name="connection_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(requester=F("user_low"), recipient=F("user_high"))
                | Q(requester=F("user_high"), recipient=F("user_low")),
                name="connection_pair_matches",
            ),
            models.UniqueConstraint(
                fields=["user_low", "user_high"],
                condition=Q(state__in=LIVE_STATES),
                name="uniq_live_connection",
            ),
        ]
        indexes = [
            # Serves connection_between and block_create: every connection of one pair.
            models.Index(fields=["user_low", "user_high"], name="connection_pair"),
            # Serve the connections page: requests received and sent, connections, by state.
            models.Index(fields=["recipient", "state"], name="connection_received"),
            models.Index(fields=["requester", "state"], name="connection_sent"),
        ]

    def __str__(self) -> str:
        return f"connection {self.pk} ({self.state})"

    def other(self, user_id: int) -> int:
        """The id of the member on the other side from `user_id`."""
        return self.recipient_id if user_id == self.requester_id else self.requester_id


class Block(models.Model):
    """A member blocks another: the blocker disappears from the blocked member's view."""

    # Both indexed by the constraint and the index below.
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocks_made",
        db_index=False,
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="uniq_block"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        # Serves blocked_by: who has blocked this member (hide them from the member).
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_by_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Conversation(models.Model):
    """The private conversation of one accepted connection; reachable while it lasts."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    connection = models.OneToOneField(
        Connection, on_delete=models.CASCADE, related_name="conversation"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by message_send: orders the inbox and tells what is unread without counting.
    last_message_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Participant(models.Model):
    """One of the two members of a conversation, with how far they have read."""

    # Both indexed by the constraint and the index below.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversations",
        db_index=False,
    )
    last_read_at = models.DateTimeField(null=True, blank=True)
    # The member took this conversation out of their messages (their own choice; the other
    # member keeps theirs). Ending the connection or a block never removes anyone's copy.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="uniq_participant"),
        ]
        # Serves conversation_list: one member's conversations (the inbox).
        indexes = [models.Index(fields=["user", "conversation"], name="participant_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in conversation {self.conversation_id}"


class Message(models.Model):
    """A private message. The body is Markdown as written; body_html is rendered and sanitised
    once, at write time. Neither ever goes into a log, an email or a notification."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    body_html = models.TextField()
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)  # hidden by a moderator

    class Meta:
        # Serves message_page (one conversation's messages, newest first, paged by id) and
        # message_list_after (the page's poll: the messages after an id).
        indexes = [models.Index(fields=["conversation", "-id"], name="message_by_conversation")]

    def __str__(self) -> str:
        return f"message {self.pk} in conversation {self.conversation_id}"
