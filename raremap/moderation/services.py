"""Moderation writes: members report content; moderators hide, restore, remove, approve, reject
and dismiss.

Every moderator action writes one ModerationAction row (the audit log) and closes the open
reports on its target in the same transaction. Status changes go through the questions
services (`answer_set_status`, `question_set_status`), which keep answer counts and reputation
true; nothing here touches those counts.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator
from raremap.moderation.models import ModerationAction, Report, ReportReason, ReportState
from raremap.questions.models import Answer, Question, Status
from raremap.questions.services import answer_set_status, question_set_status

TEXT_MAX_LENGTH = 500  # report details and moderator notes

Action = ModerationAction.Action
Target = Answer | Question

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


def _one_target(answer: Answer | None, question: Question | None) -> Target:
    if (answer is None) == (question is None):
        raise ValueError("Give exactly one of answer and question")
    return answer if answer is not None else question  # type: ignore[return-value]


def _target_filter(target: Target) -> dict[str, Target]:
    return {"answer": target} if isinstance(target, Answer) else {"question": target}


def _is_visible(target: Target) -> bool:
    """Visible to members: published, and for an answer its question published too."""
    if isinstance(target, Answer):
        question_status = (
            Question.objects.filter(pk=target.question_id).values_list("status", flat=True).first()
        )
        return target.status == Status.PUBLISHED and question_status == Status.PUBLISHED
    return target.status == Status.PUBLISHED


@transaction.atomic
def report_submit(
    *,
    reporter: User,
    reason: str,
    details: str = "",
    answer: Answer | None = None,
    question: Question | None = None,
) -> Report:
    """A member reports an answer or a question they can see (Http404 otherwise).

    Reporting the same content again while the first report is open returns that report: one
    member's reports count once.
    """
    target = _one_target(answer, question)
    model = type(target)
    target = model.objects.filter(pk=target.pk).first()  # the current status, not a stale one
    if target is None or not _is_visible(target):
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
    key = "answer_id" if isinstance(target, Answer) else "question_id"
    if getattr(report, key) != target.pk:
        raise ValueError("The report is about other content")


def _set_status(
    *,
    moderator: User,
    action: str,
    target: Target,
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
        changed: Target = answer_set_status(answer=current, status=RESULT[action])
    else:
        changed = question_set_status(question=current, status=RESULT[action])
    target.status = changed.status  # the caller's object tells the truth too
    entry = _log(moderator=moderator, action=action, target=changed, note=note, report=report)
    _close_reports(changed, ReportState.ACTED)
    return entry


def _target_of(answer: Answer | None, question: Question | None, report: Report | None) -> Target:
    """The content acted on: given directly, or the content of the given report."""
    if answer is None and question is None and report is not None:
        return report.answer if report.answer_id else report.question  # type: ignore[return-value]
    return _one_target(answer, question)


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
    target: Target = report.answer if report.answer_id else report.question  # type: ignore[assignment]
    entry = _log(
        moderator=moderator, action=Action.DISMISS, target=target, note=note, report=report
    )
    _close_reports(target, ReportState.DISMISSED)
    return entry
