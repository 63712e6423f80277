"""Reports and moderator actions: status changes, the audit log, closed reports, kept counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from raremap.accounts.models import User
from raremap.moderation import services
from raremap.moderation.models import ModerationAction, Report
from raremap.questions.models import Answer, Question, Status
from raremap.questions.reputation import QUESTION_APPROVED, UPVOTE_RECEIVED
from raremap.questions.services import answer_create, question_set_status, vote_cast
from tests.factories import UserFactory

Action = ModerationAction.Action
State = Report.State


def log_rows() -> list[tuple]:
    return list(
        ModerationAction.objects.order_by("id").values_list(
            "moderator__display_name", "action", "answer_id", "question_id", "report_id", "note"
        )
    )


def report_states() -> list[tuple]:
    """(id, state, still open in time: no closed_at) for every report."""
    rows = Report.objects.order_by("id").values_list("id", "state", "closed_at")
    return [(pk, state, closed_at is None) for pk, state, closed_at in rows]


def counts(question: Question) -> tuple[int, list[str]]:
    question.refresh_from_db()
    statuses = list(question.answers.order_by("id").values_list("status", flat=True))
    return question.answer_count, statuses


# Reports


def test_report_an_answer(member: User, answer: Answer) -> None:
    report = services.report_submit(
        reporter=member,
        reason="harmful",
        details="  Says to stop the treatment.\r\n",
        answer=answer,
    )

    assert Report.objects.filter(pk=report.pk).values_list(
        "reporter", "answer", "question", "reason", "details", "state", "closed_at"
    ).get() == (member.pk, answer.pk, None, "harmful", "Says to stop the treatment.", "open", None)


def test_details_are_stored_as_plain_text(member: User, answer: Answer) -> None:
    report = services.report_submit(
        reporter=member, reason="other", details="<b>look</b> *here*", answer=answer
    )

    assert Report.objects.get(pk=report.pk).details == "<b>look</b> *here*"  # escaped on pages


def test_reporting_twice_keeps_one_open_report(member: User, answer: Answer) -> None:
    first = services.report_submit(reporter=member, reason="spam", answer=answer)

    second = services.report_submit(reporter=member, reason="abuse", details="again", answer=answer)

    assert second.pk == first.pk
    assert list(Report.objects.values_list("reason", "details")) == [("spam", "")]


def test_a_closed_report_does_not_stop_a_new_one(
    member: User, moderator: User, answer: Answer
) -> None:
    first = services.report_submit(reporter=member, reason="spam", answer=answer)
    services.report_dismiss(moderator=moderator, report=first)

    second = services.report_submit(reporter=member, reason="spam", answer=answer)

    assert second.pk != first.pk
    assert list(Report.objects.order_by("id").values_list("state", flat=True)) == [
        "dismissed",
        "open",
    ]


def test_two_members_report_the_same_answer(member: User, answer: Answer, db: None) -> None:
    third = UserFactory()
    services.report_submit(reporter=member, reason="spam", answer=answer)
    services.report_submit(reporter=third, reason="spam", answer=answer)

    assert Report.objects.filter(answer=answer, state="open").count() == 2


@pytest.mark.parametrize("status", [Status.HIDDEN, Status.REMOVED, Status.DELETED])
def test_content_members_cannot_see_cannot_be_reported(
    member: User, answer: Answer, status: str
) -> None:
    Answer.objects.filter(pk=answer.pk).update(status=status)

    with pytest.raises(Http404):
        services.report_submit(reporter=member, reason="spam", answer=answer)
    assert Report.objects.count() == 0


def test_an_answer_on_a_hidden_question_cannot_be_reported(
    member: User, answer: Answer, question: Question
) -> None:
    question_set_status(question=question, status=Status.HIDDEN)

    with pytest.raises(Http404):
        services.report_submit(reporter=member, reason="spam", answer=answer)
    with pytest.raises(Http404):
        services.report_submit(reporter=member, reason="spam", question=question)
    assert Report.objects.count() == 0


def test_a_pending_question_cannot_be_reported(member: User, proposed: Question) -> None:
    with pytest.raises(Http404):
        services.report_submit(reporter=member, reason="spam", question=proposed)


def test_a_stale_object_does_not_pass_for_visible(member: User, answer: Answer) -> None:
    Answer.objects.filter(pk=answer.pk).update(
        status=Status.HIDDEN
    )  # `answer` still says published

    with pytest.raises(Http404):
        services.report_submit(reporter=member, reason="spam", answer=answer)


def test_report_needs_exactly_one_target(member: User, answer: Answer, question: Question) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        services.report_submit(reporter=member, reason="spam", answer=answer, question=question)
    with pytest.raises(ValueError, match="exactly one"):
        services.report_submit(reporter=member, reason="spam")


def test_report_reason_and_details_are_checked(member: User, answer: Answer) -> None:
    with pytest.raises(ValidationError) as bad_reason:
        services.report_submit(reporter=member, reason="boring", answer=answer)
    with pytest.raises(ValidationError) as too_long:
        services.report_submit(reporter=member, reason="spam", details="x" * 501, answer=answer)

    assert bad_reason.value.messages == ["Please choose a reason."]
    assert too_long.value.messages == ["Please keep it under 500 characters."]
    assert Report.objects.count() == 0


# Hide, restore, remove


def test_hide_an_answer(member: User, moderator: User, answer: Answer, question: Question) -> None:
    report = services.report_submit(reporter=member, reason="spam", answer=answer)
    other = services.report_submit(reporter=member, reason="spam", question=question)

    entry = services.content_hide(
        moderator=moderator, answer=answer, note="Advertising.", report=report
    )

    assert counts(question) == (0, ["hidden"])
    assert answer.status == Status.HIDDEN
    assert log_rows() == [("Calm Lynx", "hide", answer.pk, None, report.pk, "Advertising.")]
    assert entry.pk == ModerationAction.objects.get().pk
    # The answer's report is closed; the question's report is another target and stays open.
    assert report_states() == [(report.pk, "acted", False), (other.pk, "open", True)]


def test_hide_from_the_report_alone(member: User, moderator: User, answer: Answer) -> None:
    report = services.report_submit(reporter=member, reason="spam", answer=answer)

    services.content_hide(moderator=moderator, report=report)

    assert Answer.objects.get(pk=answer.pk).status == Status.HIDDEN
    assert log_rows() == [("Calm Lynx", "hide", answer.pk, None, report.pk, "")]


def test_a_report_about_other_content_is_refused(
    member: User, moderator: User, answer: Answer, question: Question
) -> None:
    report = services.report_submit(reporter=member, reason="spam", question=question)

    with pytest.raises(ValueError, match="other content"):
        services.content_hide(moderator=moderator, answer=answer, report=report)
    assert counts(question) == (1, ["published"])


def test_restore_a_hidden_answer(moderator: User, answer: Answer, question: Question) -> None:
    services.content_hide(moderator=moderator, answer=answer)

    services.content_restore(moderator=moderator, answer=answer, note="Checked the source.")

    assert counts(question) == (1, ["published"])
    assert log_rows() == [
        ("Calm Lynx", "hide", answer.pk, None, None, ""),
        ("Calm Lynx", "restore", answer.pk, None, None, "Checked the source."),
    ]


def test_hiding_and_restoring_keeps_reputation_right(
    member: User, moderator: User, answer: Answer, other_member: User
) -> None:
    vote_cast(user=member, answer=answer, value=1)

    services.content_hide(moderator=moderator, answer=answer)
    hidden = User.objects.get(pk=other_member.pk).reputation
    services.content_restore(moderator=moderator, answer=answer)
    restored = User.objects.get(pk=other_member.pk).reputation

    assert (hidden, restored) == (0, UPVOTE_RECEIVED)


def test_remove_is_final(moderator: User, answer: Answer, question: Question) -> None:
    services.content_remove(moderator=moderator, answer=answer, note="Dangerous advice.")

    with pytest.raises(ValidationError) as error:
        services.content_restore(moderator=moderator, answer=answer)
    with pytest.raises(ValidationError):
        services.content_hide(moderator=moderator, answer=answer)

    assert error.value.messages == ["This was removed. Removed content cannot be restored."]
    assert counts(question) == (0, ["removed"])
    assert log_rows() == [("Calm Lynx", "remove", answer.pk, None, None, "Dangerous advice.")]


def test_remove_a_hidden_answer_keeps_the_count(
    moderator: User, answer: Answer, question: Question
) -> None:
    services.content_hide(moderator=moderator, answer=answer)

    services.content_remove(moderator=moderator, answer=answer)

    assert counts(question) == (0, ["removed"])


def test_counts_stay_right_with_several_answers(
    member: User, moderator: User, answer: Answer, question: Question
) -> None:
    second = answer_create(user=member, question=question, body="Radiotherapy after surgery.")

    services.content_hide(moderator=moderator, answer=answer)
    services.content_remove(moderator=moderator, answer=second)
    services.content_restore(moderator=moderator, answer=answer)

    assert counts(question) == (1, ["published", "removed"])


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (services.content_hide, Status.HIDDEN),
        (services.content_restore, Status.PUBLISHED),
        (services.content_hide, Status.DELETED),
        (services.content_remove, Status.DELETED),
    ],
)
def test_actions_refuse_the_wrong_starting_state(
    moderator: User, answer: Answer, action, status: str
) -> None:
    Answer.objects.filter(pk=answer.pk).update(status=status)

    with pytest.raises(ValidationError):
        action(moderator=moderator, answer=answer)

    assert Answer.objects.get(pk=answer.pk).status == status
    assert log_rows() == []


def test_hide_and_restore_a_question(
    member: User, moderator: User, answer: Answer, question: Question
) -> None:
    report = services.report_submit(reporter=member, reason="off_topic", question=question)
    answer_report = services.report_submit(reporter=member, reason="spam", answer=answer)

    services.content_hide(moderator=moderator, question=question, report=report)
    hidden = counts(question)
    services.content_restore(moderator=moderator, question=question)

    assert hidden == (1, ["published"])  # the answers keep their status and the count
    assert Question.objects.get(pk=question.pk).status == Status.PUBLISHED
    assert report_states() == [(report.pk, "acted", False), (answer_report.pk, "open", True)]
    assert [row[1:4] for row in log_rows()] == [
        ("hide", None, question.pk),
        ("restore", None, question.pk),
    ]


# Proposed questions


def test_approve_a_proposed_question(
    moderator: User, proposed: Question, other_member: User
) -> None:
    services.question_approve(moderator=moderator, question=proposed, note="Good one.")

    assert Question.objects.get(pk=proposed.pk).status == Status.PUBLISHED
    assert User.objects.get(pk=other_member.pk).reputation == QUESTION_APPROVED
    assert log_rows() == [("Calm Lynx", "approve", None, proposed.pk, None, "Good one.")]


def test_reject_a_proposed_question(
    moderator: User, proposed: Question, other_member: User
) -> None:
    services.question_reject(moderator=moderator, question=proposed)

    assert Question.objects.get(pk=proposed.pk).status == Status.REMOVED
    assert User.objects.get(pk=other_member.pk).reputation == 0
    assert log_rows() == [("Calm Lynx", "reject", None, proposed.pk, None, "")]


def test_only_pending_questions_are_approved_or_rejected(
    moderator: User, question: Question
) -> None:
    with pytest.raises(ValidationError):
        services.question_approve(moderator=moderator, question=question)
    with pytest.raises(ValidationError):
        services.question_reject(moderator=moderator, question=question)

    assert Question.objects.get(pk=question.pk).status == Status.PUBLISHED
    assert log_rows() == []


# Dismiss


def test_dismiss_closes_every_open_report_on_the_target(
    member: User, moderator: User, answer: Answer, question: Question, db: None
) -> None:
    third = UserFactory()
    first = services.report_submit(reporter=member, reason="spam", answer=answer)
    second = services.report_submit(reporter=third, reason="abuse", answer=answer)
    elsewhere = services.report_submit(reporter=member, reason="spam", question=question)

    services.report_dismiss(moderator=moderator, report=first, note="Not spam.")

    assert counts(question) == (1, ["published"])
    assert report_states() == [
        (first.pk, "dismissed", False),
        (second.pk, "dismissed", False),
        (elsewhere.pk, "open", True),
    ]
    assert log_rows() == [("Calm Lynx", "dismiss", answer.pk, None, first.pk, "Not spam.")]


def test_a_closed_report_cannot_be_dismissed(member: User, moderator: User, answer: Answer) -> None:
    report = services.report_submit(reporter=member, reason="spam", answer=answer)
    services.content_hide(moderator=moderator, answer=answer, report=report)

    with pytest.raises(ValidationError) as error:
        services.report_dismiss(moderator=moderator, report=report)

    assert error.value.messages == ["This report is already closed."]
    assert Report.objects.get(pk=report.pk).state == State.ACTED


def test_closing_sets_the_time(member: User, moderator: User, answer: Answer) -> None:
    report = services.report_submit(reporter=member, reason="spam", answer=answer)
    before = timezone.now()

    services.content_hide(moderator=moderator, answer=answer)

    closed_at = Report.objects.get(pk=report.pk).closed_at
    assert before <= closed_at <= timezone.now() + datetime.timedelta(seconds=1)


def test_a_note_is_at_most_500_characters(moderator: User, answer: Answer) -> None:
    with pytest.raises(ValidationError):
        services.content_hide(moderator=moderator, answer=answer, note="x" * 501)

    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED
    assert log_rows() == []


# Only moderators


@pytest.mark.parametrize(
    "action",
    [services.content_hide, services.content_restore, services.content_remove],
)
def test_members_cannot_moderate_content(
    member: User, answer: Answer, question: Question, action
) -> None:
    with pytest.raises(PermissionDenied):
        action(moderator=member, answer=answer)

    assert counts(question) == (1, ["published"])
    assert log_rows() == []


@pytest.mark.parametrize("action", [services.question_approve, services.question_reject])
def test_members_cannot_decide_on_proposed_questions(
    member: User, proposed: Question, action
) -> None:
    with pytest.raises(PermissionDenied):
        action(moderator=member, question=proposed)

    assert Question.objects.get(pk=proposed.pk).status == Status.PENDING
    assert log_rows() == []


def test_members_cannot_dismiss_reports(member: User, other_member: User, answer: Answer) -> None:
    report = services.report_submit(reporter=member, reason="spam", answer=answer)

    with pytest.raises(PermissionDenied):
        services.report_dismiss(moderator=other_member, report=report)

    assert report_states() == [(report.pk, "open", True)]


def test_a_deactivated_moderator_cannot_moderate(moderator: User, answer: Answer) -> None:
    moderator.is_active = False

    with pytest.raises(PermissionDenied):
        services.content_hide(moderator=moderator, answer=answer)


def test_a_superuser_moderates(answer: Answer, db: None) -> None:
    admin = UserFactory(is_superuser=True, display_name="Root Owl")

    services.content_hide(moderator=admin, answer=answer)

    assert log_rows() == [("Root Owl", "hide", answer.pk, None, None, "")]
