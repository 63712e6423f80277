"""Catalog reads: disease pages, phenotype bands and the one disease search."""

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from raremap.catalog import facts, search
from raremap.catalog.models import (
    CatalogSource,
    Disease,
    DiseaseCode,
    DiseaseFact,
    DiseaseName,
    DiseasePhenotype,
    SearchWord,
)
from raremap.catalog.normalize import normalize

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
_KIND_ORDER = {"preferred": 0, "abbreviation": 1, "synonym": 2, "subtype": 3}
_CODE_PATTERNS = [
    (re.compile(r"^orpha(?:net)?\s*[:\s]?\s*(\d{1,7})$", re.I), "ORPHA"),
    (re.compile(r"^omim\s*[:\s]?\s*(\d{6})$", re.I), "OMIM"),
    (re.compile(r"^(?:mesh\s*[:\s]?\s*)?(d\d{6,9})$", re.I), "MESH"),
    (re.compile(r"^(?:icd-?10\s*[:\s]?\s*)?([a-z]\d\d(?:\.\d{1,2})?)$", re.I), "ICD10"),
]


CATALOG_CACHE_SECONDS = 600
GENERATION_KEY = "catalog:generation"


def catalog_generation() -> int:
    """Bumped by every import: cached catalog reads from before it are no longer used, in
    every process at once (the cache is shared)."""
    return cast(int, cache.get_or_set(GENERATION_KEY, 1, None))


def disease_get(slug: str) -> Disease:
    """A disease with everything its page shows; cached, since only an import changes it."""
    key = f"catalog:{catalog_generation()}:disease:{slug}"
    disease: Disease | None = cache.get(key)
    if disease is None:
        disease = _disease_query(slug)
        cache.set(key, disease, CATALOG_CACHE_SECONDS)
    return disease


def _disease_query(slug: str) -> Disease:
    queryset = Disease.objects.prefetch_related(
        Prefetch("codes", queryset=DiseaseCode.objects.order_by("system", "code")),
        Prefetch(
            "names",
            queryset=DiseaseName.objects.exclude(kind=DiseaseName.Kind.PREFERRED).order_by(
                "kind", "name"
            ),
        ),
        Prefetch(
            "phenotypes",
            queryset=DiseasePhenotype.objects.select_related("term").order_by(
                "frequency", "term__name"
            ),
        ),
    )
    try:
        return queryset.get(slug=slug)
    except Disease.DoesNotExist:
        raise Http404("No such disease") from None


@dataclass
class PhenotypeBand:
    frequency: int
    label: str
    terms: list[str]


def disease_phenotype_bands(disease: Disease) -> list[PhenotypeBand]:
    """The prefetched phenotypes grouped by frequency band, most frequent first."""
    bands: dict[int, PhenotypeBand] = {}
    for annotation in disease.phenotypes.all():
        band = bands.get(annotation.frequency)
        if band is None:
            band = PhenotypeBand(annotation.frequency, annotation.get_frequency_display(), [])
            bands[annotation.frequency] = band
        band.terms.append(annotation.term.name)
    return [bands[key] for key in sorted(bands)]


def disease_facts_get(slug: str) -> facts.DiseaseFacts:
    """What the standard questions' data parts show of a disease: its facts with the written
    rules applied (catalog/facts.py). Cached, since only an import changes them; only
    question pages need them, so `disease_get` does not fetch them."""
    key = f"catalog:{catalog_generation()}:facts:{slug}"
    gathered: facts.DiseaseFacts | None = cache.get(key)
    if gathered is None:
        disease = disease_get(slug)
        excluded = DiseasePhenotype.Frequency.EXCLUDED
        shown = sum(1 for p in disease.phenotypes.all() if p.frequency != excluded)
        rows = DiseaseFact.objects.filter(disease=disease).order_by("kind", "-number", "label")
        gathered = facts.disease_facts(
            disease, codes=disease.codes.all(), facts=rows, phenotypes=shown
        )
        cache.set(key, gathered, CATALOG_CACHE_SECONDS)
    return gathered


@dataclass(frozen=True)
class CoverageRow:
    slug: str  # the standard question's
    data: str  # its data part ("" for none)
    rare: int  # Orphanet diseases whose data part has something to show
    common: int  # ICD-10 categories likewise


def catalog_coverage() -> tuple[list[CoverageRow], dict[str, int]]:
    """Per standard question, how many diseases (not obsolete) its data part has data for,
    and how many diseases there are of each kind. Five queries over the whole catalog."""
    from raremap.questions.standard import STANDARD_QUESTIONS  # questions builds on catalog

    diseases = list(Disease.objects.filter(is_obsolete=False).only("id", "name", "kind"))
    codes: dict[int, list[DiseaseCode]] = {}
    for code in DiseaseCode.objects.filter(system=DiseaseCode.System.ICD10).only(
        "disease_id", "system", "code"
    ):
        codes.setdefault(code.disease_id, []).append(code)
    rows: dict[int, list[DiseaseFact]] = {}
    for fact in DiseaseFact.objects.all():
        rows.setdefault(fact.disease_id, []).append(fact)
    shown = dict(
        DiseasePhenotype.objects.exclude(frequency=DiseasePhenotype.Frequency.EXCLUDED)
        .values_list("disease_id")
        .annotate(n=Count("id"))
        .values_list("disease_id", "n")
    )
    with_symptoms = set(DiseasePhenotype.objects.values_list("disease_id", flat=True).distinct())
    known: dict[str, dict[str, int]] = {}
    totals = {"rare": 0, "common": 0}
    for disease in diseases:
        totals[disease.kind] += 1
        gathered = facts.disease_facts(
            disease,
            codes=codes.get(disease.pk, []),
            facts=rows.get(disease.pk, []),
            phenotypes=shown.get(disease.pk, 0),
        )
        for kind in facts.FACT_KINDS:
            if gathered.known(kind):
                counts = known.setdefault(kind, {"rare": 0, "common": 0})
                counts[disease.kind] += 1
        if disease.pk in with_symptoms:
            counts = known.setdefault("symptoms", {"rare": 0, "common": 0})
            counts[disease.kind] += 1
    result = []
    for question in STANDARD_QUESTIONS:
        counts = known.get(question.data, {"rare": 0, "common": 0})
        result.append(CoverageRow(question.slug, question.data, counts["rare"], counts["common"]))
    return result, totals


def catalog_stats() -> dict[str, int]:
    """How many rare and common diseases the catalog has; cached, since only an import
    changes it."""
    key = f"catalog:{catalog_generation()}:stats"
    stats: dict[str, int] | None = cache.get(key)
    if stats is None:
        counts = Disease.objects.filter(is_obsolete=False).aggregate(
            rare=Count("id", filter=Q(kind=Disease.Kind.RARE)),
            common=Count("id", filter=Q(kind=Disease.Kind.COMMON)),
        )
        stats = {"rare": counts["rare"], "common": counts["common"]}
        cache.set(key, stats, CATALOG_CACHE_SECONDS)
    return stats


# The sources the diseases come from: their import time is the catalog's.
DISEASE_SOURCES = ("hpo", "icd10")


def catalog_imported_at() -> datetime:
    """When the diseases were last imported (now, before any import); cached per import."""
    key = f"catalog:{catalog_generation()}:imported-at"
    imported: datetime | None = cache.get(key)
    if imported is None:
        imported = (
            CatalogSource.objects.filter(key__in=DISEASE_SOURCES).aggregate(
                latest=Max("imported_at")
            )["latest"]
            or timezone.now()
        )
        cache.set(key, imported, CATALOG_CACHE_SECONDS)
    return imported


def catalog_source_list() -> list[CatalogSource]:
    key = f"catalog:{catalog_generation()}:sources"
    sources: list[CatalogSource] | None = cache.get(key)
    if sources is None:
        sources = list(CatalogSource.objects.order_by("name"))
        cache.set(key, sources, CATALOG_CACHE_SECONDS)
    return sources


# --- search ---------------------------------------------------------------------------------


@dataclass
class SearchHit:
    disease: Disease
    matched_name: str = ""  # set when a synonym, abbreviation, subtype or code matched
    matched_kind: str = ""


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    corrected_query: str = ""
    capped: bool = False  # more names matched than search.MAX_CANDIDATES: refine the query


def _code_matches(query: str) -> list[tuple[int, str]]:
    compact = query.strip()
    for pattern, system in _CODE_PATTERNS:
        match = pattern.match(compact)
        if match:
            code = match[1].upper()
            rows = DiseaseCode.objects.filter(system=system, code=code).values_list(
                "disease_id", "label"
            )
            return [(disease_id, f"{system}:{code} {label}".strip()) for disease_id, label in rows]
    return []


def _correct(token: str, *, last: bool) -> str:
    """The closest vocabulary word to a misspelt token, or the token itself."""
    if len(token) < 4:
        return token
    # The last word may still be being typed: a known prefix is not a typo.
    known = SearchWord.objects.filter(**{"word__startswith" if last else "word": token})
    if known.exists():
        return token
    candidates = search.similar_words(token)
    scored = [(difflib.SequenceMatcher(None, token, c).ratio(), c) for c in candidates]
    scored = [s for s in scored if s[0] >= 0.75]
    return max(scored)[1] if scored else token


def _rank_names(name_ids: list[int], query_norm: str) -> list[tuple[int, str, str]]:
    """(disease id, matched name, kind) per disease, best first, from full-text name hits."""
    position = {name_id: i for i, name_id in enumerate(name_ids)}
    rows = DiseaseName.objects.filter(id__in=name_ids, disease__is_obsolete=False).values_list(
        "id", "disease_id", "name", "normalized", "kind"
    )
    ordered = sorted(
        rows,
        key=lambda r: (
            r[3] != query_norm,  # an exact name first
            _KIND_ORDER.get(r[4], 9),
            not r[3].startswith(query_norm),  # then names that start with the query
            len(r[3]),  # then the shortest, most general names
            position[r[0]],
        ),
    )
    best: dict[int, tuple[int, str, str]] = {}
    for _id, disease_id, name, _norm, kind in ordered:
        best.setdefault(disease_id, (disease_id, name, kind))
    return list(best.values())


def disease_search(query: str, *, limit: int = 20, offset: int = 0) -> SearchResult:
    """Search diseases by name (in English or another language), synonym, abbreviation or
    code, correcting typos.

    A constant number of queries whatever the number of results (one page of diseases is
    fetched in one query); ranking is exact name, then preferred names, then text rank.
    """
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    result = SearchResult(query=query)
    if not normalize(query):
        return result
    ranked: list[tuple[int, str, str]] = [
        (disease_id, label, "code") for disease_id, label in _code_matches(query)
    ]
    tokens = normalize(query).split()[:MAX_QUERY_WORDS]
    name_ids = search.fulltext_name_ids(tokens)
    result.capped = len(name_ids) >= search.MAX_CANDIDATES
    name_hits = _rank_names(name_ids, " ".join(tokens))
    if not name_hits and not ranked:
        corrected = [_correct(token, last=i == len(tokens) - 1) for i, token in enumerate(tokens)]
        if corrected != tokens:
            name_hits = _rank_names(search.fulltext_name_ids(corrected), " ".join(corrected))
            if name_hits:
                result.corrected_query = " ".join(corrected)
    seen = {disease_id for disease_id, _l, _k in ranked}
    ranked.extend(hit for hit in name_hits if hit[0] not in seen)
    result.total = len(ranked)
    page = ranked[offset : offset + limit]
    diseases = Disease.objects.in_bulk([disease_id for disease_id, _l, _k in page])
    language = get_language() or "en"
    for disease_id, label, kind in page:
        disease = diseases[disease_id]
        # A disease's own name (in English or the page's language) needs no "matched" note.
        own = kind == "preferred" and label in {disease.name, disease.local_name(language)}
        shown = "" if own else label
        result.hits.append(SearchHit(disease, shown, kind))
    return result
