"""Moderation reads: the report queue, proposed questions, hidden content and the audit log.

Each returns a page or a queryset already shaped for the moderation pages, so that a page
costs the same number of queries whatever it lists.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q, QuerySet

from raremap.accounts.models import User
from raremap.connections.models import Connection, Message
from raremap.moderation.models import ModerationAction, Report, ReportReason, ReportState
from raremap.questions.models import Answer, Question, Status

QUEUE_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50
PENDING_LIMIT = 50
HIDDEN_LIMIT = 50


@dataclass
class ReportGroup:
    """The open reports on one answer, question, message or connection request, as one row of
    the queue. A message's text or a request's note is not part of it: a moderator opens
    those one at a time, and the read is logged (services.private_content_read)."""

    answer: Answer | None
    question: Question | None  # the reported question, or the question of the reported answer
    count: int
    oldest: datetime
    first_report: Report | None = None  # the oldest open report: what "dismiss" acts on
    reasons: list[tuple[str, int]] = field(default_factory=list)  # (label, count), most first
    details: list[str] = field(default_factory=list)  # what reporters wrote, oldest first
    message: Message | None = None
    connection: Connection | None = None

    @property
    def kind(self) -> str:
        if self.message is not None:
            return "message"
        if self.connection is not None:
            return "connection"
        return "answer" if self.answer is not None else "question"

    @property
    def status(self) -> str:
        if self.answer is not None:
            return self.answer.status
        return self.question.status if self.question is not None else ""


def report_queue(*, page: int | str | None = 1, per_page: int = QUEUE_PAGE_SIZE) -> Page:
    """Open reports grouped per target (count, reasons, details), oldest report first.

    Three queries whatever the page holds: the number of groups, one page of groups, and the
    open reports on those targets with their content.
    """
    targets = ("answer_id", "question_id", "message_id", "connection_id")
    groups = (
        Report.objects.filter(state=ReportState.OPEN)
        .values(*targets)
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .order_by("oldest", *targets)
    )
    result = Paginator(groups, per_page).get_page(page)
    rows = list(result.object_list)
    wanted = Q(pk__in=[])
    for target in targets:
        ids = [row[target] for row in rows if row[target]]
        if ids:
            wanted |= Q(**{f"{target}__in": ids})
    reports = (
        Report.objects.filter(wanted, state=ReportState.OPEN)
        .select_related(
            "answer__author",
            "answer__question__disease",
            "question__disease",
            "question__author",
            "message__sender",
            "connection__requester",
        )
        .order_by("created_at", "id")
    )
    by_target: dict[tuple[int | None, ...], list[Report]] = {}
    for report in reports:
        key = tuple(getattr(report, target) for target in targets)
        by_target.setdefault(key, []).append(report)
    labels = dict(ReportReason.choices)
    queue = []
    for row in rows:
        found = by_target.get(tuple(row[target] for target in targets), [])
        if not found:  # closed between the two queries
            continue
        first = found[0]
        reasons: dict[str, int] = {}
        for report in found:
            reasons[report.reason] = reasons.get(report.reason, 0) + 1
        queue.append(
            ReportGroup(
                answer=first.answer,
                question=first.answer.question if first.answer_id else first.question,  # type: ignore[union-attr]
                message=first.message,
                connection=first.connection,
                count=row["count"],
                oldest=row["oldest"],
                first_report=first,
                reasons=[
                    (str(labels[reason]), n)
                    for reason, n in sorted(reasons.items(), key=lambda item: -item[1])
                ],
                details=[report.details for report in found if report.details],
            )
        )
    result.object_list = queue
    return result


def pending_question_list() -> QuerySet[Question]:
    """Proposed questions waiting for a moderator, oldest first."""
    return (
        Question.objects.filter(status=Status.PENDING)
        .select_related("disease", "author")
        .order_by("created_at", "id")
    )


def hidden_answer_list() -> QuerySet[Answer]:
    """Hidden answers (moderators may restore or remove them), newest first."""
    return (
        Answer.objects.filter(status=Status.HIDDEN)
        .select_related("author", "question__disease")
        .order_by("-id")
    )


def hidden_question_list() -> QuerySet[Question]:
    """Hidden questions, newest first."""
    return (
        Question.objects.filter(status=Status.HIDDEN)
        .select_related("disease", "author")
        .order_by("-id")
    )


def action_list(*, page: int | str | None = 1, per_page: int = LOG_PAGE_SIZE) -> Page:
    """The audit log, newest first, one page."""
    actions = ModerationAction.objects.select_related(
        "moderator",
        "answer__question__disease",
        "question__disease",
        "message__sender",
        "connection__requester",
    ).order_by("-created_at", "-id")
    return Paginator(actions, per_page).get_page(page)


def read_list_for_member(user: User) -> QuerySet[ModerationAction]:
    """Moderators' reads of the member's own private content — a message they sent or a
    connection request they made, opened by a moderator after the other member reported it —
    newest first, with the content's date. What members are shown of the audit log (their
    data page and their data export): when, and what; not which moderator."""
    return (
        ModerationAction.objects.filter(action=ModerationAction.Action.READ)
        .filter(Q(message__sender=user) | Q(connection__requester=user))
        .select_related("message", "connection")
        .order_by("-created_at", "-id")
    )
