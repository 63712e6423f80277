import re
import sys
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.demo import demo_seed
from raremap.communities.models import Membership, Role
from raremap.questions.demo import ANSWERS, DEMO_NOTICE, MOHS_VITAMIN_D, seed_demo_questions
from raremap.questions.models import Answer, OverviewRevision, Question, Status, Vote
from raremap.questions.services import answer_create, overview_edit, question_ensure
from tests.factories import MembershipFactory

MEMBERS = 150
PLANNED = sum(len(answers) for questions in ANSWERS.values() for answers in questions.values())


@pytest.fixture(autouse=True)
def _no_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seeder computes each question's digest; embedding ~100 answers per seed would make
    each test here take half a minute. The digest itself is tested in test_digest.py."""
    monkeypatch.setattr("raremap.questions.digest.digest_refresh", lambda *, question: [])


def _seed(members: int = MEMBERS) -> dict[str, int]:
    demo_seed(members=members)
    return seed_demo_questions()


def _answers() -> list[tuple]:
    """Every seeded answer as data: question, text, language, author, score (no ids, dates)."""
    return list(
        Answer.objects.order_by(
            "question__disease__primary_code", "question__slug", "body"
        ).values_list(
            "question__disease__primary_code",
            "question__slug",
            "body",
            "language",
            "author__email",
            "score",
            "status",
        )
    )


def _overviews() -> list[tuple]:
    return list(
        OverviewRevision.objects.order_by(
            "question__slug", "question__disease_id", "number"
        ).values_list(
            "question__disease__primary_code",
            "question__slug",
            "number",
            "body",
            "sources",
            "editor__email",
            "reviewed_by__email",
        )
    )


def _tables() -> dict[str, int]:
    return {
        "answers": Answer.objects.count(),
        "votes": Vote.objects.count(),
        "overviews": OverviewRevision.objects.count(),
        "memberships": Membership.objects.count(),
        "questions": Question.objects.count(),
    }


def _counts_are_true() -> None:
    for question in Question.objects.all():
        published = question.answers.filter(status=Status.PUBLISHED).count()
        assert question.answer_count == published, question
    for answer in Answer.objects.annotate(total=Sum("votes__value")):
        assert answer.score == (answer.total or 0), answer
    received = User.objects.annotate(
        up=Count("answers__votes", filter=Q(answers__votes__value=1)),
        down=Count("answers__votes", filter=Q(answers__votes__value=-1)),
    )
    for user in received:
        assert user.reputation == 10 * user.up - 2 * user.down, user


@pytest.mark.django_db
def test_seeds_every_planned_answer_with_votes_and_overviews() -> None:
    counts = _seed()

    assert counts["answers"] == PLANNED == Answer.objects.count()
    assert counts["votes"] == Vote.objects.count() > PLANNED
    assert counts["overviews"] == OverviewRevision.objects.count() == 6
    assert counts["questions"] == Question.objects.filter(answers__isnull=False).distinct().count()
    assert counts["memberships"] > 0  # DFSP needs more patients than 150 demo members bring
    _counts_are_true()


@pytest.mark.django_db
def test_dfsp_best_treatments_has_a_page_of_answers_with_both_benchmark_sentences(
    dfsp: Disease,
) -> None:
    _seed()

    question = Question.objects.get(disease=dfsp, slug="best-treatments")
    answers = question.answers.filter(status=Status.PUBLISHED)
    planned = len(ANSWERS["ORPHA:31112"]["best-treatments"])
    assert question.answer_count == answers.count() == planned
    assert answers.count() >= 30
    assert answers.filter(body=MOHS_VITAMIN_D).count() == 1
    assert answers.filter(body__contains="Gleevec").count() >= 1
    assert answers.filter(body__contains="Mohs").count() >= 10
    scores = sorted(answers.values_list("score", flat=True))
    assert len(set(scores)) >= 8  # a realistic spread, not all alike
    assert scores[-1] >= 10
    assert scores[0] <= 0
    slugs = set(Question.objects.filter(disease=dfsp).values_list("slug", flat=True))
    assert {"symptoms", "diagnosis", "is-it-hereditary", "life-expectancy"} <= slugs


@pytest.mark.django_db
def test_answers_are_in_several_languages_mostly_english() -> None:
    _seed()

    languages = dict(
        Answer.objects.values("language").annotate(n=Count("id")).values_list("language", "n")
    )
    assert set(languages) == {"en", "es", "fr", "de", "pt"}
    assert languages["en"] > sum(languages.values()) / 2
    assert languages["es"] > languages["fr"]
    spanish = Answer.objects.filter(language="es").values_list("body", flat=True)
    assert any("cirugía de Mohs" in body for body in spanish)


@pytest.mark.django_db
def test_everything_seeded_is_demo_and_written_by_members_of_the_community() -> None:
    _seed()

    assert not Answer.objects.filter(Q(is_demo=False) | Q(author__is_demo=False)).exists()
    assert not Vote.objects.filter(user__is_demo=False).exists()
    assert not OverviewRevision.objects.filter(
        Q(is_demo=False) | Q(editor__is_demo=False) | Q(editor__isnull=True)
    ).exists()
    for answer in Answer.objects.select_related("question"):
        assert Membership.objects.filter(
            user_id=answer.author_id, disease_id=answer.question.disease_id
        ).exists()
    # Each member answers a question once.
    per_author = Answer.objects.values("question", "author").annotate(n=Count("id"))
    assert {row["n"] for row in per_author} == {1}
    assert not Vote.objects.filter(answer__author=F("user")).exists()


@pytest.mark.django_db
def test_roles_match_the_answers() -> None:
    _seed()

    def role(body: str) -> str:
        answer = Answer.objects.select_related("question").get(body=body)
        return Membership.objects.get(
            user_id=answer.author_id, disease_id=answer.question.disease_id
        ).role

    assert role(MOHS_VITAMIN_D) == Role.PATIENT
    nurse = Answer.objects.get(body__startswith="I'm a dermatology nurse")
    assert role(nurse.body) == Role.PROFESSIONAL
    husband = Answer.objects.get(body__startswith="My husband had Mohs")
    assert role(husband.body) == Role.RELATIVE


@pytest.mark.django_db
def test_overviews_are_labelled_cite_sources_and_dfsp_treatments_has_a_reviewed_history(
    dfsp: Disease,
) -> None:
    _seed()

    for revision in OverviewRevision.objects.all():
        assert revision.body.startswith(DEMO_NOTICE)
        assert "demo editor text" in revision.body_html
        assert revision.sources_html.count('<a href="https://') >= 2
    question = Question.objects.get(disease=dfsp, slug="best-treatments")
    first, second = question.overview_revisions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.created_at < second.created_at
    assert "https://www.orpha.net/en/disease/detail/31112" in second.sources
    assert "imatinib" in second.body
    assert first.reviewed_by is None
    assert second.reviewed_by is not None
    assert second.reviewed_by.is_demo is True
    assert second.reviewed_by != second.editor
    for member in (second.editor, second.reviewed_by):
        assert Membership.objects.get(user=member, disease=dfsp).role == Role.PROFESSIONAL
    reviewed = OverviewRevision.objects.filter(reviewed_by__isnull=False)
    assert list(reviewed) == [second]
    with_overviews = set(
        OverviewRevision.objects.values_list("question__disease__primary_code", "question__slug")
    )
    assert with_overviews == {
        ("ORPHA:31112", "best-treatments"),
        ("ORPHA:31112", "symptoms"),
        ("ORPHA:31112", "is-it-hereditary"),
        ("ORPHA:399", "is-it-hereditary"),
        ("ORPHA:586", "best-treatments"),
    }


@pytest.mark.django_db
def test_dates_spread_over_two_years_and_follow_the_ids(dfsp: Disease) -> None:
    _seed()

    question = Question.objects.get(disease=dfsp, slug="best-treatments")
    dates = list(question.answers.order_by("id").values_list("created_at", flat=True))
    assert dates == sorted(dates)
    assert (dates[-1] - dates[0]).days >= 365
    assert all((dates[-1] - date).days <= 730 for date in dates)


@pytest.mark.django_db
def test_same_demo_community_gives_the_same_answers_scores_and_overviews() -> None:
    _seed()
    answers, overviews = _answers(), _overviews()
    demo_seed(members=0)  # members go, and their answers and votes with them

    _seed()

    assert _answers() == answers
    assert _overviews() == overviews
    _counts_are_true()


@pytest.mark.django_db
def test_second_run_adds_nothing() -> None:
    _seed()
    before, answers, overviews = _tables(), _answers(), _overviews()

    counts = seed_demo_questions()

    assert counts == dict.fromkeys(counts, 0)
    assert _tables() == before
    assert _answers() == answers
    assert _overviews() == overviews


@pytest.mark.django_db
def test_shrinking_the_demo_community_keeps_counts_true_and_refills() -> None:
    _seed()
    demo_seed(members=120)  # some authors and voters go without the services

    seed_demo_questions()

    _counts_are_true()
    assert Answer.objects.count() == PLANNED
    assert not OverviewRevision.objects.filter(editor__isnull=True).exists()


@pytest.mark.django_db
def test_removing_the_demo_community_removes_its_content_and_fixes_counts() -> None:
    _seed()

    demo_seed(members=0)
    counts = seed_demo_questions()

    assert counts == dict.fromkeys(counts, 0)
    assert Answer.objects.count() == 0
    assert OverviewRevision.objects.count() == 0
    assert set(Question.objects.values_list("answer_count", flat=True)) == {0}


@pytest.mark.django_db
def test_too_few_demo_members_write_nothing() -> None:
    counts = _seed(members=50)

    assert counts == dict.fromkeys(counts, 0)
    assert Answer.objects.count() == 0


@pytest.mark.django_db
def test_real_members_content_stays_and_real_editors_keep_their_overview(dfsp: Disease) -> None:
    real = MembershipFactory(disease=dfsp, role=Role.PROFESSIONAL).user
    question = question_ensure(disease=dfsp, slug="symptoms")
    answer_create(user=real, question=question, body="A real member's own answer.")
    overview_edit(question=question, editor=real, body="A real editor's overview.")

    _seed()

    assert question.overview_revisions.get().body == "A real editor's overview."
    assert Answer.objects.filter(author=real).count() == 1
    question.refresh_from_db()
    assert question.answer_count == 1 + len(ANSWERS["ORPHA:31112"]["symptoms"])
    real.refresh_from_db()
    assert (real.is_demo, real.reputation) == (False, 0)
    assert Membership.objects.filter(user=real).count() == 1


@pytest.mark.django_db
def test_command_seeds_questions_then_reports_them_current() -> None:
    out = StringIO()

    call_command("seed-demo", "--members", str(MEMBERS), stdout=out)
    call_command("seed-demo", "--members", str(MEMBERS), stdout=out)

    # The demo treatment reports have a line of their own in each run and join members too
    # (tests/treatments/test_demo.py).
    text = out.getvalue()
    for_treatments = re.search(r"\((\d+) memberships and", text)
    for_map = re.search(r"Demo map: .*\((\d+) memberships added\)", text)  # tests/atlas
    lines = [line for line in text.splitlines() if "treatment" not in line and "map" not in line]
    assert len(lines) == 4
    seeded = re.search(r"(\d+) memberships added\)", lines[0])
    joined = (
        Membership.objects.count()
        - int(seeded[1])  # type: ignore[index]
        - int(for_treatments[1])  # type: ignore[index]
        - int(for_map[1])  # type: ignore[index]
    )
    questions = Question.objects.filter(answers__isnull=False).distinct().count()
    assert lines[1] == (
        f"Demo questions: {PLANNED} answers to {questions} questions, "
        f"{Vote.objects.count():,} votes, 6 overview versions ({joined} memberships added)."
    )
    assert lines[2:] == [
        f"Demo community is current ({MEMBERS} members).",
        "Demo questions and answers are current.",
    ]


@pytest.mark.django_db
def test_digests_are_refreshed_once_per_seeded_question_when_the_module_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refreshed: list[int] = []

    def digest_refresh(*, question: Question) -> list:
        refreshed.append(question.pk)
        return []

    fake = SimpleNamespace(digest_refresh=digest_refresh)
    monkeypatch.setitem(sys.modules, "raremap.questions.digest", fake)
    _seed()
    seeded = sorted(
        Question.objects.filter(Q(answers__isnull=False) | Q(overview_revisions__isnull=False))
        .distinct()
        .values_list("pk", flat=True)
    )
    # answer_create asks for a refresh once its transaction commits (never, inside a test's
    # transaction); the seeder computes each seeded question's digest itself, once.
    assert refreshed == seeded
    refreshed.clear()

    seed_demo_questions()

    assert refreshed == []
