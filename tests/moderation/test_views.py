"""Report pages for members; the queue, the log and the actions for moderators only (404 else)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.moderation import services
from raremap.moderation.models import ModerationAction, Report
from raremap.questions.models import Answer, Question, Status
from raremap.questions.services import answer_create, question_propose, question_set_status
from tests.accounts.helpers import TOO_MANY, text_of
from tests.moderation.conftest import ANSWER_BODY, ANSWER_HTML

# The question page the report views send members back to (a stand-in until it exists here).

QUEUE = "/moderation/"
LOG = "/moderation/log/"
QUESTION_PAGE = "/d/dermatofibrosarcoma-protuberans/q/best-treatments/"


def report_answer_url(answer: Answer) -> str:
    return f"/moderation/report/answer/{answer.pk}/"


def report_question_url(question: Question) -> str:
    return f"/moderation/report/question/{question.pk}/"


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def reports() -> list[tuple]:
    return list(
        Report.objects.order_by("id").values_list(
            "reporter__display_name", "answer_id", "question_id", "reason", "details", "state"
        )
    )


def action_urls(answer: Answer, question: Question, report: Report) -> list[str]:
    return [
        f"/moderation/answer/{answer.pk}/hide/",
        f"/moderation/answer/{answer.pk}/restore/",
        f"/moderation/answer/{answer.pk}/remove/",
        f"/moderation/question/{question.pk}/hide/",
        f"/moderation/question/{question.pk}/restore/",
        f"/moderation/question/{question.pk}/remove/",
        f"/moderation/question/{question.pk}/approve/",
        f"/moderation/question/{question.pk}/reject/",
        f"/moderation/report/{report.pk}/dismiss/",
    ]


# Reporting


def test_anonymous_visitors_are_sent_to_log_in(client: Client, answer: Answer) -> None:
    url = report_answer_url(answer)

    get = client.get(url)
    post = client.post(url, {"reason": "spam"})

    assert (get.status_code, get["Location"]) == (302, f"/accounts/login/?next={url}")
    assert post.status_code == 302
    assert reports() == []


def test_report_form_shows_the_answer_and_the_reasons(
    member_client: Client, answer: Answer
) -> None:
    response = member_client.get(report_answer_url(answer))

    assert response.status_code == 200
    assert ANSWER_HTML in response.content.decode()
    text = text_of(response)
    assert "Report an answer" in text
    assert "Answer by Brisk Otter" in text
    assert (
        "What is wrong with it? Spam or advertising Dangerous medical claims Abusive or hateful "
        "Shares someone&#39;s private information Off topic Something else"
    ) in text
    assert 'href="/d/dermatofibrosarcoma-protuberans/q/best-treatments/">Cancel' in (
        response.content.decode()
    )
    assert reports() == []  # showing the form changes nothing


def test_a_member_reports_an_answer(member_client: Client, answer: Answer) -> None:
    response = member_client.post(
        report_answer_url(answer), {"reason": "harmful", "details": "Says <stop> the pills."}
    )

    assert (response.status_code, response["Location"]) == (302, QUESTION_PAGE)
    assert messages_of(response) == ["Thank you. A moderator will look at your report."]
    assert reports() == [
        ("Quiet Heron", answer.pk, None, "harmful", "Says <stop> the pills.", "open")
    ]


def test_reporting_twice_counts_once(member_client: Client, answer: Answer) -> None:
    member_client.post(report_answer_url(answer), {"reason": "spam"})

    response = member_client.post(report_answer_url(answer), {"reason": "abuse"})

    assert response.status_code == 302
    assert reports() == [("Quiet Heron", answer.pk, None, "spam", "", "open")]


def test_a_member_reports_a_question(
    member_client: Client, moderator: User, proposed: Question
) -> None:
    services.question_approve(moderator=moderator, question=proposed)

    response = member_client.post(report_question_url(proposed), {"reason": "off_topic"})

    expected = f"/d/dermatofibrosarcoma-protuberans/q/{proposed.slug}/"
    assert (response.status_code, response["Location"]) == (302, expected)
    assert reports() == [("Quiet Heron", None, proposed.pk, "off_topic", "", "open")]


def test_a_report_needs_a_reason_and_short_details(member_client: Client, answer: Answer) -> None:
    no_reason = member_client.post(report_answer_url(answer), {"details": "Bad."})
    too_long = member_client.post(
        report_answer_url(answer), {"reason": "spam", "details": "x" * 501}
    )

    assert no_reason.status_code == too_long.status_code == 200
    assert "Please choose a reason." in text_of(no_reason)
    assert "Ensure this value has at most 500 characters (it has 501)." in text_of(too_long)
    assert reports() == []


@pytest.mark.parametrize("status", [Status.HIDDEN, Status.REMOVED, Status.DELETED])
def test_content_the_member_cannot_see_is_not_found(
    member_client: Client, answer: Answer, status: str
) -> None:
    Answer.objects.filter(pk=answer.pk).update(status=status)

    get = member_client.get(report_answer_url(answer))
    post = member_client.post(report_answer_url(answer), {"reason": "spam"})

    assert get.status_code == post.status_code == 404
    assert "Mohs surgery" not in get.content.decode()
    assert reports() == []


def test_answers_on_hidden_questions_and_pending_questions_are_not_found(
    member_client: Client, answer: Answer, question: Question, proposed: Question
) -> None:
    question_set_status(question=question, status=Status.HIDDEN)

    statuses = [
        member_client.get(report_answer_url(answer)).status_code,
        member_client.get(report_question_url(question)).status_code,
        member_client.get(report_question_url(proposed)).status_code,
        member_client.get("/moderation/report/answer/999999/").status_code,
    ]

    assert statuses == [404, 404, 404, 404]


def test_reports_are_throttled(member_client: Client, answer: Answer, clock: object) -> None:
    for _ in range(10):
        assert member_client.post(report_answer_url(answer), {"reason": "spam"}).status_code == 302

    response = member_client.post(report_answer_url(answer), {"reason": "spam"})

    assert response.status_code == 429
    assert TOO_MANY in text_of(response)


# Moderators only


@pytest.fixture
def open_report(member: User, answer: Answer) -> Report:
    return services.report_submit(reporter=member, reason="spam", answer=answer)


def test_members_and_visitors_get_404_everywhere(
    client: Client,
    member_client: Client,
    answer: Answer,
    question: Question,
    proposed: Question,
    open_report: Report,
) -> None:
    urls = [QUEUE, LOG, *action_urls(answer, question, open_report)]
    urls += [url.replace(str(question.pk), str(proposed.pk)) for url in urls if "question/" in url]

    for who in (client, member_client):
        for url in urls:
            assert who.get(url).status_code == 404, url
            assert who.post(url, {"note": "x"}).status_code == 404, url

    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED
    assert Question.objects.get(pk=proposed.pk).status == Status.PENDING
    assert Report.objects.get(pk=open_report.pk).state == "open"
    assert ModerationAction.objects.count() == 0


def test_a_get_on_an_action_changes_nothing(
    moderator_client: Client, answer: Answer, question: Question, open_report: Report
) -> None:
    statuses = {
        moderator_client.get(url).status_code for url in action_urls(answer, question, open_report)
    }

    assert statuses == {405}
    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED
    assert Report.objects.get(pk=open_report.pk).state == "open"
    assert ModerationAction.objects.count() == 0


def test_actions_need_the_csrf_token(moderator: User, answer: Answer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)

    response = client.post(f"/moderation/answer/{answer.pk}/hide/")

    assert response.status_code == 403
    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED


def test_the_queue_shows_reports_pending_and_hidden_content(
    moderator_client: Client,
    member: User,
    other_member: User,
    moderator: User,
    answer: Answer,
    question: Question,
    proposed: Question,
) -> None:
    services.report_submit(
        reporter=member, reason="harmful", details="<script>x</script>", answer=answer
    )
    services.report_submit(reporter=moderator, reason="harmful", answer=answer)
    hidden = answer_create(user=other_member, question=question, body="Secret *cure*.")
    services.content_hide(moderator=moderator, answer=hidden)

    response = moderator_client.get(QUEUE)

    html = response.content.decode()
    text = text_of(response)
    assert response.status_code == 200
    assert ANSWER_HTML in html
    assert "<p>Secret <em>cure</em>.</p>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x" not in html
    assert "Reported 2 times since" in text
    assert "Dangerous medical claims (2)" in text
    assert "Does DFSP come back after surgery?" in text
    assert "Answer by Brisk Otter Hidden by a moderator" in text
    assert f'action="/moderation/answer/{hidden.pk}/restore/"' in html
    assert f'action="/moderation/answer/{answer.pk}/hide/"' in html
    assert f'action="/moderation/question/{proposed.pk}/approve/"' in html


def test_a_moderator_hides_an_answer_from_the_queue(
    moderator_client: Client, answer: Answer, question: Question, open_report: Report
) -> None:
    response = moderator_client.post(
        f"/moderation/answer/{answer.pk}/hide/",
        {"note": "Advertising.", "report": str(open_report.pk)},
    )

    assert (response.status_code, response["Location"]) == (302, QUEUE)
    assert messages_of(response) == ["Hidden. Members no longer see it; you can restore it here."]
    question.refresh_from_db()
    assert (Answer.objects.get(pk=answer.pk).status, question.answer_count) == ("hidden", 0)
    assert list(
        ModerationAction.objects.values_list("action", "answer_id", "report_id", "note")
    ) == [("hide", answer.pk, open_report.pk, "Advertising.")]
    assert Report.objects.get(pk=open_report.pk).state == "acted"


def test_a_report_for_other_content_is_not_linked(
    moderator_client: Client, answer: Answer, question: Question, member: User
) -> None:
    other = services.report_submit(reporter=member, reason="spam", question=question)

    moderator_client.post(f"/moderation/answer/{answer.pk}/hide/", {"report": str(other.pk)})

    assert list(ModerationAction.objects.values_list("action", "report_id")) == [("hide", None)]
    assert Report.objects.get(pk=other.pk).state == "open"


def test_restoring_removed_content_says_why_not(
    moderator_client: Client, moderator: User, answer: Answer
) -> None:
    services.content_remove(moderator=moderator, answer=answer)

    response = moderator_client.post(f"/moderation/answer/{answer.pk}/restore/")

    assert response.status_code == 302
    assert messages_of(response) == ["This was removed. Removed content cannot be restored."]
    assert Answer.objects.get(pk=answer.pk).status == Status.REMOVED
    assert ModerationAction.objects.count() == 1


def test_a_moderator_approves_and_rejects(
    moderator_client: Client, proposed: Question, other_member: User, dfsp: Disease
) -> None:
    second = question_propose(user=other_member, disease=dfsp, text="Is DFSP painful at all?")

    moderator_client.post(f"/moderation/question/{proposed.pk}/approve/", {"note": "Fine."})
    moderator_client.post(f"/moderation/question/{second.pk}/reject/")

    assert list(Question.objects.filter(text__gt="").order_by("id").values_list("status")) == [
        ("published",),
        ("removed",),
    ]
    assert list(ModerationAction.objects.order_by("id").values_list("action", "note")) == [
        ("approve", "Fine."),
        ("reject", ""),
    ]


def test_a_moderator_dismisses_reports(
    moderator_client: Client, answer: Answer, open_report: Report
) -> None:
    response = moderator_client.post(f"/moderation/report/{open_report.pk}/dismiss/")

    assert messages_of(response) == ["The reports are dismissed; the content stays as it is."]
    assert Report.objects.get(pk=open_report.pk).state == "dismissed"
    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED


def test_a_long_note_is_refused(moderator_client: Client, answer: Answer) -> None:
    response = moderator_client.post(f"/moderation/answer/{answer.pk}/hide/", {"note": "x" * 501})

    assert messages_of(response) == ["Please keep the note under 500 characters."]
    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED


def table_rows(response: HttpResponse) -> list[list[str]]:
    """The cells of each body row of the page's table, as text (entities left as they are)."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)[1]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_log_shows_who_did_what(
    moderator_client: Client, moderator: User, answer: Answer, proposed: Question
) -> None:
    services.content_hide(moderator=moderator, answer=answer, note="Advert <b>link</b>.")
    services.question_reject(moderator=moderator, question=proposed)

    response = moderator_client.get(LOG)

    assert response.status_code == 200
    assert [row[1:] for row in table_rows(response)] == [
        [
            "Calm Lynx",
            "Rejected",
            "Question “Does DFSP come back after surgery?” "
            "(Dermatofibrosarcoma protuberans (DFSP))",
            "",
        ],
        [
            "Calm Lynx",
            "Hidden",
            f"Answer #{answer.pk} to “What are the best treatments for "
            "Dermatofibrosarcoma protuberans (DFSP)?” (Dermatofibrosarcoma protuberans (DFSP))",
            "Advert &lt;b&gt;link&lt;/b&gt;.",
        ],
    ]


# Query counts


def _reported_answers(n: int, question: Question, author: User, reporter: User) -> None:
    for i in range(n):
        answer = answer_create(user=author, question=question, body=f"{ANSWER_BODY} {i}")
        services.report_submit(reporter=reporter, reason="spam", answer=answer)


@pytest.mark.parametrize("n", [1, 3])
def test_queue_query_count_does_not_grow(
    n: int,
    moderator_client: Client,
    member: User,
    other_member: User,
    moderator: User,
    question: Question,
    proposed: Question,
    django_assert_num_queries,
) -> None:
    _reported_answers(n, question, other_member, member)
    services.report_submit(reporter=member, reason="off_topic", question=question)
    hidden = answer_create(user=other_member, question=question, body="Hidden one.")
    services.content_hide(moderator=moderator, answer=hidden)

    # the session with the moderator and their moderator flag; the device that passed the
    # second factor; the header's counts; groups counted, one page of groups, their reports
    # with the content; proposed questions; hidden answers; hidden questions
    with django_assert_num_queries(9):
        response = moderator_client.get(QUEUE)

    assert "Reported 1 time since" in text_of(response)
    assert f"{n + 1} reported items" in text_of(response)


@pytest.mark.parametrize("n", [1, 3])
def test_log_query_count_does_not_grow(
    n: int,
    moderator_client: Client,
    moderator: User,
    question: Question,
    other_member: User,
    django_assert_num_queries,
) -> None:
    for i in range(n):
        answer = answer_create(user=other_member, question=question, body=f"Answer {i}")
        services.content_hide(moderator=moderator, answer=answer)

    # the session with the moderator, the device that passed the second factor, the header's
    # counts, the log's count and one page
    with django_assert_num_queries(5):
        response = moderator_client.get(LOG)

    assert [row[1:3] for row in table_rows(response)] == [["Calm Lynx", "Hidden"]] * n
