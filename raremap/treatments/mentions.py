"""Treatments named in community answers: a dictionary match over the approved vocabulary.

The text is cut into words the way `normalize_name` cuts names (lower case, accents folded,
punctuation as separators), then read left to right: at each word the longest vocabulary name
that starts there wins ("wide local excision" before "excision"), so a name never matches
inside a longer word ("iron" is not found in "environment"). Brand names and synonyms lead to
their treatment ("Gleevec" → imatinib). A match is *negated* when a negation ("no", "not",
"never", "without", "didn't", "nunca", "sin" …) stands within three words before it in the same
clause; an answer's mention is negated only if every occurrence is.

Package names (drug-named-entity-recognition) are noisy, so some are never matched: names
of one or two letters, names with an English function word ("all clear", "or pen"), names in
data/mention_stoplist.txt (common words such as "water", "oxygen", "rice", "gold"), and codes
of four letters or fewer unless written with a capital ("IVIG", "Ofev", not "caps"). Our
curated names (data/curated.csv) are always matched. See docs/treatments.md.

The dictionary is built once per process and rebuilt when the vocabulary changes (a cheap
signature query per use tells).
"""

import re
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Max, Min, Sum

from raremap.questions.models import Answer, Status
from raremap.treatments.activity import mention_counts_refresh
from raremap.treatments.models import Treatment, TreatmentMention, TreatmentName, TreatmentStatus
from raremap.treatments.vocabulary import CURATED

STOPLIST_FILE = Path(__file__).parent / "data" / "mention_stoplist.txt"
NEGATION_WINDOW = 3  # words before a name that a negation may stand in
SHORT_CODE = 4  # package names of this many characters or fewer need a capital letter


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# English and Spanish function words: a package name holding one is a phrase, not a drug.
FUNCTION_WORDS = _words(
    """about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further go had has have having he her here hers him his how i if in into is it its
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your el la los las un una y o del al con por para es que se su sus"""
)
NEGATIONS = _words(
    """no not never without nor neither cannot didn doesn haven hasn hadn wasn weren wouldn
    couldn shouldn isn aren didnt dont doesnt havent hasnt wont cant nunca sin ni tampoco
    jamas"""
)
# A package name ending in one of these names a molecule of the body or a lab value ("sodium
# channels", "C-reactive protein", "thyroid stimulating antibodies"), not a treatment.
NOT_TREATMENT_ENDINGS = _words(
    """protein proteins channel channels receptor receptors antigen antigens gene genes enzyme
    enzymes antibody antibodies level levels"""
)
CONTRACTED = frozenset({"can", "won", "don"})  # negations only when "t" follows: "can't"
NOT_NEGATING = frozenset({"longer", "only", "just", "more", "doubt", "matter"})  # "no longer"
CLAUSE_WORDS = frozenset({"but", "however", "although", "though", "pero", "aunque", "sino"})

_WORD = re.compile(r"[^\W_]+")
# Sentence and clause punctuation, a blank line, a dash or a list bullet ("\n- "); a single
# line break inside a Markdown paragraph is only a space.
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]]|\n\s*\n|\s[-–—*+]\s")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()


def _tokens(text: str) -> tuple[list[str], list[str], list[bool]]:
    """The words folded like normalize_name, as written, and whether a clause break stands
    before each."""
    text = _URL.sub(" ", unicodedata.normalize("NFC", text or ""))
    plain = text.isascii()  # the common case: lower() is the whole fold
    lowered = text.lower() if plain else text
    break_at = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
    words: list[str] = []
    raw: list[str] = []
    breaks: list[bool] = []
    previous_end = b = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        word = lowered[start:end] if plain else _fold(match.group())
        if not word:
            continue
        while b < len(break_at) and break_at[b] < previous_end:
            b += 1
        breaks.append(b < len(break_at) and break_at[b] < start)
        words.append(word)
        raw.append(match.group())
        previous_end = end
    return words, raw, breaks


def load_stoplist(path: Path = STOPLIST_FILE) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class Found:
    treatment_id: int
    matched: str  # the words as written
    negated: bool


class Dictionary:
    """Normalised name -> treatment, with the longest name length per first word."""

    def __init__(self, rows: list[tuple[str, str, int, str]], stoplist: frozenset[str]) -> None:
        # rows: (normalized, name kind, treatment id, treatment source)
        best: dict[str, tuple[int, set[int]]] = {}
        needs_capital: set[str] = set()
        rank = {TreatmentName.Kind.GENERIC: 1, TreatmentName.Kind.BRAND: 2}
        for normalized, kind, treatment_id, source in rows:
            curated = source == CURATED
            if not curated and not self._matchable(normalized, stoplist):
                continue
            if not curated and " " not in normalized and len(normalized) <= SHORT_CODE:
                needs_capital.add(normalized)
            priority = 0 if curated else rank.get(kind, 3)
            held = best.get(normalized)
            if held is None or priority < held[0]:
                best[normalized] = (priority, {treatment_id})
            elif priority == held[0]:
                held[1].add(treatment_id)
        # A name two treatments claim with the same standing is ambiguous: not matched.
        self.names = {name: ids.pop() for name, (_p, ids) in best.items() if len(ids) == 1}
        self.needs_capital = needs_capital & self.names.keys()
        self.lengths: dict[str, list[int]] = {}
        for name in self.names:
            words = name.split()
            self.lengths.setdefault(words[0], []).append(len(words))
        for first, lengths in self.lengths.items():
            self.lengths[first] = sorted(set(lengths), reverse=True)

    @staticmethod
    def _matchable(normalized: str, stoplist: frozenset[str]) -> bool:
        words = normalized.split()
        return (
            len(normalized) >= 3
            and any(c.isalpha() for c in normalized)
            and normalized not in stoplist
            and not any(word in FUNCTION_WORDS for word in words)
            and words[-1] not in NOT_TREATMENT_ENDINGS
        )

    def find(self, text: str) -> list[Found]:
        """Every vocabulary name in the text, in order (overlaps resolved longest first)."""
        words, raw, breaks = _tokens(text)
        found = []
        i = 0
        lengths = self.lengths
        while i < len(words):
            length = self._match_at(words, raw, breaks, i) if words[i] in lengths else 0
            if not length:
                i += 1
                continue
            name = " ".join(words[i : i + length])
            found.append(
                Found(
                    treatment_id=self.names[name],
                    matched=" ".join(raw[i : i + length]),
                    negated=_negated(words, breaks, i),
                )
            )
            i += length
        return found

    def _match_at(self, words: list[str], raw: list[str], breaks: list[bool], i: int) -> int:
        for length in self.lengths.get(words[i], ()):
            end = i + length
            if end > len(words) or any(breaks[i + 1 : end]):
                continue
            name = " ".join(words[i:end])
            if name not in self.names:
                continue
            if name in self.needs_capital and raw[i].islower():
                continue
            return length
        return 0


def _negated(words: list[str], breaks: list[bool], start: int) -> bool:
    """A negation within NEGATION_WINDOW words before `start`, in the same clause."""
    seen = 0
    j = start - 1
    while j >= 0 and seen < NEGATION_WINDOW:
        if breaks[j + 1]:
            return False
        word, following = words[j], words[j + 1]
        if word in CLAUSE_WORDS:
            return False
        if word == "t" and j > 0 and words[j - 1] in CONTRACTED:  # "can't", "won't", "don't"
            return True
        if word in NEGATIONS and following not in NOT_NEGATING:
            return True
        if word != "t":  # the tail of "didn't" is not a word of its own
            seen += 1
        j -= 1
    return False


# --- The dictionary, built once per process for each vocabulary version ---------------------

_cache: dict[str, object] = {"version": None, "dictionary": None}


def vocabulary_version() -> tuple:
    """A signature of the approved vocabulary that changes with any import, approval or
    rejection (two aggregate queries; cheap next to building the dictionary)."""
    treatments = Treatment.objects.filter(status=TreatmentStatus.APPROVED).aggregate(
        n=Count("id"), ids=Sum("id"), newest=Max("created_at")
    )
    names = TreatmentName.objects.aggregate(n=Count("id"), ids=Sum("id"), first=Min("id"))
    return (*treatments.values(), *names.values())


def dictionary() -> Dictionary:
    version = vocabulary_version()
    if _cache["version"] != version or _cache["dictionary"] is None:
        rows = TreatmentName.objects.filter(treatment__status=TreatmentStatus.APPROVED).values_list(
            "normalized", "kind", "treatment_id", "treatment__source"
        )
        _cache["dictionary"] = Dictionary(list(rows.iterator(chunk_size=5000)), load_stoplist())
        _cache["version"] = version
    return _cache["dictionary"]  # type: ignore[return-value]


def find_mentions(text: str, vocabulary: Dictionary | None = None) -> dict[int, Found]:
    """One Found per treatment named in the text: the first words as written, negated only
    if every occurrence is."""
    result: dict[int, Found] = {}
    for found in (vocabulary or dictionary()).find(text):
        held = result.get(found.treatment_id)
        if held is None:
            result[found.treatment_id] = found
        elif held.negated and not found.negated:
            result[found.treatment_id] = Found(found.treatment_id, held.matched, False)
    return result


# --- Writes ---------------------------------------------------------------------------------


def _is_visible(answer: Answer) -> bool:
    return answer.status == Status.PUBLISHED and answer.question.status == Status.PUBLISHED


def _rows(answer_id: int, found: dict[int, Found]) -> list[TreatmentMention]:
    return [
        TreatmentMention(
            answer_id=answer_id,
            treatment_id=f.treatment_id,
            matched=f.matched[:200],
            negated=f.negated,
        )
        for f in found.values()
    ]


@transaction.atomic
def mentions_refresh(*, answer: Answer) -> list[TreatmentMention]:
    """Replace an answer's mentions with what its current text names; none unless the answer
    and its question are published.

    One transaction with the answer's row locked: a page never sees the answer without its
    mentions, and two refreshes of one answer (a task queued again after its worker seemed
    dead, beside the original) take turns instead of breaking `uniq_mention`."""
    rows = _rows(answer.pk, find_mentions(answer.body)) if _is_visible(answer) else []
    with transaction.atomic():
        if Answer.objects.select_for_update(no_key=True).filter(pk=answer.pk).first() is None:
            return []
        old = TreatmentMention.objects.filter(answer=answer)
        treatment_ids = set(old.values_list("treatment_id", flat=True))
        old.delete()
        created = TreatmentMention.objects.bulk_create(rows)
        # The treatments index counts the answers that name each treatment (activity.py).
        mention_counts_refresh(treatment_ids=treatment_ids | {row.treatment_id for row in rows})
        return created


@dataclass(frozen=True)
class RefreshResult:
    answers: int
    mentions: int
    seconds: float


def mentions_refresh_all(*, batch: int = 500) -> RefreshResult:
    """Recompute the mentions of every published answer (after an import or approvals), one
    transaction per batch; mentions of answers no longer published are dropped."""
    started = time.monotonic()
    vocabulary = dictionary()
    visible = Answer.objects.filter(
        status=Status.PUBLISHED, question__status=Status.PUBLISHED
    ).order_by("pk")
    TreatmentMention.objects.exclude(answer__in=visible.values("pk")).delete()
    answers = mentions = 0
    last = 0
    while True:
        chunk = list(visible.filter(pk__gt=last).values_list("pk", "body")[:batch])
        if not chunk:
            break
        rows = [row for pk, body in chunk for row in _rows(pk, find_mentions(body, vocabulary))]
        with transaction.atomic():
            TreatmentMention.objects.filter(answer_id__in=[pk for pk, _body in chunk]).delete()
            TreatmentMention.objects.bulk_create(rows)
        answers += len(chunk)
        mentions += len(rows)
        last = chunk[-1][0]
    mention_counts_refresh()  # every treatment: the treatments index (activity.py)
    return RefreshResult(answers, mentions, round(time.monotonic() - started, 1))
