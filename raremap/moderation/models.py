"""Reports from members, and the audit log of every moderation action.

Reports are about public content (an answer, a question) or, from one of its two members,
private content (a message, a connection request). Private content is shown to a moderator
only on purpose, one report at a time, and every such read is logged (Action.READ).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from raremap.connections.models import Connection, Message
from raremap.questions.models import Answer, Question


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARMFUL = "harmful", _("Dangerous medical claims")
    ABUSE = "abuse", _("Abusive or hateful")
    PRIVACY = "privacy", _("Shares someone's private information")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Something else")


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    ACTED = "acted", _("Acted on")
    DISMISSED = "dismissed", _("Dismissed")


def _exactly_one(*fields: str) -> Q:
    """Exactly one of `fields` is set."""
    condition = Q()
    for chosen in fields:
        condition |= Q(**{f"{field}__isnull": field != chosen for field in fields})
    return condition


TARGETS = ("answer", "question", "message", "connection")


class Report(models.Model):
    """A member's report of an answer, a question, a private message or a connection request
    (exactly one of them)."""

    Reason = ReportReason
    State = ReportState

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    details = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_exactly_one(*TARGETS), name="report_one_target"),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="report_reason"
            ),
            # One open report per member and target: reporting twice does not count twice.
            models.UniqueConstraint(
                fields=["reporter", "answer"],
                condition=Q(state="open", answer__isnull=False),
                name="uniq_open_answer_report",
            ),
            models.UniqueConstraint(
                fields=["reporter", "question"],
                condition=Q(state="open", question__isnull=False),
                name="uniq_open_question_report",
            ),
            models.UniqueConstraint(
                fields=["reporter", "message"],
                condition=Q(state="open", message__isnull=False),
                name="uniq_open_message_report",
            ),
            models.UniqueConstraint(
                fields=["reporter", "connection"],
                condition=Q(state="open", connection__isnull=False),
                name="uniq_open_connection_report",
            ),
        ]
        # Serves the moderation queue: open reports, oldest first.
        indexes = [models.Index(fields=["state", "created_at"], name="report_queue")]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.reason})"


class ModerationAction(models.Model):
    """The audit log: who did what to which content, when and why. Never edited or deleted."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        REMOVE = "remove", _("Removed")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        DISMISS = "dismiss", _("Report dismissed")
        READ = "read", _("Read reported private content")
        CLOSE = "close", _("Report closed")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.moderator_id} at {self.created_at:%Y-%m-%d %H:%M}"
