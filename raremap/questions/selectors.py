"""Question and answer reads, shaped for the pages and the API.

Only PUBLISHED questions and answers are ever returned to members; moderators see the rest
through raremap.moderation. Every list has a constant number of queries.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils.translation import get_language, override

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role, RoleVerification
from raremap.communities.selectors import role_standing
from raremap.questions.models import (
    Answer,
    DigestItem,
    Notification,
    OverviewRevision,
    Question,
    Status,
)
from raremap.questions.standard import BY_SLUG, STANDARD_QUESTIONS

ANSWERS_PER_PAGE = 30
# "language": answers in the page's language first, then by votes.
SORTS = ("score", "newest", "language")


@dataclass(frozen=True)
class QuestionItem:
    slug: str
    title: str
    label: str
    answer_count: int
    top: bool
    standard: bool = True
    title_template: str = ""  # a standard question's title with %(disease)s, for question_title


QUESTION_ROWS_SECONDS = 10 * 60


@lru_cache(maxsize=4096)
def _standard_titles(
    language: str, disease_title: str
) -> tuple[tuple[str, str, str, bool, str], ...]:
    """The standard questions of one disease in one language: (slug, title, label, top, title
    template). Remembered: every disease page and question page lists them."""
    with override(language):
        return tuple(
            (q.slug, q.title_for(disease_title), str(q.label), q.top, str(q.title))
            for q in STANDARD_QUESTIONS
        )


def question_rows_cache_key(disease_id: int) -> str:
    return f"questions:rows:{disease_id}"


def question_list(disease: Disease, *, cached: list | None = None) -> list[QuestionItem]:
    """Every standard question of a disease (row or not) and its approved proposed ones.

    The rows are cached per disease (`question_rows_cache_key`; `cached`: what a caller read
    from it together with other entries); the question services forget them when a count or a
    status changes."""
    key = question_rows_cache_key(disease.pk)
    if cached is None:
        cached = cache.get(key)
    if cached is None:
        cached = list(
            Question.objects.filter(disease=disease, status=Status.PUBLISHED).values_list(
                "slug", "text", "answer_count"
            )
        )
        cache.set(key, cached, QUESTION_ROWS_SECONDS)
    counts = {slug: count for slug, text, count in cached if not text}
    language = get_language() or "en"
    items = [
        QuestionItem(
            slug=slug,
            title=title,
            label=label,
            answer_count=counts.get(slug, 0),
            top=top,
            title_template=template,
        )
        for slug, title, label, top, template in _standard_titles(
            language, disease.display_title(language)
        )
    ]
    proposed = sorted((row for row in cached if row[1]), key=lambda row: (-row[2], row[1]))
    for slug, text, count in proposed:
        items.append(
            QuestionItem(
                slug=slug, title=text, label=text, answer_count=count, top=False, standard=False
            )
        )
    return items


# The reads every member's question page makes are written out in SQL rather than built by the
# ORM: building each costs 0.2–0.4 ms, ten times what running it costs (docs/architecture.md,
# "Reads every request makes"). tests/questions/test_selectors.py compares each with the ORM
# query it stands for.
QUESTION_SQL = "SELECT * FROM questions_question WHERE disease_id = %s AND slug = %s"
VOTES_SQL = """
SELECT v.answer_id, v.value FROM questions_vote v
INNER JOIN questions_answer a ON a.id = v.answer_id
WHERE v.user_id = %s AND a.question_id = %s
"""
FOLLOW_SQL = "SELECT 1 FROM questions_follow WHERE user_id = %s AND question_id = %s"


def question_get(disease: Disease, slug: str) -> Question:
    """A published question, or an unsaved standard one (no row until something is written).

    Raises Http404 for unknown slugs and for questions that are pending, hidden or removed.
    """
    question = next(iter(Question.objects.raw(QUESTION_SQL, [disease.pk, slug])), None)
    if question is None:
        if slug not in BY_SLUG:
            raise Http404("No such question")
        question = Question(disease=disease, slug=slug)
    if question.status != Status.PUBLISHED:
        raise Http404("No such question")
    question.disease = disease  # the caller's (cached) disease: no query for the title
    return question


@dataclass
class AnswerPage:
    answers: list[Answer]
    sort: str
    number: int
    total: int
    per_page: int = ANSWERS_PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def answer_page(question: Question, *, sort: str = "score", number: int = 1) -> AnswerPage:
    """One page of a question's published answers, with each author's role in the community
    (`author_role`, `author_role_label`, and `author_role_standing`: verified or self-declared).

    One query whatever the number of answers; the total comes from the kept count, not a
    COUNT(*).
    """
    sort = sort if sort in SORTS else "score"
    total = question.answer_count if question.pk else 0
    page = AnswerPage(answers=[], sort=sort, number=1, total=total)
    page.number = min(max(number, 1), page.pages)
    if not total:
        return page
    order: tuple[Any, ...] = ("-id",) if sort == "newest" else ("-score", "-id")
    if sort == "language":
        own = Case(When(language=get_language(), then=0), default=1)
        order = (own, *order)
    role = Membership.objects.filter(user=OuterRef("author_id"), disease=question.disease_id)
    start = (page.number - 1) * ANSWERS_PER_PAGE
    page.answers = list(
        Answer.objects.filter(question=question, status=Status.PUBLISHED)
        .select_related("author")
        .only(
            "id",
            "body_html",
            "language",
            "score",
            "is_demo",
            "created_at",
            "edited_at",
            "question_id",
            "author__id",
            "author__display_name",
            "author__reputation",
            "author__is_demo",
            "author__public_id",
            "author__profile_public",
            "author__is_active",
        )
        .annotate(
            author_role=Subquery(role.values("role")[:1]),
            author_verified=Exists(
                RoleVerification.objects.filter(
                    user=OuterRef("author_id"), role=OuterRef("author_role"), revoked_at=None
                )
            ),
        )
        .order_by(*order)[start : start + ANSWERS_PER_PAGE]
    )
    for answer in page.answers:
        role = answer.author_role  # type: ignore[attr-defined]
        answer.author_role_label = Role(role).label if role else ""  # type: ignore[attr-defined]
        answer.author_role_standing = (  # type: ignore[attr-defined]
            role_standing(role, answer.author_verified) if role else ""  # type: ignore[attr-defined]
        )
    return page


def answer_count_members(page: AnswerPage, question: Question) -> int:
    """How many published answers by members (not demo answers) a question has: counted from
    `page` (one of its pages of answers) when that shows them all, else in the database."""
    if page.pages == 1:
        return sum(1 for answer in page.answers if not answer.is_demo)
    return Answer.objects.filter(question=question, status=Status.PUBLISHED, is_demo=False).count()


def vote_map(user: User, question: Question) -> dict[int, int]:
    """The member's votes on a question's answers: answer id → +1 or -1 (one query; none if
    anonymous)."""
    if not user.is_authenticated or question.pk is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(VOTES_SQL, [user.pk, question.pk])
        return dict(cursor.fetchall())


def answer_get_for_author(*, user: User, answer_id: int) -> Answer:
    """The viewer's own published answer (to edit or delete it); 404 for anything else."""
    answer = (
        Answer.objects.select_related("question__disease", "author")
        .filter(pk=answer_id, author=user, status=Status.PUBLISHED, question__status="published")
        .first()
    )
    if answer is None or not user.is_authenticated:
        raise Http404("No such answer")
    return answer


@dataclass(frozen=True)
class AnswerPlace:
    """Where a published answer is shown: its question and the page of its answers (sorted
    by votes, the default) that holds it."""

    question: Question
    page: int


def answer_place(answer_id: int) -> AnswerPlace:
    """The question and page of a published answer (on a published question), or 404. Two
    queries: the answer, and how many answers come before it (`answer_by_score`)."""
    answers = Answer.objects.select_related("question__disease").only("id", "score", "question")
    answer = _visible_answer(answers, answer_id)
    # The order of answer_page(sort="score"): score, then newest first.
    before = Answer.objects.filter(question_id=answer.question_id, status=Status.PUBLISHED).filter(
        Q(score__gt=answer.score) | Q(score=answer.score, id__gt=answer.pk)
    )
    return AnswerPlace(question=answer.question, page=before.count() // ANSWERS_PER_PAGE + 1)


def answer_get_published(answer_id: int) -> Answer:
    """An answer anyone may see (published, on a published question), or 404; with its
    author's role in the community (`author_role`)."""
    role = Membership.objects.filter(
        user=OuterRef("author_id"), disease=OuterRef("question__disease_id")
    )
    answers = Answer.objects.select_related("question__disease", "author").annotate(
        author_role=Subquery(role.values("role")[:1])
    )
    return _visible_answer(answers, answer_id)


# What a vote reads of its answer (a vote is the most frequent write).
VOTE_FIELDS = ("id", "author_id", "question_id", "status", "score")


def answer_to_vote_on(answer_id: int) -> Answer:
    """A published answer on a published question, or 404, with only VOTE_FIELDS."""
    return _visible_answer(Answer.objects.only(*VOTE_FIELDS), answer_id)


def _visible_answer(answers: QuerySet[Answer], answer_id: int) -> Answer:
    """The answer among `answers` if anyone may see it (published, on a published question);
    Http404 otherwise."""
    answer = answers.filter(
        pk=answer_id, status=Status.PUBLISHED, question__status=Status.PUBLISHED
    ).first()
    if answer is None:
        raise Http404("No such answer")
    return answer


def overview_current(question: Question) -> OverviewRevision | None:
    if question.pk is None:
        return None
    return (
        OverviewRevision.objects.filter(question=question)
        .select_related("editor", "reviewed_by")
        .order_by("-number")
        .first()
    )


def overview_history(question: Question) -> list[OverviewRevision]:
    if question.pk is None:
        return []
    return list(
        OverviewRevision.objects.filter(question=question)
        .select_related("editor", "reviewed_by")
        .order_by("-number")
    )


def digest_list(question: Question) -> list[DigestItem]:
    """The digest's answers that are still published: a hidden answer leaves at once."""
    if question.pk is None or question.digest_updated_at is None:
        return []
    return list(
        DigestItem.objects.filter(question=question, answer__status=Status.PUBLISHED)
        .select_related("answer__author")
        .order_by("rank")
    )


def follow_exists(user: User, question: Question) -> bool:
    if not user.is_authenticated or question.pk is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(FOLLOW_SQL, [user.pk, question.pk])
        return cursor.fetchone() is not None


# Connection states as raremap.connections names them (that app builds on this one, so they
# are spelt out here; a test keeps them in step).
_PENDING, _ACCEPTED = "pending", "accepted"
_KIND = Notification.Kind


def notification_visible_q() -> Q:
    """Notifications about what their member may still see: a published answer, a request
    still waiting, a connection or a conversation that still holds (ending a connection or
    blocking makes its notifications disappear)."""
    return (
        Q(
            kind=_KIND.NEW_ANSWER,
            answer__status=Status.PUBLISHED,
            answer__question__status=Status.PUBLISHED,
        )
        | Q(kind=_KIND.CONNECTION_REQUEST, connection__state=_PENDING)
        | Q(kind=_KIND.CONNECTION_ACCEPTED, connection__state=_ACCEPTED)
        | Q(kind=_KIND.NEW_MESSAGE, conversation__connection__state=_ACCEPTED)
    )


def notification_list(user: User, *, limit: int = 50) -> list[Notification]:
    """A member's newest notifications about what they may still see. Never any member text
    but display names and question titles."""
    # New answers (most notifications) come joined; connection and message notifications,
    # when there are any, bring their members in one more query each: fourteen tables in one
    # query took PostgreSQL 5.5 ms to plan and 0.9 ms to run. An answer's text and its
    # author's profile are never shown here.
    rows = list(
        Notification.objects.filter(notification_visible_q(), user=user)
        .select_related("answer__author", "answer__question__disease")
        .defer("answer__body", "answer__body_html", "answer__author__bio")
        .defer("answer__author__bio_html")
        .order_by("-id")[:limit]
    )
    people = ("requester", "recipient")
    # The models of raremap.connections, which builds on this app, by their relation.
    connection_model = Notification._meta.get_field("connection").related_model
    conversation_model = Notification._meta.get_field("conversation").related_model
    if requests := [n for n in rows if n.connection_id]:
        joined = connection_model._default_manager.select_related(*people, "conversation")
        prefetch_related_objects(requests, Prefetch("connection", queryset=joined))
    if messages := [n for n in rows if n.conversation_id]:
        joined = conversation_model._default_manager.select_related(
            *(f"connection__{person}" for person in people)
        )
        prefetch_related_objects(messages, Prefetch("conversation", queryset=joined))
    return rows


def notification_unread(user_id: int | Expression, *, messages: bool) -> QuerySet:
    """A member's unread notifications about what they may still see: "messages"
    (conversations with something new) or "notifications" (everything else)."""
    unread = Notification.objects.filter(notification_visible_q(), user=user_id, read_at=None)
    if messages:
        return unread.filter(kind=_KIND.NEW_MESSAGE)
    return unread.exclude(kind=_KIND.NEW_MESSAGE)


@dataclass(frozen=True)
class FollowedQuestion:
    """A question the member follows, with how many of its answers they have not read."""

    disease_slug: str
    slug: str
    title: str
    new_answers: int


def followed_question_list(user: User, *, limit: int = 5) -> list[FollowedQuestion]:
    """The followed questions with new answers (unread notifications the member may still
    see), the most recent first, in one query; each with its title in the active language."""
    rows = (
        notification_unread(user.pk, messages=False)
        .filter(kind=_KIND.NEW_ANSWER)
        .values(
            "answer__question__slug",
            "answer__question__text",
            "answer__question__disease__slug",
            "answer__question__disease__name",
            "answer__question__disease__abbreviation",
            "answer__question__disease__local_names",
        )
        .annotate(new=Count("pk"), newest=Max("pk"))
        .order_by("-newest")[:limit]
    )
    followed = []
    for row in rows:
        disease = Disease(
            slug=row["answer__question__disease__slug"],
            name=row["answer__question__disease__name"],
            abbreviation=row["answer__question__disease__abbreviation"],
            local_names=row["answer__question__disease__local_names"],
        )
        question = Question(
            disease=disease, slug=row["answer__question__slug"], text=row["answer__question__text"]
        )
        followed.append(FollowedQuestion(disease.slug, question.slug, question.title, row["new"]))
    return followed


# The header's counts on every member's page (raremap.accounts.nav): `notification_unread`
# for both kinds in one statement, written out in SQL like the question page's reads above,
# with the constants of notification_visible_q written in (bound, they made SQLite run the
# statement four times slower: 100 µs against 24). tests/questions/test_selectors.py compares
# it with `notification_unread` over every kind and state.
UNREAD_SQL = """
SELECT
    COUNT(CASE WHEN n.kind <> 'new_message' THEN 1 END),
    COUNT(CASE WHEN n.kind = 'new_message' THEN 1 END)
FROM questions_notification n
LEFT OUTER JOIN questions_answer a ON a.id = n.answer_id
LEFT OUTER JOIN questions_question q ON q.id = a.question_id
LEFT OUTER JOIN connections_connection c ON c.id = n.connection_id
LEFT OUTER JOIN connections_conversation v ON v.id = n.conversation_id
LEFT OUTER JOIN connections_connection vc ON vc.id = v.connection_id
WHERE n.user_id = %s AND n.read_at IS NULL AND (
    (n.kind = 'new_answer' AND a.status = 'published' AND q.status = 'published')
    OR (n.kind = 'connection_request' AND c.state = 'pending')
    OR (n.kind = 'connection_accepted' AND c.state = 'accepted')
    OR (n.kind = 'new_message' AND vc.state = 'accepted')
)
"""


def unread_counts(user_id: int) -> dict[str, int]:
    """The header's counts of a member's unread notifications: "notifications" and "messages"
    (raremap.accounts.nav)."""
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_SQL, [user_id])
        notifications, messages = cursor.fetchone()
    return {"notifications": notifications, "messages": messages}
