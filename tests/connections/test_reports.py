"""Reporting a message or a connection request, and what moderators do with the report.

A moderator sees a private text only by opening one report, and that read is in the log.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.connections import services
from raremap.connections.models import Connection, Conversation, Message
from raremap.moderation import services as moderation
from raremap.moderation.models import ModerationAction, Report
from tests.connections.conftest import BODY, NOTE, taken_part
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = ModerationAction.Action


@pytest.fixture
def written(conversation: Conversation) -> Message:
    """Quiet Heron wrote to Brisk Otter."""
    return services.message_send(
        sender=conversation.connection.requester, conversation=conversation, body=BODY
    )


def report_url(message: Message) -> str:
    return f"/moderation/report/message/{message.conversation.public_id}/{message.pk}/"


def test_the_recipient_reports_a_message(written: Message, other_client: Client) -> None:
    form = other_client.get(report_url(written))
    assert form.status_code == 200
    assert "A moderator will read this one message" in form.content.decode()

    response = other_client.post(report_url(written), {"reason": "abuse", "details": "Rude."})

    assert response["Location"] == f"/messages/{written.conversation.public_id}/"
    report = Report.objects.get()
    assert (report.message, report.reason, report.details) == (written, "abuse", "Rude.")
    other_client.post(report_url(written), {"reason": "spam"})
    assert Report.objects.count() == 1  # once per member while open


def test_own_messages_and_others_conversations_cannot_be_reported(
    written: Message, member_client: Client, outsider: User
) -> None:
    assert member_client.get(report_url(written)).status_code == 404  # the sender
    with pytest.raises(Http404):
        moderation.report_submit(reporter=outsider, reason="spam", message=written)
    assert not Report.objects.exists()


def test_reporting_a_request_declines_it(asked: Connection, other_client: Client) -> None:
    url = f"/moderation/report/request/{asked.public_id}/"
    assert NOTE in other_client.get(url).content.decode()

    response = other_client.post(url, {"reason": "spam"})

    assert response["Location"] == "/connections/"
    asked.refresh_from_db()
    assert asked.state == Connection.State.DECLINED
    assert Report.objects.get().connection == asked
    assert other_client.get(url).status_code == 404  # no longer waiting


def test_only_the_recipient_reports_a_request(
    asked: Connection, member_client: Client, outsider_client: Client
) -> None:
    url = f"/moderation/report/request/{asked.public_id}/"
    assert member_client.get(url).status_code == 404
    assert outsider_client.post(url, {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_the_queue_hides_the_text_until_a_moderator_opens_it(
    written: Message, moderator: User, moderator_client: Client
) -> None:
    report = moderation.report_submit(
        reporter=written.conversation.connection.recipient, reason="abuse", message=written
    )

    queue = moderator_client.get("/moderation/").content.decode()
    assert "Private message by Quiet Heron" in queue
    assert "Canary-body" not in queue
    assert not ModerationAction.objects.exists()
    assert moderator_client.get(f"/moderation/report/{report.pk}/read/").status_code == 405

    opened = moderator_client.post(f"/moderation/report/{report.pk}/read/")

    assert opened.status_code == 200
    assert BODY in opened.content.decode()
    (read,) = ModerationAction.objects.all()
    assert (read.action, read.moderator, read.message, read.report) == (
        Action.READ,
        moderator,
        written,
        report,
    )
    log = moderator_client.get("/moderation/log/").content.decode()
    assert f"Private message #{written.pk} by Quiet Heron" in log
    assert "Canary-body" not in log


def test_members_cannot_open_reported_private_text(written: Message, other_client: Client) -> None:
    report = moderation.report_submit(
        reporter=written.conversation.connection.recipient, reason="abuse", message=written
    )
    assert other_client.post(f"/moderation/report/{report.pk}/read/").status_code == 404
    with pytest.raises(PermissionDenied):
        moderation.private_content_read(moderator=written.sender, report=report)
    assert not ModerationAction.objects.exists()


def test_hiding_a_message(
    written: Message, moderator: User, moderator_client: Client, other_client: Client
) -> None:
    report = moderation.report_submit(
        reporter=written.conversation.connection.recipient, reason="abuse", message=written
    )

    response = moderator_client.post(f"/moderation/report/{report.pk}/hide/", {"note": "Rude"})

    assert response["Location"] == "/moderation/"
    written.refresh_from_db()
    assert written.hidden_at is not None
    report.refresh_from_db()
    assert report.state == Report.State.ACTED
    assert list(ModerationAction.objects.values_list("action", "note")) == [(Action.HIDE, "Rude")]
    page = other_client.get(f"/messages/{written.conversation.public_id}/").content.decode()
    assert "This message was hidden by a moderator." in page
    assert "Canary-body" not in page


def test_closing_and_dismissing_private_reports(
    written: Message, outsider: User, moderator: User
) -> None:
    reader = written.conversation.connection.recipient
    asked = services.connection_request(requester=outsider, recipient=reader)
    request_report = moderation.report_submit(reporter=reader, reason="spam", connection=asked)
    message_report = moderation.report_submit(
        reporter=written.conversation.connection.recipient, reason="spam", message=written
    )

    moderation.report_close(moderator=moderator, report=request_report, note="Warned")
    moderation.report_dismiss(moderator=moderator, report=message_report)

    assert list(Report.objects.order_by("id").values_list("state", flat=True)) == [
        Report.State.ACTED,
        Report.State.DISMISSED,
    ]
    assert list(
        ModerationAction.objects.order_by("id").values_list("action", "connection", "message")
    ) == [(Action.CLOSE, asked.pk, None), (Action.DISMISS, None, written.pk)]
    written.refresh_from_db()
    assert written.hidden_at is None


@pytest.mark.parametrize("n", [1, 3])
def test_the_queue_costs_the_same_with_private_reports(
    n: int,
    dfsp: Disease,
    moderator_client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for i in range(n):
        sender, reader = UserFactory(), UserFactory()
        for user in (sender, reader):
            MembershipFactory(user=user, disease=dfsp)
        taken_part(sender)
        connection = services.connection_request(requester=sender, recipient=reader)
        services.connection_accept(user=reader, connection=connection)
        message = services.message_send(
            sender=sender, conversation=connection.conversation, body=f"Spam {i}"
        )
        moderation.report_submit(reporter=reader, reason="spam", message=message)
        asked = UserFactory()
        MembershipFactory(user=asked, disease=dfsp)
        other = services.connection_request(requester=sender, recipient=asked)
        moderation.report_submit(reporter=asked, reason="spam", connection=other)

    # as the moderation queue's own test: 9 whatever it lists
    with django_assert_num_queries(9):
        response = moderator_client.get("/moderation/")

    assert response.content.decode().count("Private message by") == n
    assert response.content.decode().count("Connection request by") == n


def test_an_answer_report_still_needs_exactly_one_target(member: User) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        moderation.report_submit(reporter=member, reason="spam")
