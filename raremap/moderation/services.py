"""Moderation writes: members report content; moderators hide, restore, remove, approve, reject
and dismiss.

Private content (a message, a connection request) is reported only by its own members, and a
moderator reads it only through `private_content_read`, which logs the read.

Every moderator action writes one ModerationAction row (the audit log) and closes the open
reports on its target in the same transaction. Status changes go through the questions
services (`answer_set_status`, `question_set_status`), which keep answer counts and reputation
true; nothing here touches those counts.
"""

from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator
from raremap.connections.models import Connection, ConnectionState, Message
from raremap.connections.services import message_set_hidden
from raremap.moderation.models import ModerationAction, Report, ReportReason, ReportState
from raremap.questions.models import Answer, Question, Status
from raremap.questions.services import answer_set_status, question_set_status

TEXT_MAX_LENGTH = 500  # report details and moderator notes

Action = ModerationAction.Action
Target = Answer | Question | Message | Connection
TARGET_FIELDS = {
    Answer: "answer",
    Question: "question",
    Message: "message",
    Connection: "connection",
}

# Which statuses each action may start from. Removal is final: nothing leaves REMOVED, and
# DELETED (withdrawn by the author) is the author's, not the moderators'.
ALLOWED_FROM = {
    Action.HIDE: {Status.PUBLISHED},
    Action.RESTORE: {Status.HIDDEN},
    Action.REMOVE: {Status.PUBLISHED, Status.HIDDEN},
    Action.APPROVE: {Status.PENDING},
    Action.REJECT: {Status.PENDING},
}
RESULT = {
    Action.HIDE: Status.HIDDEN,
    Action.RESTORE: Status.PUBLISHED,
    Action.REMOVE: Status.REMOVED,
    Action.APPROVE: Status.PUBLISHED,
    Action.REJECT: Status.REMOVED,
}


def _clean_text(text: str) -> str:
    """Plain text as stored (templates escape it): trimmed, no NUL, at most 500 characters."""
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Please keep it under %(count)d characters.") % {"count": TEXT_MAX_LENGTH}
        )
    return text


def _one_target(**targets: Target | None) -> Target:
    given = [target for target in targets.values() if target is not None]
    if len(given) != 1:
        raise ValueError(f"Give exactly one of {', '.join(targets)}")
    return given[0]


def _target_filter(target: Target) -> dict[str, Target]:
    return {TARGET_FIELDS[type(target)]: target}


def _is_visible(target: Target, reporter: User) -> bool:
    """Whether the reporter can see it: published public content (an answer on a published
    question), a visible message of a conversation the reporter takes part in and did not
    write, or a request the reporter received and has not accepted."""
    if isinstance(target, Answer):
        question_status = (
            Question.objects.filter(pk=target.question_id).values_list("status", flat=True).first()
        )
        return target.status == Status.PUBLISHED and question_status == Status.PUBLISHED
    if isinstance(target, Question):
        return target.status == Status.PUBLISHED
    if isinstance(target, Message):
        return (
            target.hidden_at is None
            and target.sender_id != reporter.pk
            and Connection.objects.filter(
                conversation__pk=target.conversation_id,
                state=ConnectionState.ACCEPTED,
                conversation__participants__user=reporter,
            ).exists()
        )
    return target.recipient_id == reporter.pk and target.state in (
        ConnectionState.PENDING,
        ConnectionState.DECLINED,
    )


@transaction.atomic
def report_submit(
    *,
    reporter: User,
    reason: str,
    details: str = "",
    answer: Answer | None = None,
    question: Question | None = None,
    message: Message | None = None,
    connection: Connection | None = None,
) -> Report:
    """A member reports content they can see (Http404 otherwise): an answer, a question, a
    message someone wrote to them or a connection request they received.

    Reporting the same content again while the first report is open returns that report: one
    member's reports count once.
    """
    given = _one_target(answer=answer, question=question, message=message, connection=connection)
    model = type(given)
    target = model.objects.filter(pk=given.pk).first()  # the current state, not a stale one
    if target is None or not _is_visible(target, reporter):
        raise Http404("No such content")
    if reason not in ReportReason.values:
        raise ValidationError(_("Please choose a reason."))
    details = _clean_text(details)
    where = {"reporter": reporter, "state": ReportState.OPEN, **_target_filter(target)}
    existing = Report.objects.filter(**where).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a parallel double submit hits the partial unique index
            return Report.objects.create(reason=reason, details=details, **where)
    except IntegrityError:
        return Report.objects.get(**where)


def _check_moderator(moderator: User) -> None:
    if not is_moderator(moderator):
        raise PermissionDenied("Moderators only")


def _close_reports(target: Target, state: str) -> int:
    return Report.objects.filter(state=ReportState.OPEN, **_target_filter(target)).update(
        state=state, closed_at=timezone.now()
    )


def _log(
    *, moderator: User, action: str, target: Target, note: str, report: Report | None
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        report=report,
        note=note,
        **_target_filter(target),
    )


def _check_report(report: Report | None, target: Target) -> None:
    if report is None:
        return
    if _report_target(report) != target:
        raise ValueError("The report is about other content")


def _report_target(report: Report) -> Target:
    for field in TARGET_FIELDS.values():
        if getattr(report, f"{field}_id") is not None:
            target: Target = getattr(report, field)
            return target
    raise ValueError("A report without a target")


def _set_status(
    *,
    moderator: User,
    action: Action,
    target: Answer | Question,
    note: str,
    report: Report | None,
) -> ModerationAction:
    """Change the target's status if the action allows it from the current one, log the
    action and close the target's open reports. The target row is locked first, so two
    moderators acting at once cannot both start from the same status."""
    _check_moderator(moderator)
    _check_report(report, target)
    note = _clean_text(note)
    model = type(target)
    current = model.objects.select_for_update().get(pk=target.pk)
    if current.status not in ALLOWED_FROM[action]:
        if current.status == Status.REMOVED:
            raise ValidationError(_("This was removed. Removed content cannot be restored."))
        raise ValidationError(_("This cannot be done to content in its current state."))
    if isinstance(current, Answer):
        changed: Answer | Question = answer_set_status(answer=current, status=RESULT[action])
    else:
        changed = question_set_status(question=current, status=RESULT[action])
    target.status = changed.status  # the caller's object tells the truth too
    entry = _log(moderator=moderator, action=action, target=changed, note=note, report=report)
    _close_reports(changed, ReportState.ACTED)
    return entry


def _target_of(
    answer: Answer | None, question: Question | None, report: Report | None
) -> Answer | Question:
    """The public content acted on: given directly, or the content of the given report."""
    if answer is None and question is None and report is not None:
        target = _report_target(report)
        if not isinstance(target, Answer | Question):
            raise ValueError("Private content is hidden with message_hide")
        return target
    return cast(Answer | Question, _one_target(answer=answer, question=question))


@transaction.atomic
def content_hide(
    *,
    moderator: User,
    answer: Answer | None = None,
    question: Question | None = None,
    note: str = "",
    report: Report | None = None,
) -> ModerationAction:
    """Hide published content from members (reversible with content_restore)."""
    target = _target_of(answer, question, report)
    return _set_status(
        moderator=moderator, action=Action.HIDE, target=target, note=note, report=report
    )


@transaction.atomic
def content_restore(
    *,
    moderator: User,
    answer: Answer | None = None,
    question: Question | None = None,
    note: str = "",
    report: Report | None = None,
) -> ModerationAction:
    """Publish hidden content again. Removed content cannot be restored (ValidationError)."""
    target = _target_of(answer, question, report)
    return _set_status(
        moderator=moderator, action=Action.RESTORE, target=target, note=note, report=report
    )


@transaction.atomic
def content_remove(
    *,
    moderator: User,
    answer: Answer | None = None,
    question: Question | None = None,
    note: str = "",
    report: Report | None = None,
) -> ModerationAction:
    """Remove published or hidden content for good (kept in the database for the log)."""
    target = _target_of(answer, question, report)
    return _set_status(
        moderator=moderator, action=Action.REMOVE, target=target, note=note, report=report
    )


@transaction.atomic
def question_approve(*, moderator: User, question: Question, note: str = "") -> ModerationAction:
    """Publish a proposed (pending) question; its proposer earns the points for it."""
    return _set_status(
        moderator=moderator, action=Action.APPROVE, target=question, note=note, report=None
    )


@transaction.atomic
def question_reject(*, moderator: User, question: Question, note: str = "") -> ModerationAction:
    """Turn down a proposed (pending) question: it becomes REMOVED."""
    return _set_status(
        moderator=moderator, action=Action.REJECT, target=question, note=note, report=None
    )


@transaction.atomic
def report_dismiss(*, moderator: User, report: Report, note: str = "") -> ModerationAction:
    """Leave the content as it is and close every open report on it as DISMISSED."""
    _check_moderator(moderator)
    note = _clean_text(note)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.OPEN:
        raise ValidationError(_("This report is already closed."))
    target = _report_target(report)
    entry = _log(
        moderator=moderator, action=Action.DISMISS, target=target, note=note, report=report
    )
    _close_reports(target, ReportState.DISMISSED)
    return entry


def _open_report(report: Report) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.OPEN:
        raise ValidationError(_("This report is already closed."))
    return report


@transaction.atomic
def private_content_read(*, moderator: User, report: Report) -> Message | Connection:
    """A moderator opens the private content of an open report (a message or a connection
    request) to decide on it. The read is logged before anything is shown."""
    _check_moderator(moderator)
    target = _report_target(report)
    if not isinstance(target, Message | Connection) or report.state != ReportState.OPEN:
        raise Http404("No such report")
    _log(moderator=moderator, action=Action.READ, target=target, note="", report=report)
    return target


@transaction.atomic
def message_hide(*, moderator: User, report: Report, note: str = "") -> ModerationAction:
    """Hide a reported message from both members of its conversation (they see that a
    moderator hid it) and close the open reports on it."""
    _check_moderator(moderator)
    note = _clean_text(note)
    report = _open_report(report)
    message = _report_target(report)
    if not isinstance(message, Message):
        raise ValueError("Only a message can be hidden this way")
    message = message_set_hidden(message=message, hidden=True)
    entry = _log(moderator=moderator, action=Action.HIDE, target=message, note=note, report=report)
    _close_reports(message, ReportState.ACTED)
    return entry


@transaction.atomic
def report_close(*, moderator: User, report: Report, note: str = "") -> ModerationAction:
    """Close the open reports on private content as acted on (the moderator dealt with it,
    e.g. with the account), leaving the content as it is."""
    _check_moderator(moderator)
    note = _clean_text(note)
    report = _open_report(report)
    target = _report_target(report)
    entry = _log(moderator=moderator, action=Action.CLOSE, target=target, note=note, report=report)
    _close_reports(target, ReportState.ACTED)
    return entry


def reports_anonymise(*, user: User) -> int:
    """Reports a member made stay for the moderators (the content may still need a decision),
    without who made them or what they wrote, once the member erases their account
    (raremap.privacy.services.account_erase). Returns how many."""
    return Report.objects.filter(reporter=user).update(reporter=None, details="")
