"""Open data: the treatment rankings as CSV and JSON (docs/treatments-open-data.md).

The min-count rule is written here once and used by every path that shows ranking numbers —
the export, the API (raremap/api/treatments.py): a treatment's statistics for a disease are
shown only when at least settings.TREATMENT_MIN_REPORTS members reported it for that disease.
Below that, the export leaves the row out and the API lists the treatment with
`"statistics": null`. Only approved treatments are shown.

A file is one row per disease × treatment, with an "about" block first (source, licence, the
rule, "patient reports, not trial evidence"): `#` comment lines in CSV, an "about" object in
JSON. Rows are streamed from the database in chunks, so the whole-catalog file never sits in
memory. Text cells that a spreadsheet would run as a formula are defused (see `_cell`).
"""

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from raremap.catalog.models import Disease
from raremap.treatments.models import Treatment, TreatmentRanking, TreatmentReport
from raremap.treatments.selectors import shown_filter

# The aggregates are published under this licence (a constant: an operator who wants another
# changes it here and in docs/treatments-open-data.md).
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DECIMALS = 3  # means, scores and bounds, everywhere they are published (API and export)
CHUNK = 2000  # rows fetched at a time while streaming

COLUMNS = (
    "disease_code",
    "disease_name",
    "disease_slug",
    "treatment_slug",
    "treatment_name",
    "treatment_kind",
    "drugbank_id",
    "mesh_id",
    "medlineplus_id",
    "reports",
    "mean",
    "score",
    "lower",
    "upper",
    "effectiveness_1",
    "effectiveness_2",
    "effectiveness_3",
    "effectiveness_4",
    "effectiveness_5",
    "burden_mean",
    "reports_self",
    "reports_relative",
    "reports_care",
    "demo_reports",
    "computed_at",
)


# --- the min-count rule -------------------------------------------------------------------------


def min_reports() -> int:
    return settings.TREATMENT_MIN_REPORTS


def ranking_public_list(*, disease: Disease | None = None) -> QuerySet[TreatmentRanking]:
    """The rankings whose statistics may be published (approved treatments, enough reports),
    with their treatment and disease; one disease's best first, diseases in id order."""
    rankings = TreatmentRanking.objects.filter(
        shown_filter(), treatment__status=Treatment.Status.APPROVED
    ).select_related("treatment", "disease")
    if disease is not None:
        rankings = rankings.filter(disease=disease)
    # (disease, -score) is the ranking_by_disease index: no sort of the whole table.
    return rankings.order_by("disease_id", "-score", "treatment_id")


# --- numbers as published -----------------------------------------------------------------------


def rounded(value: float) -> float:
    return round(value, DECIMALS)


def effectiveness_count(counts: Mapping[str, int] | list[int], score: int) -> int:
    """How many reports gave `score` (1–5), from {"1": n, …} or [n1, …, n5]."""
    if isinstance(counts, list):
        return int(counts[score - 1]) if len(counts) >= score else 0
    return int(counts.get(str(score), counts.get(score, 0)))  # type: ignore[call-overload]


def statistics(ranking: TreatmentRanking) -> dict[str, Any]:
    """A ranking's published numbers (call only when ranking_shown(ranking.reports))."""
    by_reporter = ranking.by_reporter or {}
    return {
        "reports": ranking.reports,
        "mean": rounded(ranking.mean),
        "score": rounded(ranking.score),
        "lower": rounded(ranking.lower),
        "upper": rounded(ranking.upper),
        "effectiveness_counts": {
            str(n): effectiveness_count(ranking.effectiveness_counts, n) for n in range(1, 6)
        },
        "burden_mean": rounded(ranking.burden_mean),
        "by_reporter": {key: int(by_reporter.get(key, 0)) for key in ("self", "relative", "care")},
        "computed_at": ranking.computed_at,
    }


def demo_report_counts(*, disease: Disease | None = None) -> dict[tuple[int, int], int]:
    """How many demo reports each (disease id, treatment id) has: rows built on them are
    labelled, so that fictional reports never pass for real ones."""
    reports = TreatmentReport.objects.filter(is_demo=True)
    if disease is not None:
        reports = reports.filter(disease=disease)
    rows = reports.order_by().values_list("disease_id", "treatment_id").annotate(n=Count("pk"))
    return {(disease_id, treatment_id): n for disease_id, treatment_id, n in rows}


def export_row(ranking: TreatmentRanking, demo: Mapping[tuple[int, int], int]) -> dict[str, Any]:
    """One ranking as a row of COLUMNS (blank identifiers are None)."""
    treatment, disease = ranking.treatment, ranking.disease
    numbers = statistics(ranking)
    counts, by_reporter = numbers["effectiveness_counts"], numbers["by_reporter"]
    return {
        "disease_code": disease.primary_code,
        "disease_name": disease.name,
        "disease_slug": disease.slug,
        "treatment_slug": treatment.slug,
        "treatment_name": treatment.name,
        "treatment_kind": treatment.kind,
        "drugbank_id": treatment.drugbank_id or None,
        "mesh_id": treatment.mesh_id or None,
        "medlineplus_id": treatment.medlineplus_id or None,
        "reports": numbers["reports"],
        "mean": numbers["mean"],
        "score": numbers["score"],
        "lower": numbers["lower"],
        "upper": numbers["upper"],
        **{f"effectiveness_{n}": counts[str(n)] for n in range(1, 6)},
        "burden_mean": numbers["burden_mean"],
        "reports_self": by_reporter["self"],
        "reports_relative": by_reporter["relative"],
        "reports_care": by_reporter["care"],
        "demo_reports": demo.get((ranking.disease_id, ranking.treatment_id), 0),
        "computed_at": ranking.computed_at.isoformat(),
    }


def export_rows(*, disease: Disease | None = None) -> Iterator[dict[str, Any]]:
    """Every published ranking (of one disease or of the whole catalog) as a row, streamed."""
    demo = demo_report_counts(disease=disease)
    for ranking in ranking_public_list(disease=disease).iterator(chunk_size=CHUNK):
        yield export_row(ranking, demo)


# --- the about block ----------------------------------------------------------------------------


def about(*, url: str, disease: Disease | None = None, now: datetime | None = None) -> dict:
    """What a file is, where it comes from, under which licence and with which limits."""
    count = min_reports()
    return {
        "title": _("RareMap treatment rankings")
        + (f": {disease.name} ({disease.primary_code})" if disease else ""),
        "source": _(
            "Treatment reports by members of RareMap's disease communities (patients, and "
            "relatives or caregivers reporting for someone), aggregated per disease and treatment."
        ),
        "url": url,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "attribution": _("RareMap community treatment reports, %(licence)s") % {"licence": LICENCE},
        "evidence": _(
            "Patient reports, not trial evidence: who reports is self-selected, nothing is "
            "verified, and an effect reported is not an effect proven. Do not use these numbers "
            "to choose a treatment."
        ),
        "min_reports": count,
        "min_reports_rule": ngettext(
            "A treatment appears for a disease only when at least %(count)d member reported it "
            "for that disease; below that its numbers are never published.",
            "A treatment appears for a disease only when at least %(count)d members reported it "
            "for that disease; below that its numbers are never published.",
            count,
        )
        % {"count": count},
        "scales": _(
            "effectiveness: 1 (no effect) to 5 (very effective); burden: side-effect burden, 1 "
            "(none) to 5 (unbearable). mean, lower and upper are on the effectiveness scale; "
            "score orders the treatments and is never a raw mean."
        ),
        "demo": _(
            "demo_reports counts reports written by labelled demo accounts to show how the site "
            "works: leave rows with demo_reports above 0 out of any analysis."
        ),
        "generated_at": (now or timezone.now()).isoformat(timespec="seconds"),
    }


# --- CSV and JSON -------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A value for a CSV cell. Text a spreadsheet would run as a formula ("=HYPERLINK(…)" as a
    member-proposed treatment name) gets a leading apostrophe, the usual defusing."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, text: str) -> str:
        return text


def csv_lines(info: dict, rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The about block as `# key: value` lines, the header, then one line per row."""
    for key, value in info.items():
        text = " ".join(str(value).split())  # one line per entry, whatever the translation
        yield f"# {key}: {text}\n"
    writer = csv.writer(_Line(), lineterminator="\n")
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(row[column]) for column in COLUMNS])


def json_chunks(info: dict, rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """{"about": {…}, "columns": […], "rows": [{…}, …]}, written a row at a time."""
    yield '{"about": ' + json.dumps(info, ensure_ascii=False)
    yield ', "columns": ' + json.dumps(list(COLUMNS)) + ', "rows": ['
    separator = ""
    for row in rows:
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ", "
    yield "]}\n"
