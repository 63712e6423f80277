"""Connection, block and message services: the rules hold whoever calls them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.connections import selectors, services
from raremap.connections.models import Block, Connection, Conversation, Message, Participant
from raremap.questions.models import Notification
from tests.connections.conftest import BODY, NOTE, taken_part
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

State = Connection.State
Kind = Notification.Kind


def _kinds(user: User) -> list[tuple[str, bool]]:
    rows = Notification.objects.filter(user=user).order_by("id").values_list("kind", "read_at")
    return [(kind, read_at is None) for kind, read_at in rows]


# --- double opt-in --------------------------------------------------------------------------


def test_a_request_reveals_nothing_until_it_is_accepted(pair: tuple[User, User]) -> None:
    member, other = pair
    connection = services.connection_request(requester=member, recipient=other, note=NOTE)

    assert (connection.state, connection.note) == (State.PENDING, NOTE)
    assert not Conversation.objects.exists()
    assert selectors.conversation_page(member).object_list == []
    assert selectors.conversation_page(other).object_list == []
    assert _kinds(other) == [(Kind.CONNECTION_REQUEST, True)]
    assert _kinds(member) == []
    assert selectors.request_list_received(other) == [connection]
    assert selectors.request_list_sent(member) == [connection]


def test_accepting_opens_the_conversation_for_both(pair: tuple[User, User]) -> None:
    member, other = pair
    connection = services.connection_request(requester=member, recipient=other)

    services.connection_accept(user=other, connection=connection)

    connection.refresh_from_db()
    assert connection.state == State.ACCEPTED
    assert connection.responded_at is not None
    conversation = Conversation.objects.get(connection=connection)
    assert set(Participant.objects.values_list("user_id", flat=True)) == {member.pk, other.pk}
    assert [i.conversation for i in selectors.conversation_page(member).object_list] == [
        conversation
    ]
    assert [i.other for i in selectors.conversation_page(other).object_list] == [member]
    assert _kinds(member) == [(Kind.CONNECTION_ACCEPTED, True)]
    assert _kinds(other) == [(Kind.CONNECTION_REQUEST, False)]  # the request is read now
    # Accepting twice changes nothing.
    services.connection_accept(user=other, connection=connection)
    assert Conversation.objects.count() == 1


def test_only_the_recipient_accepts_or_declines(asked: Connection, outsider: User) -> None:
    for user in (asked.requester, outsider):
        with pytest.raises(Http404):
            services.connection_accept(user=user, connection=asked)
        with pytest.raises(Http404):
            services.connection_decline(user=user, connection=asked)
    with pytest.raises(Http404):
        services.connection_withdraw(user=asked.recipient, connection=asked)
    asked.refresh_from_db()
    assert asked.state == State.PENDING
    assert not Conversation.objects.exists()


def test_no_message_before_acceptance(asked: Connection) -> None:
    # There is no conversation to write in; one made by hand is refused too.
    conversation = Conversation.objects.create(connection=asked)
    Participant.objects.create(conversation=conversation, user=asked.requester)

    with pytest.raises(Http404):
        services.message_send(sender=asked.requester, conversation=conversation, body=BODY)
    assert not Message.objects.exists()


def test_declining_is_silent(asked: Connection) -> None:
    member, other = asked.requester, asked.recipient

    services.connection_decline(user=other, connection=asked)

    asked.refresh_from_db()
    assert asked.state == State.DECLINED
    assert selectors.visible_state(asked, member) == State.PENDING  # still "waiting"
    assert selectors.visible_state(asked, other) == State.DECLINED
    assert selectors.request_list_sent(member) == [asked]
    assert selectors.request_list_received(other) == []
    assert _kinds(member) == []
    with pytest.raises(ValidationError, match="already asked"):
        services.connection_request(requester=member, recipient=other)


def test_withdraw_then_ask_again_a_limited_number_of_times(asked: Connection) -> None:
    member, other = asked.requester, asked.recipient
    services.connection_withdraw(user=member, connection=asked)
    assert selectors.request_list_received(other) == []

    second = services.connection_request(requester=member, recipient=other)
    services.connection_withdraw(user=member, connection=second)
    third = services.connection_request(requester=member, recipient=other)
    services.connection_withdraw(user=member, connection=third)

    with pytest.raises(ValidationError, match="several times recently"):
        services.connection_request(requester=member, recipient=other)
    # A month later it is possible again.
    Connection.objects.update(created_at=timezone.now() - timedelta(days=31))
    services.connection_request(requester=member, recipient=other)


def test_one_live_connection_per_pair_in_either_direction(asked: Connection) -> None:
    member, other = asked.requester, asked.recipient
    taken_part(other)

    with pytest.raises(ValidationError, match="already asked to connect with you"):
        services.connection_request(requester=other, recipient=member)
    services.connection_accept(user=other, connection=asked)
    with pytest.raises(ValidationError, match="already connected"):
        services.connection_request(requester=other, recipient=member)
    # The database holds the rule even without the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(
            requester=other,
            recipient=member,
            user_low_id=min(member.pk, other.pk),
            user_high_id=max(member.pk, other.pk),
        )


def test_the_database_refuses_a_pair_that_does_not_match(pair: tuple[User, User]) -> None:
    member, other = pair
    low, high = sorted((member.pk, other.pk))
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(
            requester=member, recipient=other, user_low_id=high, user_high_id=low
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(
            requester=member, recipient=member, user_low_id=low, user_high_id=high
        )


def test_ending_closes_the_conversation_for_both(conversation: Conversation) -> None:
    connection = conversation.connection
    member, other = connection.requester, connection.recipient
    services.message_send(sender=member, conversation=conversation, body=BODY)

    services.connection_end(user=other, connection=connection)

    for user in (member, other):
        # Each keeps their copy to read; no one writes in it any more.
        assert not selectors.conversation_get(user, conversation.public_id).is_open
        [item] = selectors.conversation_page(user).object_list
        assert item.closed
        with pytest.raises(Http404):
            services.message_send(sender=user, conversation=conversation, body=BODY)
    assert Notification.objects.filter(kind=Kind.NEW_MESSAGE).count() == 1  # kept, not shown

    # Removing it is each member's own choice, for their copy only.
    services.conversation_remove(user=other, conversation=conversation)
    with pytest.raises(Http404):
        selectors.conversation_get(other, conversation.public_id)
    assert selectors.conversation_page(other).object_list == []
    assert selectors.conversation_get(member, conversation.public_id).pk == conversation.pk


# --- who may ask ----------------------------------------------------------------------------


def test_new_members_cannot_ask_until_they_have_taken_part(pair: tuple[User, User]) -> None:
    member, other = pair  # Brisk Otter has not taken part

    with pytest.raises(ValidationError) as refused:
        services.connection_request(requester=other, recipient=member)

    assert refused.value.code == "sandbox"
    assert "once they have taken part" in refused.value.messages[0]
    assert not Connection.objects.exists()
    taken_part(other)
    services.connection_request(requester=other, recipient=member)


def test_members_ask_only_within_a_shared_community(member: User, other_member: User) -> None:
    taken_part(member)
    with pytest.raises(Http404):
        services.connection_request(requester=member, recipient=other_member)
    with pytest.raises(ValidationError, match="yourself"):
        services.connection_request(requester=member, recipient=member)


def test_inactive_and_demo_members_cannot_be_asked(pair: tuple[User, User], dfsp: Disease) -> None:
    member, other = pair
    demo = UserFactory(is_demo=True)
    MembershipFactory(user=demo, disease=dfsp)
    with pytest.raises(ValidationError, match="Demo members"):
        services.connection_request(requester=member, recipient=demo)
    User.objects.filter(pk=other.pk).update(is_active=False)
    other.refresh_from_db()
    with pytest.raises(Http404):
        services.connection_request(requester=member, recipient=other)


def test_a_note_is_plain_text_of_at_most_300_characters(pair: tuple[User, User]) -> None:
    member, other = pair
    with pytest.raises(ValidationError, match="300"):
        services.connection_request(requester=member, recipient=other, note="x" * 301)
    connection = services.connection_request(
        requester=member, recipient=other, note="  <b>hi</b>\r\nthere\x00 "
    )
    assert connection.note == "<b>hi</b>\nthere"  # stored as written; pages escape it


# --- blocking -------------------------------------------------------------------------------


def test_a_blocked_member_cannot_ask_and_is_not_told_why(pair: tuple[User, User]) -> None:
    member, other = pair
    services.block_create(blocker=other, blocked=member)

    with pytest.raises(Http404) as blocked:
        services.connection_request(requester=member, recipient=other)
    stranger = UserFactory()
    with pytest.raises(Http404) as unknown:
        services.connection_request(requester=member, recipient=stranger)

    assert str(blocked.value) == str(unknown.value)  # the same as a member out of reach
    assert not Connection.objects.exists()
    assert _kinds(other) == []


def test_the_blocker_must_unblock_to_ask(pair: tuple[User, User]) -> None:
    member, other = pair
    services.block_create(blocker=member, blocked=other)
    with pytest.raises(ValidationError, match="Unblock them first"):
        services.connection_request(requester=member, recipient=other)
    assert services.block_remove(blocker=member, blocked=other) is True
    assert services.block_remove(blocker=member, blocked=other) is False
    services.connection_request(requester=member, recipient=other)


def test_blocking_ends_everything_between_the_two(conversation: Conversation) -> None:
    connection = conversation.connection
    member, other = connection.requester, connection.recipient
    services.message_send(sender=member, conversation=conversation, body=BODY)

    block = services.block_create(blocker=other, blocked=member)
    again = services.block_create(blocker=other, blocked=member)

    assert block == again
    assert Block.objects.count() == 1
    connection.refresh_from_db()
    assert connection.state == State.ENDED
    # The blocker disappears from the blocked member's lists, and the other way round.
    for user in (member, other):
        assert list(selectors.connection_page(user).object_list) == []
        # The conversation closes; both keep their copy (nobody's copy goes without their
        # own choice), and neither can write in it.
        assert not selectors.conversation_get(user, conversation.public_id).is_open
        with pytest.raises(Http404):
            services.message_send(sender=user, conversation=conversation, body=BODY)
    with pytest.raises(Http404):
        selectors.profile_connect(member, other)
    assert selectors.profile_connect(other, member).status == "blocked"
    assert selectors.blocker_ids(member) == {other.pk}


def test_blocking_hides_a_waiting_or_declined_request(asked: Connection) -> None:
    member, other = asked.requester, asked.recipient
    services.connection_decline(user=other, connection=asked)
    assert selectors.request_list_sent(member) == [asked]

    services.block_create(blocker=other, blocked=member)

    assert selectors.request_list_sent(member) == []
    assert selectors.request_list_received(other) == []


def test_blocking_oneself_is_refused(member: User) -> None:
    with pytest.raises(ValidationError):
        services.block_create(blocker=member, blocked=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=member, blocked=member)


# --- messages -------------------------------------------------------------------------------


def test_a_message_is_rendered_once_and_notified_once_per_conversation(
    conversation: Conversation,
) -> None:
    member, other = conversation.connection.requester, conversation.connection.recipient

    first = services.message_send(
        sender=member, conversation=conversation, body="**Hi** <script>x</script>"
    )
    services.message_send(sender=member, conversation=conversation, body="Second")

    assert first.body_html == "<p><strong>Hi</strong> &lt;script&gt;x&lt;/script&gt;</p>"
    unread = Notification.objects.filter(user=other, kind=Kind.NEW_MESSAGE, read_at__isnull=True)
    assert unread.count() == 1  # replaced, not doubled
    (item,) = selectors.conversation_page(other).object_list
    assert item.unread is True
    (mine,) = selectors.conversation_page(member).object_list
    assert mine.unread is False  # sending marks one's own side read

    services.conversation_mark_read(user=other, conversation=conversation)

    assert not unread.exists()
    (item,) = selectors.conversation_page(other).object_list
    assert item.unread is False


def test_messages_have_limits(conversation: Conversation) -> None:
    member = conversation.connection.requester
    other = conversation.connection.recipient  # new: at most 2 links
    for body, error in [
        ("   ", "Please write a message."),
        ("x" * 5001, "under 5000 characters"),
    ]:
        with pytest.raises(ValidationError, match=error):
            services.message_send(sender=member, conversation=conversation, body=body)
    links = " ".join(f"https://example.org/{n}" for n in range(3))
    with pytest.raises(ValidationError, match="at most 2 links"):
        services.message_send(sender=other, conversation=conversation, body=links)
    services.message_send(sender=member, conversation=conversation, body=links)
    assert Message.objects.count() == 1


def test_only_participants_write_or_mark_read(conversation: Conversation, outsider: User) -> None:
    with pytest.raises(Http404):
        services.message_send(sender=outsider, conversation=conversation, body=BODY)
    with pytest.raises(Http404):
        services.conversation_mark_read(user=outsider, conversation=conversation)
    with pytest.raises(Http404):
        selectors.conversation_get(outsider, conversation.public_id)
    assert not Message.objects.exists()


def test_no_messages_to_a_closed_account(conversation: Conversation) -> None:
    member, other = conversation.connection.requester, conversation.connection.recipient
    User.objects.filter(pk=other.pk).update(is_active=False)

    with pytest.raises(ValidationError, match="account is closed"):
        services.message_send(sender=member, conversation=conversation, body=BODY)
    assert not Message.objects.exists()


def test_message_pages_go_back_in_time(conversation: Conversation) -> None:
    member = conversation.connection.requester
    sent = [
        services.message_send(sender=member, conversation=conversation, body=f"Message {n}")
        for n in range(5)
    ]

    newest = selectors.message_page(conversation, limit=2)
    older = selectors.message_page(conversation, before=newest.older, limit=2)
    oldest = selectors.message_page(conversation, before=older.older, limit=2)

    assert newest.messages == sent[3:]
    assert older.messages == sent[1:3]
    assert (oldest.messages, oldest.older) == (sent[:1], None)


def test_connection_states_match_the_notification_filter() -> None:
    """questions.selectors spells out two states (it may not import this app)."""
    from raremap.questions import selectors as question_selectors

    assert (question_selectors._PENDING, question_selectors._ACCEPTED) == (
        State.PENDING,
        State.ACCEPTED,
    )


def test_a_limit_of_one_link_is_said_in_the_singular(conversation: Conversation, settings) -> None:
    settings.NEW_MEMBER_LINKS = 1
    other = conversation.connection.recipient  # new
    with pytest.raises(ValidationError) as error:
        services.message_send(
            sender=other, conversation=conversation, body="https://a.example https://b.example"
        )
    assert error.value.messages == ["Please use at most 1 link in one message."]
