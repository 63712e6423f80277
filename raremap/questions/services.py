"""Question and answer writes: answers with history, votes and reputation, proposed questions,
overview revisions, follows and notifications.

Counts (answers per question, an answer's score, a member's reputation) are kept here in the
same transaction as the change they follow, so pages read them instead of counting.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Subquery, Sum, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_tasks.base import Task

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.core.languages import language_codes
from raremap.core.text import count_links, plain_text, render_markdown
from raremap.questions import reputation
from raremap.questions.models import (
    Answer,
    AnswerRevision,
    Follow,
    Notification,
    OverviewRevision,
    Question,
    Status,
    Vote,
)
from raremap.questions.permissions import can_review_overview, review_capacity
from raremap.questions.selectors import (
    VOTE_FIELDS,
    notification_visible_q,
    question_rows_cache_key,
)
from raremap.questions.standard import BY_SLUG

TRUSTED_MEMBER_LINKS = 10


def _touch(question_id: int, disease_id: int | None = None, **changes: object) -> None:
    """Record that the question page changed (its cached parts are keyed by changed_at); with
    a count or status change, the disease's cached list of questions is forgotten too (the
    disease is read when the caller does not know it)."""
    Question.objects.filter(pk=question_id).update(changed_at=timezone.now(), **changes)
    if changes:
        if disease_id is None:
            disease_id = Question.objects.filter(pk=question_id).values_list("disease_id").get()[0]
        _questions_changed(disease_id)


def _questions_changed(disease_id: int) -> None:
    """Forget a disease's cached question rows now and once the change is committed."""
    key = question_rows_cache_key(disease_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def question_ensure(*, disease: Disease, slug: str) -> Question:
    """The question's row, created on first write for a standard question.

    Raises Http404 for a slug that is neither standard nor an existing question.
    """
    question = Question.objects.filter(disease=disease, slug=slug).first()
    if question is not None:
        return question
    if slug not in BY_SLUG:
        raise Http404("No such question")
    question, _created = Question.objects.get_or_create(disease=disease, slug=slug)
    return question


def _unique_slug(disease: Disease, text: str) -> str:
    base = slugify(text)[:70].strip("-") or "question"
    slug, n = base, 1
    while (
        slug in BY_SLUG
        or slug == "propose"
        or Question.objects.filter(disease=disease, slug=slug).exists()
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def question_propose(*, user: User, disease: Disease, text: str) -> Question:
    """A member proposes a question for a community; it waits for a moderator (PENDING)."""
    text = plain_text(text, limit=200).rstrip()
    if len(text) < 10:
        raise ValidationError(_("Please write the question in a full sentence."))
    if not text.endswith("?"):
        text += "?"
    return Question.objects.create(
        disease=disease,
        slug=_unique_slug(disease, text),
        text=text,
        author=user,
        status=Status.PENDING,
        is_demo=user.is_demo,
    )


def _check_links(user: User, body: str) -> None:
    """New members may post only a few links (spam sandbox); everyone has a ceiling."""
    allowed = TRUSTED_MEMBER_LINKS
    if member_is_new(user):
        allowed = settings.NEW_MEMBER_LINKS
    if count_links(body) > allowed:
        raise ValidationError(
            ngettext(
                "Please use at most %(count)d link in one answer.",
                "Please use at most %(count)d links in one answer.",
                allowed,
            )
            % {"count": allowed}
        )


def answers_to_take_part(user: User) -> int:
    """How many more published answers the member needs to have taken part (0: they have):
    NEW_MEMBER_ANSWERS published answers, or TRUSTED_REPUTATION points. Pages that explain
    the rule take their numbers from here and from those two settings."""
    if user.reputation >= reputation.TRUSTED_REPUTATION:
        return 0
    published = Answer.objects.filter(author=user, status=Status.PUBLISHED).count()
    return max(settings.NEW_MEMBER_ANSWERS - published, 0)


def member_is_new(user: User) -> bool:
    """New until the member has taken part: a few published answers or some reputation."""
    return answers_to_take_part(user) > 0


def _clean_body(user: User, body: str) -> tuple[str, str]:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Please write an answer."))
    if len(body) > settings.ANSWER_MAX_LENGTH:
        raise ValidationError(
            _("Please keep an answer under %(count)d characters.")
            % {"count": settings.ANSWER_MAX_LENGTH}
        )
    _check_links(user, body)
    html = render_markdown(body)
    if not html:
        raise ValidationError(_("Please write an answer."))
    return body, html


def _answer_changed(answer: Answer) -> None:
    """Background work once this change is committed (the worker must see it): recompute the
    question's "what members say" digest (a digest already newer than the request is kept)
    and the treatments the answer mentions (raremap.treatments, which builds on answers)."""
    from raremap.questions.tasks import digest_refresh
    from raremap.treatments.tasks import mentions_refresh_task

    question_id, answer_id = answer.question_id, answer.pk
    transaction.on_commit(lambda: _digest_enqueue(digest_refresh, question_id))
    transaction.on_commit(lambda: mentions_refresh_task.enqueue(answer_id))


def _language(code: str) -> str:
    """One of the interface's languages: the one given, else the active one."""
    if code in language_codes():
        return code
    active = get_language() or settings.LANGUAGE_CODE
    return active if active in language_codes() else settings.LANGUAGE_CODE


def _digest_enqueue(task: Task, question_id: int) -> None:
    """Ask for the digest once this change has committed (a refresh that starts later reads
    it), DIGEST_DELAY_SECONDS from now where the backend can wait: the answers written
    meanwhile are then read by one refresh and their own requests find a digest newer than
    them (an embedding of every answer after each answer took most of a worker's time)."""
    requested = timezone.now()
    if settings.DIGEST_DELAY_SECONDS and task.get_backend().supports_defer:
        task = task.using(run_after=requested + timedelta(seconds=settings.DIGEST_DELAY_SECONDS))
    task.enqueue(question_id, requested.isoformat())


@transaction.atomic
def answer_create(*, user: User, question: Question, body: str, language: str = "") -> Answer:
    """Publish an answer, tell the question's followers, and follow the question. `language`:
    the one it is written in (the page's when not given)."""
    if question.pk is None or question.status != Status.PUBLISHED:
        raise Http404("No such question")
    body, html = _clean_body(user, body)
    answer = Answer.objects.create(
        question=question,
        author=user,
        body=body,
        body_html=html,
        language=_language(language),
        is_demo=user.is_demo,
    )
    _touch(question.pk, question.disease_id, answer_count=F("answer_count") + 1)
    _notify_followers(answer)
    Follow.objects.bulk_create([Follow(user=user, question=question)], ignore_conflicts=True)
    _answer_changed(answer)
    return answer


# One statement however many members follow the question: the database writes a row per
# follower (a busy question's followers made an answer's write grow with them: 46 followers
# cost about 5 ms of the 22 ms of an answer, docs/benchmarks.md). Written out in full, with
# bound parameters; tests/questions/test_services.py checks the rows it writes.
NOTIFY_FOLLOWERS_SQL = """
INSERT INTO questions_notification (user_id, kind, answer_id, created_at)
SELECT f.user_id, %s, %s, %s FROM questions_follow f
WHERE f.question_id = %s AND f.user_id <> %s
ON CONFLICT DO NOTHING
"""


def _notify_followers(answer: Answer) -> None:
    """Tell the question's followers (not its author) about a new answer, once each."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    kind = Notification.Kind.NEW_ANSWER.value
    with connection.cursor() as cursor:
        cursor.execute(
            NOTIFY_FOLLOWERS_SQL, (kind, answer.pk, now, answer.question_id, answer.author_id)
        )


@transaction.atomic
def answer_update(*, answer: Answer, body: str, language: str = "") -> Answer:
    """Change an answer's text (and the language it says it is in); the earlier text is kept
    as a revision."""
    body, html = _clean_body(answer.author, body)
    language = _language(language or answer.language)
    if body == answer.body:
        if language != answer.language:
            answer.language = language
            answer.save(update_fields=["language"])
            _touch(answer.question_id)
            _answer_changed(answer)
        return answer
    AnswerRevision.objects.create(
        answer=answer,
        body=answer.body,
        body_html=answer.body_html,
        written_at=answer.edited_at or answer.created_at,
    )
    answer.body, answer.body_html, answer.edited_at = body, html, timezone.now()
    answer.language = language
    answer.save(update_fields=["body", "body_html", "edited_at", "language"])
    _touch(answer.question_id)
    _answer_changed(answer)
    return answer


@transaction.atomic
def answer_delete(*, answer: Answer) -> Answer:
    """The author withdraws an answer: it disappears everywhere, its text kept as a revision."""
    AnswerRevision.objects.create(
        answer=answer,
        body=answer.body,
        body_html=answer.body_html,
        written_at=answer.edited_at or answer.created_at,
    )
    return answer_set_status(answer=answer, status=Status.DELETED)


@transaction.atomic
def answer_set_status(*, answer: Answer, status: str) -> Answer:
    """Publish, hide, remove or delete an answer, keeping the counts and reputation true."""
    answer = Answer.objects.select_for_update(no_key=True).get(pk=answer.pk)  # see vote_cast
    was_published = answer.status == Status.PUBLISHED
    answer.status = status
    answer.save(update_fields=["status"])
    is_published = status == Status.PUBLISHED
    if was_published != is_published:
        delta = 1 if is_published else -1
        _touch(answer.question_id, answer_count=F("answer_count") + delta)
        reputation_recompute(user=answer.author)
        _answer_changed(answer)
    return answer


@transaction.atomic
def question_set_status(*, question: Question, status: str) -> Question:
    """Publish (approve), hide or remove a question; approval earns its proposer points."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    was_pending = question.status == Status.PENDING
    was_published = question.status == Status.PUBLISHED
    question.status = status
    question.save(update_fields=["status"])
    _touch(question.pk, status=status)
    if (was_pending or status == Status.PUBLISHED) and question.author is not None:
        reputation_recompute(user=question.author)
    if was_published != (status == Status.PUBLISHED):
        _question_visibility_changed(question.pk)
    return question


def _question_visibility_changed(question_id: int) -> None:
    """Once committed, recount the treatments its answers name: their mentions count only on
    a published question (raremap.treatments, which builds on answers, as in _answer_changed)."""
    from raremap.treatments.tasks import question_mentions_recount_task

    transaction.on_commit(lambda: question_mentions_recount_task.enqueue(question_id))


@transaction.atomic
def vote_cast(*, user: User, answer: Answer, value: int) -> Answer:
    """Vote +1 or -1 on someone else's answer, change the vote, or withdraw it (0).

    The answer row is locked first, so parallel votes by one member count once and parallel
    votes by many members all count.
    """
    if value not in (-1, 0, 1):
        raise ValidationError("A vote is +1, -1 or 0")
    # FOR NO KEY UPDATE (PostgreSQL; SQLite locks the database): only the score changes, and a
    # full row lock also blocks the KEY SHARE lock that rows referring to the answer take —
    # the digest task's new items waited on it while holding the question this vote then
    # updates: a deadlock, seen under the cluster benchmark.
    answer = Answer.objects.select_for_update(no_key=True).only(*VOTE_FIELDS).get(pk=answer.pk)
    if answer.author_id == user.pk:
        raise ValidationError(_("You cannot vote on your own answer."))
    if answer.status != Status.PUBLISHED:
        raise Http404("No such answer")
    previous = Vote.objects.filter(answer=answer, user=user).first()
    old = previous.value if previous else 0
    if old == value:
        return answer
    if value == 0:
        previous.delete()  # type: ignore[union-attr]
    elif previous is None:
        Vote.objects.create(answer=answer, user=user, value=value)
    else:
        previous.value = value
        previous.save(update_fields=["value", "updated_at"])
    answer.score += value - old
    Answer.objects.filter(pk=answer.pk).update(score=F("score") + (value - old))
    _touch(answer.question_id)
    points = reputation.points_for_vote(value) - reputation.points_for_vote(old)
    User.objects.filter(pk=answer.author_id).update(reputation=F("reputation") + points)
    return answer


def reputation_recompute(*, user: User) -> int:
    """A member's reputation from scratch (after a status change or to repair): votes on their
    published answers and their approved questions, by the rule in reputation.py."""
    votes = Vote.objects.filter(answer__author=user, answer__status=Status.PUBLISHED).aggregate(
        points=Sum(
            Case(
                When(value=1, then=reputation.UPVOTE_RECEIVED),
                When(value=-1, then=reputation.DOWNVOTE_RECEIVED),
                output_field=IntegerField(),
            )
        )
    )["points"]
    approved = Question.objects.filter(author=user, status=Status.PUBLISHED, text__gt="").count()
    total = (votes or 0) + approved * reputation.QUESTION_APPROVED
    User.objects.filter(pk=user.pk).update(reputation=total)
    user.reputation = total
    return total


@transaction.atomic
def follow_set(*, user: User, question: Question, follow: bool) -> bool:
    """Follow or stop following a question; returns whether the member now follows it."""
    if follow:
        try:
            with transaction.atomic():
                Follow.objects.get_or_create(user=user, question=question)
        except IntegrityError:  # followed in parallel
            pass
        return True
    Follow.objects.filter(user=user, question=question).delete()
    return False


@transaction.atomic
def contributions_erase(*, user: User, keep_answers: bool) -> set[int]:
    """Take a member who is erasing their account out of questions and answers, keeping every
    count true at once (raremap.privacy.services.account_erase). Returns the questions touched.

    - Their votes go, with the scores and the reputation they gave.
    - Their follows and notifications go.
    - Their answers go with their history; with `keep_answers`, their published answers stay
      (without history) under the row that remains of the account ("deleted member").
    - Questions they proposed go, unless other members' answers (or their own kept ones) hang
      on them: those stay, without an author.
    - Overview versions they wrote or reviewed stay (shared, reviewed text), without their name.
    """
    now = timezone.now()
    votes = Vote.objects.filter(user=user)
    voted = Answer.objects.filter(pk__in=votes.values("answer_id"))
    touched = set(voted.values_list("question_id", flat=True))
    authors = set(voted.exclude(author=user).values_list("author_id", flat=True))
    own_value = votes.filter(answer=OuterRef("pk")).values("value")[:1]
    voted.update(score=F("score") - Subquery(own_value))
    votes.delete()
    Follow.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()

    own = Answer.objects.filter(author=user)
    touched |= set(own.values_list("question_id", flat=True))
    AnswerRevision.objects.filter(answer__author=user).delete()
    gone = own.exclude(status=Status.PUBLISHED) if keep_answers else own
    published_gone = gone.filter(status=Status.PUBLISHED).values("question_id")
    for row in published_gone.annotate(n=Count("id")).order_by():
        _touch(row["question_id"], answer_count=F("answer_count") - row["n"])
    digests = set(gone.values_list("question_id", flat=True))
    gone.delete()

    proposed = Question.objects.filter(author=user)
    lonely = proposed.exclude(pk__in=Answer.objects.values("question_id"))
    if keep_answers:  # what was published is among what they chose to leave
        lonely = lonely.exclude(status=Status.PUBLISHED)
    for disease_id in set(lonely.values_list("disease_id", flat=True)):
        _questions_changed(disease_id)
    lonely.delete()
    proposed.update(author=None)
    OverviewRevision.objects.filter(editor=user).update(editor=None)
    OverviewRevision.objects.filter(reviewed_by=user).update(reviewed_by=None)

    touched = set(Question.objects.filter(pk__in=touched).values_list("pk", flat=True))
    Question.objects.filter(pk__in=touched).update(changed_at=now)
    for author in User.objects.filter(pk__in=authors):
        reputation_recompute(user=author)
    for question_id in sorted(digests & touched):  # what members say, without their answers
        transaction.on_commit(partial(_digest_enqueue_by_id, question_id))
    return touched


def _digest_enqueue_by_id(question_id: int) -> None:
    from raremap.questions.tasks import digest_refresh

    _digest_enqueue(digest_refresh, question_id)


def notification_mark_read(*, user: User) -> int:
    """Mark everything read but new messages: those are read by opening their conversation
    (raremap.connections), so the inbox and the header never disagree."""
    return (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .exclude(kind=Notification.Kind.NEW_MESSAGE)
        .update(read_at=timezone.now())
    )


@transaction.atomic
def overview_edit(
    *,
    question: Question,
    editor: User,
    body: str,
    sources: str = "",
    summary: str = "",
    reverted_from: int | None = None,
) -> OverviewRevision:
    """Write a new version of the editor section; it starts "not yet reviewed"."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Please write the overview text."))
    if len(body) > settings.ANSWER_MAX_LENGTH:
        raise ValidationError(
            _("Please keep the overview under %(count)d characters.")
            % {"count": settings.ANSWER_MAX_LENGTH}
        )
    sources = "\n".join(line.strip() for line in (sources or "").splitlines() if line.strip())
    # Lock the question so two editors cannot take the same number.
    Question.objects.select_for_update().filter(pk=question.pk).first()
    last = question.overview_revisions.aggregate(n=Max("number"))["n"] or 0
    _touch(question.pk)
    return OverviewRevision.objects.create(
        question=question,
        number=last + 1,
        body=body,
        body_html=render_markdown(body),
        sources=sources,
        sources_html=render_markdown("\n".join(f"1. {line}" for line in sources.splitlines())),
        summary=plain_text(summary, limit=200),
        editor=editor,
        reverted_from=reverted_from,
        is_demo=editor.is_demo,
    )


def overview_revert(*, question: Question, editor: User, number: int) -> OverviewRevision:
    """Bring back an earlier version as a new one (history only grows)."""
    old = question.overview_revisions.filter(number=number).first()
    if old is None:
        raise Http404("No such version")
    return overview_edit(
        question=question,
        editor=editor,
        body=old.body,
        sources=old.sources,
        summary=_("Reverted to version %(number)d") % {"number": number},
        reverted_from=number,
    )


def overview_review(*, revision: OverviewRevision, reviewer: User) -> OverviewRevision:
    """A verified healthcare professional or a moderator marks a version as reviewed, never
    one they wrote (raremap.questions.permissions.can_review_overview)."""
    if not can_review_overview(reviewer, revision):
        raise PermissionDenied
    revision.reviewed_by, revision.reviewed_at = reviewer, timezone.now()
    revision.reviewed_as = review_capacity(reviewer)
    revision.save(update_fields=["reviewed_by", "reviewed_at", "reviewed_as"])
    _touch(revision.question_id)
    return revision


def _email_line(notification: Notification, base_url: str) -> str:
    """One line of a notification email: a title and a link, never member text."""
    kind = Notification.Kind
    if notification.kind == kind.NEW_ANSWER:
        question = notification.answer.question  # type: ignore[union-attr]
        path = reverse("questions:answer-detail", args=[notification.answer_id])
        return f"- {question.title}\n  {base_url}{path}"
    if notification.kind == kind.CONNECTION_REQUEST:
        name = notification.connection.requester.display_name  # type: ignore[union-attr]
        title = _("%(name)s wants to connect") % {"name": name}
        path = reverse("connections:connection-list")
    elif notification.kind == kind.CONNECTION_ACCEPTED:
        connection = notification.connection
        name = connection.recipient.display_name  # type: ignore[union-attr]
        title = _("%(name)s accepted your request to connect") % {"name": name}
        path = reverse(
            "connections:conversation-detail",
            args=[connection.conversation.public_id],  # type: ignore[union-attr]
        )
    else:
        connection = notification.conversation.connection  # type: ignore[union-attr]
        other = (
            connection.requester
            if connection.recipient_id == notification.user_id
            else connection.recipient
        )
        title = _("New message from %(name)s") % {"name": other.display_name}
        path = reverse(
            "connections:conversation-detail",
            args=[notification.conversation.public_id],  # type: ignore[union-attr]
        )
    return f"- {title}\n  {base_url}{path}"


def _notification_email(
    user: User, notifications: list[Notification], base_url: str
) -> EmailMessage:
    # The settings page, at the box that stops these emails (log-in first if need be).
    settings_url = f"{base_url}{reverse('accounts:settings')}#id_notification_emails"
    lines = [_email_line(n, base_url) for n in notifications]
    body = _(
        "Hello %(name)s,\n\nHere is what is new for you on RareMap:\n\n%(lines)s\n\n"
        "To stop these emails, change your settings:\n%(settings)s"
    ) % {"name": user.display_name, "lines": "\n".join(lines), "settings": settings_url}
    return EmailMessage(
        _("New on RareMap"),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        # Mail programs show it as an "unsubscribe" button (RFC 2369).
        headers={"List-Unsubscribe": f"<{settings_url}>"},
    )


def notification_emails_send(*, base_url: str) -> int:
    """Email each member who has not turned it off (it is on from sign-up) one message listing
    their new, unread, not yet emailed notifications (titles and links only: no member text in
    email — never an answer, a connection note or a message), with a link to the setting that
    stops them. Demo members (addresses that cannot receive mail) get none. Returns how many
    emails went out. Does nothing unless settings.NOTIFICATION_EMAILS is on."""
    if not settings.NOTIFICATION_EMAILS:
        return 0
    pending = (
        Notification.objects.filter(
            notification_visible_q(),
            read_at__isnull=True,
            emailed_at__isnull=True,
            user__is_active=True,
            user__is_demo=False,
            user__notification_emails=True,
        )
        .select_related(
            "user",
            "answer__question__disease",
            "connection__requester",
            "connection__recipient",
            "connection__conversation",
            "conversation__connection__requester",
            "conversation__connection__recipient",
        )
        .order_by("user_id", "id")
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in pending:
        by_user.setdefault(notification.user_id, []).append(notification)
    sent = 0
    base_url = base_url.rstrip("/")
    for notifications in by_user.values():
        user = notifications[0].user
        with translation.override(user.language):  # the member's language, links included
            _notification_email(user, notifications, base_url).send()
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            emailed_at=timezone.now()
        )
        sent += 1
    return sent
