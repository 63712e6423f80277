"""The report queue groups open reports per target, oldest first; the log is newest first."""

import datetime

from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.moderation import selectors, services
from raremap.moderation.models import Report
from raremap.questions.models import Answer, Question
from raremap.questions.services import answer_create, question_propose
from tests.factories import UserFactory

START = timezone.now() - datetime.timedelta(days=2)


def at(report: Report, hours: int) -> None:
    Report.objects.filter(pk=report.pk).update(created_at=START + datetime.timedelta(hours=hours))


def test_open_reports_are_grouped_per_target_oldest_first(
    member: User, moderator: User, answer: Answer, question: Question
) -> None:
    second_answer = answer_create(user=member, question=question, body="Radiotherapy.")
    third = UserFactory()
    at(services.report_submit(reporter=member, reason="spam", answer=answer), 5)
    at(services.report_submit(reporter=third, reason="abuse", details="Rude.", answer=answer), 6)
    at(services.report_submit(reporter=moderator, reason="spam", answer=answer), 7)
    at(services.report_submit(reporter=third, reason="off_topic", question=question), 2)
    closed = services.report_submit(reporter=member, reason="harmful", answer=second_answer)
    services.report_dismiss(moderator=moderator, report=closed)

    page = selectors.report_queue()

    assert page.paginator.count == 2
    assert [
        (g.answer.pk if g.answer else None, g.question.pk, g.count, g.reasons, g.details)
        for g in page.object_list
    ] == [
        (None, question.pk, 1, [("Off topic", 1)], []),
        (
            answer.pk,
            question.pk,
            3,
            [("Spam or advertising", 2), ("Abusive or hateful", 1)],
            ["Rude."],
        ),
    ]
    assert page.object_list[1].oldest == START + datetime.timedelta(hours=5)
    assert page.object_list[1].first_report.reporter_id == member.pk


def test_queue_pages(member: User, question: Question, other_member: User) -> None:
    answers = [answer_create(user=other_member, question=question, body=f"A{n}") for n in range(3)]
    for hours, answer in enumerate(answers):
        at(services.report_submit(reporter=member, reason="spam", answer=answer), hours)

    first = selectors.report_queue(page=1, per_page=2)
    second = selectors.report_queue(page="2", per_page=2)

    assert [g.answer.pk for g in first.object_list] == [answers[0].pk, answers[1].pk]
    assert [g.answer.pk for g in second.object_list] == [answers[2].pk]


def test_empty_queue(db: None) -> None:
    page = selectors.report_queue(page="nonsense")

    assert (page.paginator.count, list(page.object_list)) == (0, [])


def test_pending_questions_oldest_first(
    moderator: User, proposed: Question, other_member: User, dfsp: Disease
) -> None:
    later = question_propose(user=other_member, disease=dfsp, text="Is DFSP painful at all?")
    services.question_approve(moderator=moderator, question=proposed)
    newest = question_propose(user=other_member, disease=dfsp, text="Can DFSP spread to bones?")

    assert list(selectors.pending_question_list()) == [later, newest]


def test_action_list_newest_first(moderator: User, answer: Answer, proposed: Question) -> None:
    services.content_hide(moderator=moderator, answer=answer)
    services.question_reject(moderator=moderator, question=proposed)
    services.content_restore(moderator=moderator, answer=answer)

    page = selectors.action_list()

    assert [(a.action, a.answer_id, a.question_id) for a in page.object_list] == [
        ("restore", answer.pk, None),
        ("reject", None, proposed.pk),
        ("hide", answer.pk, None),
    ]
