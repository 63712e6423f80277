"""Members see the log of moderators' reads of their private content: when, and what (their
message or request), never which moderator, and nobody else's."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from raremap.connections.services import connection_request
from raremap.moderation.selectors import read_list_for_member
from raremap.moderation.services import private_content_read, report_submit
from tests.accounts.helpers import text_of
from tests.factories import MembershipFactory, UserFactory
from tests.privacy.conftest import MARK, Story

READS = "/accounts/data/moderator-reads/"


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_member_sees_when_a_moderator_read_their_message(story: Story) -> None:
    read = read_list_for_member(story.member).get()
    page = _client(story.member).get(READS)
    text = text_of(page)

    assert page.status_code == 200
    assert read.message_id == story.message.pk
    assert "Your message" in text
    assert read.created_at.strftime("%Y") in text
    assert "Calm Lynx" not in text  # which moderator is not said
    assert MARK not in text.replace(f"Heron {MARK}", "")  # nor the message (the header names them)
    data = text_of(_client(story.member).get("/accounts/data/"))
    assert "A moderator has read 1 of your messages or requests." in data


def test_a_read_of_a_connection_request_is_shown_to_its_requester(story: Story) -> None:
    stranger = UserFactory()
    MembershipFactory(user=stranger, disease=story.dfsp)
    request = connection_request(requester=story.member, recipient=stranger, note="Hello")
    report = report_submit(reporter=stranger, reason="spam", connection=request)
    private_content_read(moderator=story.moderator, report=report)

    text = text_of(_client(story.member).get(READS))

    assert "Your connection request" in text
    assert "Your message" in text


def test_nobody_else_sees_them(story: Story) -> None:
    """The member who reported (and read the message: it was written to them) sees none."""
    other = _client(story.other)

    assert read_list_for_member(story.other).count() == 0
    assert "No moderator has read any of your messages or requests." in text_of(other.get(READS))
    assert Client().get(READS).status_code == 302  # to log in


def test_the_page_costs_the_same_for_one_read_and_three(story: Story) -> None:
    client = _client(story.member)
    with CaptureQueriesContext(connection) as one:
        client.get(READS)
    for _ in range(2):
        report = report_submit(reporter=story.other, reason="spam", message=story.message)
        private_content_read(moderator=story.moderator, report=report)
        report.state = "dismissed"
        report.save(update_fields=["state"])
    with CaptureQueriesContext(connection) as three:
        client.get(READS)

    assert read_list_for_member(story.member).count() == 3
    assert len(three) == len(one)
