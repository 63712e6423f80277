"""Questions, community answers, votes, overview answers and what members follow.

Member text is stored twice: the Markdown source (to edit) and the sanitised HTML rendered once
at write time by raremap.core.text (to show). Pages never render Markdown.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from raremap.catalog.models import Disease
from raremap.questions.standard import BY_SLUG, StandardQuestion


class Status(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting review")  # a proposed question before a moderator approves
    HIDDEN = "hidden", _("Hidden by a moderator")  # reversible
    REMOVED = "removed", _("Removed by a moderator")
    DELETED = "deleted", _("Deleted by its author")


class Question(models.Model):
    """A question about one disease: a standard one (row made on first write) or proposed."""

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="questions")
    slug = models.SlugField(max_length=80)
    # A proposed question's own words (plain text); standard questions take theirs from
    # raremap.questions.standard, translated.
    text = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_questions",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    is_demo = models.BooleanField(default=False)
    answer_count = models.PositiveIntegerField(default=0)  # published answers, kept by services
    created_at = models.DateTimeField(auto_now_add=True)
    # When the "what members say" digest was last recomputed, and from how many answers.
    digest_updated_at = models.DateTimeField(null=True, blank=True)
    digest_answer_count = models.PositiveIntegerField(default=0)
    # The languages those answers were written in, most answers first (["es", "en"]).
    digest_languages = models.JSONField(default=list, blank=True)
    # Bumped by every service that changes what the question page shows (answers, votes,
    # overview, digest): the rendered parts of the page are cached under it.
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disease", "slug"], name="uniq_question_slug"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="question_status"),
        ]
        indexes = [
            # Serves question_list_for_disease: a disease's published questions by activity.
            models.Index(fields=["disease", "status", "-answer_count"], name="question_list"),
            # Serves the moderation queue of proposed questions.
            models.Index(fields=["status", "created_at"], name="question_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.disease_id}/{self.slug}"

    @property
    def standard(self) -> StandardQuestion | None:
        return BY_SLUG.get(self.slug) if not self.text else None

    @property
    def title_template(self) -> str:
        """A standard question's title with %(disease)s, in the active language, else ""."""
        standard = self.standard
        return str(standard.title) if standard else ""

    @property
    def title(self) -> str:
        """The question as a sentence, in the active language for standard questions."""
        standard = self.standard
        if standard is None:
            return self.text
        return standard.title_for(self.disease.display_title(get_language() or "en"))


class Answer(models.Model):
    """A member's answer to a question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers"
    )
    body = models.TextField()  # Markdown as written
    body_html = models.TextField()  # sanitised, rendered at write time
    language = models.CharField(max_length=10, blank=True)
    score = models.IntegerField(default=0)  # upvotes minus downvotes, kept by vote_cast
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="answer_status"),
        ]
        indexes = [
            # Serve answer_list sorted by score and by date (one question's published answers).
            models.Index(fields=["question", "status", "-score", "-id"], name="answer_by_score"),
            models.Index(fields=["question", "status", "-id"], name="answer_by_date"),
            # Serves a member's own answers (export, profile).
            models.Index(fields=["author", "-id"], name="answer_by_author"),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk} to {self.question_id}"


class AnswerRevision(models.Model):
    """An earlier text of an answer, kept when its author edits or deletes it."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField()  # when this text was written (created or last edited)

    class Meta:
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"revision of answer {self.answer_id} from {self.written_at:%Y-%m-%d}"


class Vote(models.Model):
    """One member's vote on one answer (+1 or -1); changing it updates the row."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "user"], name="uniq_vote"),
            models.CheckConstraint(condition=Q(value__in=(-1, 1)), name="vote_value"),
        ]
        # Serves the member's own votes on one page of answers: (user, answer in …).
        indexes = [models.Index(fields=["user", "answer"], name="vote_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.value:+d} on {self.answer_id}"


class OverviewRevision(models.Model):
    """One version of a question's editor section: Markdown by moderators or healthcare
    professionals, with its sources and its review. The newest number is the current text."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="overview_revisions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    body_html = models.TextField()
    sources = models.TextField(blank=True)  # one citation per line (Markdown links allowed)
    sources_html = models.TextField(blank=True)
    summary = models.CharField(max_length=200, blank=True)  # "what changed", by the editor
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reverted_from = models.PositiveIntegerField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # In which capacity: a verified healthcare professional, or a moderator (who may not be
    # one); pages say which.
    reviewed_as = models.CharField(max_length=20, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="uniq_overview_number"),
        ]

    def __str__(self) -> str:
        return f"overview {self.question_id} v{self.number}"


class DigestItem(models.Model):
    """One answer chosen to represent what members say (see raremap.questions.digest)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="digest")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    similar = models.PositiveIntegerField()  # answers in its group, itself included

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["question", "rank"], name="uniq_digest_rank"),
        ]

    def __str__(self) -> str:
        return f"digest {self.question_id} #{self.rank}: {self.answer_id}"


class AnswerEmbedding(models.Model):
    """An answer's sentence embedding, kept for the digest (raremap.questions.digest).

    Embedding is the digest's whole cost (about 20 answers a second a core); a question's
    digest is recomputed after each change to its answers, so each answer is embedded once
    and read back afterwards. `text_hash` names the model and the exact text embedded: an
    edited answer (or a new model) no longer matches and is embedded again. Derived from the
    answer's text, it goes with the answer (cascade).
    """

    answer = models.OneToOneField(
        Answer, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField()  # float32, little-endian

    def __str__(self) -> str:
        return f"embedding of answer {self.answer_id}"


class Follow(models.Model):
    """A member follows a question to be told about new answers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="uniq_follow"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.question_id}"


class Notification(models.Model):
    """Something a member is told about in the site (and optionally by email).

    Each kind points at exactly one thing (a check constraint): an answer, a connection or a
    conversation. Connections and conversations belong to raremap.connections, which builds on
    this app: they are referred to by name so that nothing here imports that app.
    """

    class Kind(models.TextChoices):
        NEW_ANSWER = "new_answer", _("New answer")
        CONNECTION_REQUEST = "connection_request", _("Connection request")
        CONNECTION_ACCEPTED = "connection_accepted", _("Connection accepted")
        NEW_MESSAGE = "new_message", _("New message")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    connection = models.ForeignKey(
        "connections.Connection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    conversation = models.ForeignKey(
        "connections.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "answer", "kind"], name="uniq_notification"),
            models.UniqueConstraint(
                fields=["user", "connection", "kind"], name="uniq_connection_notification"
            ),
            # At most one unread "new message" per conversation: the next message replaces it.
            models.UniqueConstraint(
                fields=["user", "conversation"],
                condition=Q(kind="new_message", read_at__isnull=True),
                name="uniq_unread_message_notification",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="new_answer",
                    answer__isnull=False,
                    connection__isnull=True,
                    conversation__isnull=True,
                )
                | Q(
                    kind__in=["connection_request", "connection_accepted"],
                    answer__isnull=True,
                    connection__isnull=False,
                    conversation__isnull=True,
                )
                | Q(
                    kind="new_message",
                    answer__isnull=True,
                    connection__isnull=True,
                    conversation__isnull=False,
                ),
                name="notification_one_target",
            ),
        ]
        # Serves notification_list: a member's newest notifications.
        indexes = [models.Index(fields=["user", "-id"], name="notification_by_user")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
