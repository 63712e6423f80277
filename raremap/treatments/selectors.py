"""Treatment report and ranking reads, shaped for the pages.

The minimum-count rule (statistics of fewer than settings.TREATMENT_MIN_REPORTS reports are
never shown, and neither are country counts below it) lives in `ranking_shown`, and every
ranking read goes through `_ranking_rows`, which applies it.
"""

import difflib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Length
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import get_language

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.core.countries import country_name
from raremap.treatments.models import (
    ReportedFor,
    Treatment,
    TreatmentName,
    TreatmentRanking,
    TreatmentReport,
    TreatmentStatus,
)
from raremap.treatments.ranking import EFFECTIVENESS_LABELS, SCALE
from raremap.treatments.vocabulary import normalize_name

SECTION_LIMIT = 5  # treatments in the "best treatments" section of the question page


def ranking_shown(count: int) -> bool:
    """The one rule: a number of reports is shown only from TREATMENT_MIN_REPORTS on (pages,
    API, export; `shown_filter` is the same test for querysets)."""
    return count >= settings.TREATMENT_MIN_REPORTS


def shown_filter() -> Q:
    """The min-count rule as a filter on TreatmentRanking (the same test as ranking_shown)."""
    return Q(reports__gte=settings.TREATMENT_MIN_REPORTS)


@dataclass(frozen=True)
class Bar:
    """One row of the effectiveness chart: a score, how many reports gave it, their share."""

    score: int
    label: str
    count: int
    percent: int  # of the treatment's reports, rounded
    width: int  # percent in steps of 5, for the CSS class bar-<width>


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class RankedTreatment:
    """A treatment's statistics for one disease, ready to show (only when shown)."""

    rank: int
    slug: str
    name: str
    reports: int
    mean: float
    score: float
    lower: float
    upper: float
    burden_mean: float
    bars: list[Bar]
    patients: int  # reports for themselves, by people with the disease
    proxies: int  # reports by relatives and caregivers
    patients_percent: int
    proxies_percent: int
    countries: list[Country]  # only counts from the minimum on, largest first

    # The numbers as the page shows them, in the page's language (number_format cuts digits
    # off: round first).
    @property
    def score_text(self) -> str:
        return number_format(round(self.score, 2), 2)

    @property
    def lower_text(self) -> str:
        return number_format(round(self.lower, 2), 2)

    @property
    def upper_text(self) -> str:
        return number_format(round(self.upper, 2), 2)

    @property
    def mean_text(self) -> str:
        return number_format(round(self.mean, 2), 2)

    @property
    def burden_text(self) -> str:
        return number_format(round(self.burden_mean, 1), 1)


@dataclass(frozen=True)
class HiddenTreatment:
    slug: str
    name: str


@dataclass(frozen=True)
class RankingPage:
    items: list[RankedTreatment]
    hidden: list[HiddenTreatment]  # reported, but too few reports to show: names only
    min_reports: int
    computed_at: datetime | None


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _ranked(rank: int, row: TreatmentRanking, language: str) -> RankedTreatment:
    n = row.reports
    bars = []
    for score, count in zip(SCALE, row.effectiveness_counts, strict=True):
        percent = _percent(count, n)
        bars.append(
            Bar(
                score=score,
                label=str(EFFECTIVENESS_LABELS[score]),
                count=count,
                percent=percent,
                width=5 * round(percent / 5),
            )
        )
    patients = row.by_reporter.get(ReportedFor.SELF, 0)
    proxies = n - patients
    countries = [
        Country(code=code, name=country_name(code, language), count=count)
        for code, count in row.countries.items()
        if ranking_shown(count)
    ]
    countries.sort(key=lambda c: (-c.count, c.name))
    return RankedTreatment(
        rank=rank,
        slug=row.treatment.slug,
        name=row.treatment.name,
        reports=n,
        mean=row.mean,
        score=row.score,
        lower=row.lower,
        upper=row.upper,
        burden_mean=row.burden_mean,
        bars=bars,
        patients=patients,
        proxies=proxies,
        patients_percent=_percent(patients, n),
        proxies_percent=100 - _percent(patients, n),
        countries=countries,
    )


def _ranking_rows(disease: Disease) -> list[TreatmentRanking]:
    """A disease's rankings of treatments in the vocabulary, best first (one query)."""
    return list(
        TreatmentRanking.objects.filter(disease=disease, treatment__status=TreatmentStatus.APPROVED)
        .select_related("treatment")
        .only(
            "reports",
            "effectiveness_counts",
            "mean",
            "score",
            "lower",
            "upper",
            "burden_mean",
            "by_reporter",
            "countries",
            "computed_at",
            "treatment__slug",
            "treatment__name",
        )
        .order_by("-score", "-reports", "treatment__name", "treatment_id")
    )


# Every request for a treatments page reads the rankings' version: written out in SQL, as the
# ORM takes ten times longer to build this query than to run it (docs/architecture.md,
# "Reads every request makes"); tests/treatments/test_pages.py compares it with the ORM.
RANKING_VERSION_SQL = """
SELECT MAX(computed_at), COUNT(*) FROM treatments_treatmentranking WHERE disease_id = %s
"""


def ranking_version(disease: Disease) -> str:
    """What changes whenever a disease's rankings are recomputed or removed (one query): the
    newest `computed_at`, as the database gives it (text on SQLite), and the number of rows."""
    with connection.cursor() as cursor:
        cursor.execute(RANKING_VERSION_SQL, [disease.pk])
        latest, rows = cursor.fetchone()
    # Part of cache keys: no spaces.
    return f"{latest}:{rows}".replace(" ", "T") if rows else "none"


def ranking_page(disease: Disease) -> RankingPage:
    """Everything the disease's treatments page shows: the ranked treatments with enough
    reports, the names of the others, and when the numbers were computed."""
    language = get_language() or settings.LANGUAGE_CODE
    rows = _ranking_rows(disease)
    shown = [row for row in rows if ranking_shown(row.reports)]
    hidden = sorted(
        (
            HiddenTreatment(slug=row.treatment.slug, name=row.treatment.name)
            for row in rows
            if not ranking_shown(row.reports)
        ),
        key=lambda h: h.name.casefold(),
    )
    return RankingPage(
        items=[_ranked(rank, row, language) for rank, row in enumerate(shown, start=1)],
        hidden=hidden,
        min_reports=settings.TREATMENT_MIN_REPORTS,
        computed_at=max((row.computed_at for row in rows), default=None),
    )


def ranking_list(disease: Disease, *, limit: int | None = None) -> list[RankedTreatment]:
    """The disease's ranked treatments with enough reports to show, best first."""
    items = ranking_page(disease).items
    return items if limit is None else items[:limit]


def ranking_section_html(disease: Disease, *, page: RankingPage | None = None) -> str:
    """The "treatments members report" part of the best-treatments question page: the top
    treatments, rendered without a request (the same for every viewer, safe to cache); from
    `page` when the caller has read it."""
    page = page or ranking_page(disease)
    context = {
        "disease": disease,
        "items": page.items[:SECTION_LIMIT],
        "more": len(page.items) > SECTION_LIMIT,
        "hidden_count": len(page.hidden),
        "min_reports": page.min_reports,
        "computed_at": page.computed_at,
    }
    return render_to_string("treatments/_ranking.html", context)


# Treatments to report, and one's own reports.


def treatment_find(text: str) -> Treatment | None:
    """The approved treatment a member means by a name, brand name or synonym (or None)."""
    text = " ".join((text or "").split())
    if not text:
        return None
    approved = Treatment.objects.filter(status=TreatmentStatus.APPROVED)
    exact = approved.filter(Q(name__iexact=text) | Q(slug=text)).order_by("name", "pk").first()
    if exact is not None:
        return exact
    keys = {normalize_name(text), text.casefold()}
    name = (
        TreatmentName.objects.filter(
            normalized__in=keys, treatment__status=TreatmentStatus.APPROVED
        )
        .select_related("treatment")
        .order_by("treatment__name", "treatment_id")
        .first()
    )
    return name.treatment if name is not None else None


# "Did you mean": a name is suggested when it is this close to what was typed (difflib's
# ratio: "imatinb" → "imatinib" is 0.93, "imatinib" → "nilotinib" 0.71).
SUGGEST_CUTOFF = 0.8
SUGGEST_MIN = 4  # shorter words are too close to too many names
SUGGEST_CANDIDATES = 2000  # names compared at most (a few ms)
SUGGEST_LENGTH = 3  # candidates differ in length by at most this many letters


def treatment_suggest(text: str, *, limit: int = 3) -> list[str]:
    """Names of approved treatments close to a name that matched none ("imatinb" →
    imatinib), closest first, one per treatment.

    Candidates are the names that start with the same two letters as the query (a range on
    the `treatmentname_normalized` index, on SQLite and PostgreSQL alike, with the length
    near the query's), at most SUGGEST_CANDIDATES; difflib ranks them. A misspelt first or
    second letter is not corrected: that is what keeps this one indexed query.
    """
    typed = normalize_name(text or "")[:200]
    if len(typed) < SUGGEST_MIN:
        return []
    start = typed[:2]
    rows = (
        TreatmentName.objects.filter(
            normalized__gte=start,
            normalized__lt=start[:-1] + chr(ord(start[-1]) + 1),
            treatment__status=TreatmentStatus.APPROVED,
        )
        .annotate(length=Length("normalized"))
        .filter(length__gte=len(typed) - SUGGEST_LENGTH, length__lte=len(typed) + SUGGEST_LENGTH)
        .values_list("normalized", "name", "treatment_id")[:SUGGEST_CANDIDATES]
    )
    names: dict[str, tuple[str, int]] = {}
    for normalized, name, treatment_id in rows:
        names.setdefault(normalized, (name, treatment_id))
    suggestions: list[str] = []
    seen: set[int] = set()
    for close in difflib.get_close_matches(typed, names, n=limit * 3, cutoff=SUGGEST_CUTOFF):
        name, treatment_id = names[close]
        if treatment_id not in seen:
            seen.add(treatment_id)
            suggestions.append(name)
    return suggestions[:limit]


def treatment_get_approved(slug: str) -> Treatment | None:
    return Treatment.objects.filter(slug=slug, status=TreatmentStatus.APPROVED).first()


def report_current(user: User, disease: Disease, treatment: Treatment) -> TreatmentReport | None:
    """The member's current report of a treatment for a disease, if there is one."""
    if not user.is_authenticated:
        return None
    return TreatmentReport.objects.filter(user=user, disease=disease, treatment=treatment).first()


def report_list_for_user(user: User, disease: Disease) -> list[TreatmentReport]:
    """The member's own reports for a disease (one query), by treatment name."""
    return list(
        TreatmentReport.objects.filter(user=user, disease=disease)
        .select_related("treatment")
        .order_by("treatment__name", "pk")
    )


def report_get_for_user(user: User, disease: Disease, report_id: int) -> TreatmentReport:
    """The member's own report; anybody else's, or one for another disease, is a 404."""
    report = (
        TreatmentReport.objects.filter(pk=report_id, user_id=user.pk, disease=disease)
        .select_related("treatment")
        .first()
    )
    if report is None or not user.is_authenticated:
        raise Http404("No such report")
    return report
