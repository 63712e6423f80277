"""The connection and message pages, with and without htmx."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.connections import limits, services
from raremap.connections.models import Block, Connection, Conversation, Message
from raremap.core.throttle import throttle_hit
from raremap.questions.models import Notification
from tests.connections.conftest import BODY, NOTE, taken_part
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

State = Connection.State


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def profile(user: User) -> str:
    return f"/accounts/u/{user.public_id}/"


def _public(*users: User) -> None:
    User.objects.filter(pk__in=[u.pk for u in users]).update(profile_public=True)


# --- the profile's Connect box --------------------------------------------------------------


def test_the_profile_offers_connect_to_members_who_may_ask(
    pair: tuple[User, User], member_client: Client, other_client: Client
) -> None:
    member, other = pair
    _public(member, other)

    page = text_of(member_client.get(profile(other)))
    assert "Ask Brisk Otter to connect." in page
    assert f'action="/connections/member/{other.public_id}/ask/"' in (
        member_client.get(profile(other)).content.decode()
    )
    # Brisk Otter has not taken part yet: told why, no form.
    page = other_client.get(profile(member)).content.decode()
    assert "once they have taken part" in page
    assert f"/connections/member/{member.public_id}/ask/" not in page
    # One's own profile offers nothing.
    assert "Ask Quiet Heron" not in text_of(member_client.get(profile(member)))


def test_the_profile_keeps_its_404_rules(
    pair: tuple[User, User], member_client: Client, client: Client
) -> None:
    _member, other = pair  # profiles private by default
    assert member_client.get(profile(other)).status_code == 404
    _public(other)
    assert client.get(profile(other)).status_code == 404  # anonymous
    assert member_client.get(profile(other)).status_code == 200


def test_no_connect_button_without_a_shared_community(member: User, member_client: Client) -> None:
    taken_part(member)
    stranger = UserFactory(display_name="Far Away", profile_public=True)

    page = text_of(member_client.get(profile(stranger)))

    assert "You can connect with members who share a community with you." in page
    assert "Ask Far Away" not in page


@pytest.mark.parametrize("has_taken_part", [True, False])
def test_a_demo_member_s_profile_says_why_there_is_no_connect_button(
    dfsp: Disease, member: User, member_client: Client, has_taken_part: bool
) -> None:
    """Demo members are fictional (no one can log in as one), so no one can connect with
    them; their profile said "You can connect with members who share a community with you"
    and showed no button, though both were in the DFSP community."""
    if has_taken_part:
        taken_part(member)
    MembershipFactory(user=member, disease=dfsp)
    demo = UserFactory(display_name="Demo Lark", profile_public=True, is_demo=True)
    MembershipFactory(user=demo, disease=dfsp)

    response = member_client.get(profile(demo))

    page = text_of(response)
    assert (
        "Demo Lark is a demo member: a fictional member created to show how RareMap works, who "
        "cannot answer. You can connect with real members who share a community with you."
    ) in page
    assert "You can connect with members who share a community with you." not in page
    assert f"/connections/member/{demo.public_id}/" not in response.content.decode()  # no forms
    ask = member_client.get(f"/connections/member/{demo.public_id}/ask/")
    assert "Demo Lark is a demo member" in text_of(ask)
    assert not Connection.objects.exists()
    spanish = text_of(member_client.get("/es" + profile(demo)))
    assert "Demo Lark es un miembro de demostración" in spanish


def test_the_ask_page_does_not_name_a_hidden_member(member: User, member_client: Client) -> None:
    taken_part(member)
    hidden = UserFactory(display_name="Hidden Heron")  # private profile, no shared community

    response = member_client.get(f"/connections/member/{hidden.public_id}/ask/")

    assert response.status_code == 404
    assert "Hidden Heron" not in response.content.decode()


# --- asking and answering -------------------------------------------------------------------


def test_ask_accept_and_write(
    pair: tuple[User, User], member_client: Client, other_client: Client
) -> None:
    _member, other = pair
    note = 'Hi <script>alert(1)</script> & "you"'

    response = member_client.post(f"/connections/member/{other.public_id}/ask/", {"note": note})

    assert response.status_code == 302
    assert response["Location"] == "/connections/"
    connection = Connection.objects.get()
    received = other_client.get("/connections/").content.decode()
    assert "Quiet Heron wants to connect" in received
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;you&#34;" in received
    assert "Notifications 1 new" in text_of(other_client.get("/connections/"))
    sent = text_of(member_client.get("/connections/"))
    assert "To Brisk Otter" in sent
    assert "Waiting for an answer" in sent

    accepted = other_client.post(f"/connections/{connection.public_id}/accept/")

    conversation = Conversation.objects.get()
    assert accepted["Location"] == f"/messages/{conversation.public_id}/"
    sent = member_client.post(f"/messages/{conversation.public_id}/send/", {"body": BODY})
    message = Message.objects.get()
    assert sent["Location"] == f"/messages/{conversation.public_id}/#message-{message.pk}"
    assert "Messages 1 new" in text_of(other_client.get("/messages/"))
    page = other_client.get(f"/messages/{conversation.public_id}/").content.decode()
    assert BODY in page
    assert f'hx-post="/messages/{conversation.public_id}/read/" hx-trigger="load"' in page
    assert 'class="message-item unread"' in page

    read = other_client.post(f"/messages/{conversation.public_id}/read/")

    assert read["Location"] == f"/messages/{conversation.public_id}/"
    assert "Messages 1 new" not in text_of(other_client.get("/messages/"))
    assert "Brisk Otter accepted your request to connect" in text_of(
        member_client.get("/notifications/")
    )


def test_a_new_member_gets_a_clear_refusal(pair: tuple[User, User], other_client: Client) -> None:
    member, _other = pair

    response = other_client.post(f"/connections/member/{member.public_id}/ask/", {"note": NOTE})

    assert response.status_code == 200
    page = text_of(response)
    assert (
        "New members can ask to connect once they have taken part: write a few answers to "
        "questions in your communities first. You can already accept requests." in page
    )
    assert not Connection.objects.exists()


def test_htmx_answers_a_request_in_place(asked: Connection, other_client: Client) -> None:
    response = other_client.post(
        f"/connections/{asked.public_id}/accept/", headers={"HX-Request": "true"}
    )

    conversation = Conversation.objects.get()
    assert response.status_code == 200
    assert response.content.decode().startswith(f'<li id="request-{asked.public_id}"')
    assert f'href="/messages/{conversation.public_id}/"' in response.content.decode()


def test_decline_withdraw_and_end(
    asked: Connection, member_client: Client, other_client: Client
) -> None:
    other_client.post(f"/connections/{asked.public_id}/decline/")
    asked.refresh_from_db()
    assert asked.state == State.DECLINED
    assert "Waiting for an answer" in text_of(member_client.get("/connections/"))

    member_client.post(f"/connections/{asked.public_id}/withdraw/")
    asked.refresh_from_db()
    assert asked.state == State.WITHDRAWN
    assert "You have no requests waiting." in text_of(member_client.get("/connections/"))

    again = services.connection_request(requester=asked.requester, recipient=asked.recipient)
    services.connection_accept(user=asked.recipient, connection=again)
    response = member_client.post(f"/connections/{again.public_id}/end/")
    assert response["Location"] == "/connections/"
    again.refresh_from_db()
    assert again.state == State.ENDED
    closed = text_of(member_client.get(f"/messages/{again.conversation.public_id}/"))
    assert "This conversation has ended: you can still read it" in closed


def test_others_cannot_answer_a_request(asked: Connection, outsider_client: Client) -> None:
    for action in ("accept", "decline", "withdraw", "end"):
        assert outsider_client.post(f"/connections/{asked.public_id}/{action}/").status_code == 404
    asked.refresh_from_db()
    assert asked.state == State.PENDING


def test_block_and_unblock_from_the_pages(conversation: Conversation, other_client: Client) -> None:
    member = conversation.connection.requester
    url = f"/connections/member/{member.public_id}/block/"
    conversation_page = text_of(other_client.get(f"/messages/{conversation.public_id}/"))
    assert "Block Quiet Heron" in conversation_page

    # The button asks first: a page says what blocking does; a bare POST blocks no one.
    asked = text_of(other_client.get(url))
    assert "Block Quiet Heron?" in asked
    assert "you both keep your copy to read" in asked
    assert other_client.post(url).status_code == 200
    assert not Block.objects.exists()

    response = other_client.post(url, {"confirm": "yes"})

    assert response["Location"] == "/connections/"
    assert Block.objects.filter(blocked=member).exists()
    page = text_of(other_client.get("/connections/"))
    assert "Quiet Heron Blocked on" in page
    other_client.post(f"/connections/member/{member.public_id}/unblock/")
    assert not Block.objects.exists()
    # The conversation stays closed after an unblock (a new request starts a new one).
    closed = text_of(other_client.get(f"/messages/{conversation.public_id}/"))
    assert "neither of you can write in it" in closed


def test_sending_with_htmx_returns_a_fresh_form_and_asks_the_page_to_poll(
    conversation: Conversation, member_client: Client
) -> None:
    url = f"/messages/{conversation.public_id}/send/"

    response = member_client.post(url, {"body": "*Hello*"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert Message.objects.get().body == "*Hello*"
    assert html.lstrip().startswith('<form id="message-form"')
    assert 'hx-swap="outerHTML"' in html
    assert "*Hello*" not in html  # the form comes back empty
    # The page's poll shows the message (and any the other member wrote meanwhile) once.
    assert response["HX-Trigger"] == "message-sent"


def _poll(client: Client, conversation: Conversation, after: int):  # type: ignore[no-untyped-def]
    url = f"/messages/{conversation.public_id}/new/?after={after}"
    return client.get(url, headers={"HX-Request": "true"})


def test_the_conversation_page_polls_for_new_messages(
    conversation: Conversation, member_client: Client
) -> None:
    url = f"/messages/{conversation.public_id}/"

    html = member_client.get(url).content.decode()

    assert 'id="messages-empty"' in html
    assert f'hx-get="/messages/{conversation.public_id}/new/"' in html
    assert 'id="message-after" name="after" value="0"' in html
    assert 'hx-trigger="every 12s, pagevisible, message-sent from:body"' in html


def test_an_older_page_of_messages_does_not_poll(
    conversation: Conversation, member_client: Client
) -> None:
    connection = conversation.connection
    message = services.message_send(
        sender=connection.recipient, conversation=conversation, body="Hi"
    )

    newest = member_client.get(f"/messages/{conversation.public_id}/").content.decode()
    older = member_client.get(
        f"/messages/{conversation.public_id}/?before={message.pk}"
    ).content.decode()

    assert f'id="message-after" name="after" value="{message.pk}"' in newest
    assert 'id="messages-empty"' not in newest
    assert 'id="message-poll"' not in older


def test_the_poll_returns_the_messages_after_the_last_shown(
    conversation: Conversation, member_client: Client
) -> None:
    connection = conversation.connection
    first = services.message_send(sender=connection.recipient, conversation=conversation, body="A")
    second = services.message_send(sender=connection.recipient, conversation=conversation, body="B")
    mine = services.message_send(sender=connection.requester, conversation=conversation, body="C")

    response = _poll(member_client, conversation, first.pk)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<li id="message-(\d+)"', html) == [str(second.pk), str(mine.pk)]
    assert f'<li id="message-{second.pk}" class="message-item unread">' in html
    assert f'<li id="message-{mine.pk}" class="message-item mine">' in html
    assert f'id="message-after" name="after" value="{mine.pk}" hx-swap-oob="true"' in html
    assert 'id="messages-empty"' not in html  # the page showed messages already
    # The other member wrote: the page marks itself read again (a POST; the GET changes nothing).
    assert 'id="mark-read"' in html
    assert 'hx-trigger="load"' in html
    assert "no-store" in response["Cache-Control"]


def test_the_first_message_removes_no_messages_yet(
    conversation: Conversation, member_client: Client
) -> None:
    mine = services.message_send(
        sender=conversation.connection.requester, conversation=conversation, body="Hello"
    )

    html = _poll(member_client, conversation, 0).content.decode()

    assert f'<li id="message-{mine.pk}" class="message-item mine">' in html
    assert '<p id="messages-empty" hx-swap-oob="delete"></p>' in html
    assert 'id="mark-read"' not in html  # only one's own message: nothing to read


def test_the_poll_answers_204_when_nothing_is_new(
    conversation: Conversation, member_client: Client
) -> None:
    message = services.message_send(
        sender=conversation.connection.recipient, conversation=conversation, body="Hi"
    )

    response = _poll(member_client, conversation, message.pk)

    assert response.status_code == 204
    assert response.content == b""
    assert "no-store" in response["Cache-Control"]


def test_the_poll_without_htmx_goes_to_the_conversation(
    conversation: Conversation, member_client: Client
) -> None:
    url = f"/messages/{conversation.public_id}/new/?after=0"

    response = member_client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.public_id}/"


@pytest.mark.parametrize("count", [1, 30])
def test_the_poll_costs_the_same_with_1_or_30_new_messages(
    conversation: Conversation,
    member_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    connection = conversation.connection
    for n in range(count):
        services.message_send(sender=connection.recipient, conversation=conversation, body=f"{n}")

    # the session with the member, the conversation with both members, the new messages
    with django_assert_num_queries(3):
        response = _poll(member_client, conversation, 0)

    assert response.content.decode().count('class="message-item') == count


def test_a_refused_message_keeps_its_text(conversation: Conversation, other_client: Client) -> None:
    url = f"/messages/{conversation.public_id}/send/"
    links = " ".join(f"https://example.org/{n}" for n in range(3))

    for headers in ({}, {"HX-Request": "true"}):
        response = other_client.post(url, {"body": links}, headers=headers)
        assert response.status_code == 200
        assert "Please use at most 2 links in one message." in text_of(response)
        assert "https://example.org/2" in response.content.decode()
    assert not Message.objects.exists()


def test_htmx_marks_read_without_a_page(conversation: Conversation, member_client: Client) -> None:
    response = member_client.post(
        f"/messages/{conversation.public_id}/read/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 204


def test_writes_need_post_and_csrf(asked: Connection, other_member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_member)

    assert client.get(f"/connections/{asked.public_id}/accept/").status_code == 405
    assert client.post(f"/connections/{asked.public_id}/accept/").status_code == 403
    asked.refresh_from_db()
    assert asked.state == State.PENDING


def test_pages_need_a_login(client: Client, conversation: Conversation) -> None:
    for path in ("/connections/", "/messages/", f"/messages/{conversation.public_id}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- throttles ------------------------------------------------------------------------------


def _use_up(limit: limits.Limit, user: User) -> None:
    for _ in range(limit.count):
        throttle_hit(limit, f"user:{user.pk}")


def test_connection_requests_are_throttled(pair: tuple[User, User], member_client: Client) -> None:
    member, other = pair
    _use_up(limits.REQUESTS, member)

    response = member_client.post(f"/connections/member/{other.public_id}/ask/", {"note": NOTE})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not Connection.objects.exists()


def test_messages_are_throttled(conversation: Conversation, member_client: Client) -> None:
    _use_up(limits.MESSAGES, conversation.connection.requester)

    response = member_client.post(f"/messages/{conversation.public_id}/send/", {"body": BODY})

    assert response.status_code == 429
    assert not Message.objects.exists()


def test_block_and_answer_changes_are_throttled(asked: Connection, other_client: Client) -> None:
    _use_up(limits.CONNECTION_CHANGES, asked.recipient)

    assert other_client.post(f"/connections/{asked.public_id}/accept/").status_code == 429
    member = asked.requester
    blocking = other_client.post(
        f"/connections/member/{member.public_id}/block/", {"confirm": "yes"}
    )
    assert blocking.status_code == 429


# --- queries do not grow --------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_the_inbox_costs_the_same_with_1_or_30_conversations(
    dfsp: Disease,
    member: User,
    member_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    MembershipFactory(user=member, disease=dfsp)
    taken_part(member)
    for n in range(count):
        friend = UserFactory(display_name=f"Friend {n}")
        MembershipFactory(user=friend, disease=dfsp)
        connection = services.connection_request(requester=member, recipient=friend)
        services.connection_accept(user=friend, connection=connection)
        services.message_send(sender=friend, conversation=connection.conversation, body="Hi")

    # the session with the member, the header's counts, count and page of conversations
    with django_assert_num_queries(4):
        response = member_client.get("/messages/")

    assert response.status_code == 200
    assert text_of(response).count(" · new") == count


@pytest.mark.parametrize("count", [1, 30])
def test_a_conversation_costs_the_same_with_1_or_30_messages(
    conversation: Conversation,
    member_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    connection = conversation.connection
    for n in range(count):
        sender = connection.requester if n % 2 else connection.recipient
        services.message_send(sender=sender, conversation=conversation, body=f"Message {n}")

    # the session with the member, the header's counts, the conversation with both members,
    # its messages
    with django_assert_num_queries(4):
        response = member_client.get(f"/messages/{conversation.public_id}/")

    assert response.status_code == 200
    assert response.content.decode().count('class="message-item') == count


@pytest.mark.parametrize("count", [1, 3])
def test_the_connections_page_costs_the_same_with_more_rows(
    dfsp: Disease,
    member: User,
    member_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    MembershipFactory(user=member, disease=dfsp)
    taken_part(member)
    for n in range(count):
        friends = [UserFactory(display_name=f"Friend {n}-{k}") for k in range(4)]
        for friend in friends:
            MembershipFactory(user=friend, disease=dfsp)
        taken_part(friends[0])
        services.connection_request(requester=friends[0], recipient=member)  # received
        services.connection_request(requester=member, recipient=friends[1])  # sent
        connected = services.connection_request(requester=member, recipient=friends[2])
        services.connection_accept(user=friends[2], connection=connected)
        services.block_create(blocker=member, blocked=friends[3])

    # the session with the member, the header's counts, received, sent, count and page of
    # connections, blocks
    with django_assert_num_queries(7):
        response = member_client.get("/connections/")

    page = text_of(response)
    assert page.count("wants to connect") == count
    assert page.count("Blocked on") == count


def test_notifications_list_costs_a_query_for_each_kind_not_for_each_notification(
    conversation: Conversation,
    other_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    connection = conversation.connection
    services.message_send(sender=connection.requester, conversation=conversation, body=BODY)
    assert Notification.objects.filter(user=connection.recipient).count() == 2

    # the session with the member, the header's counts, the notifications with their answers,
    # the conversations they name with both members (the request, accepted, is no longer
    # shown: no query for connections)
    with django_assert_num_queries(4):
        response = other_client.get("/notifications/")

    assert "New message from Quiet Heron" in text_of(response)


def test_mark_all_read_leaves_new_messages_to_their_conversation(
    conversation: Conversation, other_client: Client
) -> None:
    services.message_send(
        sender=conversation.connection.requester, conversation=conversation, body=BODY
    )

    other_client.post("/notifications/")

    header = text_of(other_client.get("/connections/"))
    assert "Messages 1 new" in header
    assert "Notifications 1 new" not in header
    other_client.post(f"/messages/{conversation.public_id}/read/")
    assert "Messages 1 new" not in text_of(other_client.get("/connections/"))


def test_the_pages_speak_spanish(conversation: Conversation, member_client: Client) -> None:
    services.message_send(
        sender=conversation.connection.recipient, conversation=conversation, body=BODY
    )

    connections = text_of(member_client.get("/es/connections/"))
    inbox = text_of(member_client.get("/es/messages/"))
    page = text_of(member_client.get(f"/es/messages/{conversation.public_id}/"))

    assert "Solicitudes para ti" in connections
    assert "Mensajes 1 sin leer" in inbox
    assert "Conversación con Brisk Otter" in page


@pytest.mark.parametrize(
    ("prefix", "short", "long", "day"),
    [
        ("", "01/02/2026 3:17 a.m.", "Jan. 2, 2026, 3:17 a.m.", "Jan. 2, 2026"),
        ("/es", "02/01/2026 03:17", "2 de enero de 2026 a las 03:17", "2 de enero de 2026"),
    ],
)
def test_dates_and_times_follow_the_language_of_the_page(
    conversation: Conversation,
    member_client: Client,
    prefix: str,
    short: str,
    long: str,
    day: str,
) -> None:
    services.message_send(
        sender=conversation.connection.recipient, conversation=conversation, body=BODY
    )
    when = datetime(2026, 1, 2, 3, 17, tzinfo=UTC)
    Message.objects.update(created_at=when)
    Conversation.objects.update(created_at=when, last_message_at=when)
    Notification.objects.update(created_at=when)
    Connection.objects.update(created_at=when, responded_at=when)

    page = text_of(member_client.get(f"{prefix}/messages/{conversation.public_id}/"))
    inbox = text_of(member_client.get(f"{prefix}/messages/"))
    notifications = text_of(member_client.get(f"{prefix}/notifications/"))
    connections = text_of(member_client.get(f"{prefix}/connections/"))

    assert f"Brisk Otter {short}" in page
    assert f"Brisk Otter {short}" in inbox
    assert long in notifications
    assert day in connections
