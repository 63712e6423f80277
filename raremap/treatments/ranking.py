"""Treatment rankings: the statistics method and the recompute (DESIGN.md §6).

The method, in plain words
--------------------------
Members rate a treatment's effectiveness from 1 (no effect) to 5 (very effective). A raw
average would put a treatment with two enthusiastic reports (5 and 5) above one that forty
members rated 4.2 on average, so the ranking never uses raw averages. Instead:

* **Score (the order).** Each treatment's average is computed as if it had five extra,
  imaginary reports, one at each score 1, 2, 3, 4 and 5. With few reports this pulls the
  average towards the middle of the scale (3); with many reports the real ones dominate.
  With ``c1 … c5`` the number of reports giving each score and ``n = c1 + … + c5``::

      N     = n + 5
      score = (1·(c1+1) + 2·(c2+1) + 3·(c3+1) + 4·(c4+1) + 5·(c5+1)) / N

  This is the posterior mean of the treatment's average rating under a flat Dirichlet(1, 1,
  1, 1, 1) prior over the five scores (a Bayesian shrunk mean towards 3 with a prior weight
  of 5 pseudo-reports). Two reports of 5 score (1+2+3+4+5+5+5)/7 = 3.57; forty reports
  (eight 3s, sixteen 4s, sixteen 5s: average 4.2) score 183/45 = 4.07 and rank higher.
  Ties are broken by the number of reports (more first), then by name.

* **Interval.** The range in which the treatment's true average rating lies with about 90%
  probability under the same model (the exact posterior standard deviation of the Dirichlet,
  with the normal approximation), clipped to the 1–5 scale::

      V     = ((1²·(c1+1) + … + 5²·(c5+1)) / N) − score²      (the spread of the scores)
      sd    = √(V / (N + 1))
      lower = max(1, score − 1.645·sd),  upper = min(5, score + 1.645·sd)

  Two reports of 5: 2.70 to 4.44. The forty reports above: 3.84 to 4.29.

* **Mean** is the plain average of the real reports and **burden** the plain average of the
  side-effect burden (1 none … 5 unbearable), shown next to the score, never used to order.

Statistics of treatments with fewer than ``settings.TREATMENT_MIN_REPORTS`` reports are
stored but never shown (the rule lives in ``selectors.ranking_shown``), and neither are
country counts below that number.

The recompute
-------------
``rankings_recompute`` rebuilds the TreatmentRanking rows from the reports with two
aggregate queries: one GROUP BY disease and treatment that counts the reports per score and
per reporter (``COUNT(*) FILTER (WHERE …)``) and sums the burden, and one GROUP BY disease,
treatment and the member's profile country. It iterates result tuples only, never report
objects, so its memory grows with the number of (disease, treatment) pairs, not with the
number of reports (2,000,000 reports over 120,000 pairs: 25–35 s and 210 MB on SQLite).
Reports of deactivated accounts do not count. The rows are replaced per group of diseases in
short transactions, each also recounting the shown reports of the treatments it touched (the
treatments index, ``activity.py``). Report writes enqueue ``rankings_recompute_task`` for their
disease once they commit.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from raremap.catalog.models import Disease
from raremap.treatments.activity import report_counts_refresh
from raremap.treatments.models import ReportedFor, TreatmentRanking, TreatmentReport

SCALE = (1, 2, 3, 4, 5)
EFFECTIVENESS_LABELS = {
    1: _("No effect"),
    2: _("A little"),
    3: _("Moderately"),
    4: _("Clearly helped"),
    5: _("Very effective"),
}
BURDEN_LABELS = {
    1: _("None"),
    2: _("Mild"),
    3: _("Moderate"),
    4: _("Severe"),
    5: _("Unbearable"),
}
PRIOR_PER_SCORE = 1  # one imaginary report at each score: a prior weight of 5 at mean 3
Z_90 = 1.645  # the two-sided 90% point of the normal distribution
DIGITS = 6  # stored precision: equal scores compare equal (ties), floats do not drift
BATCH = 2000  # rows per INSERT
DISEASES_PER_QUERY = 500  # ids per IN (…) list, under every database's parameter limit
DISEASES_PER_WRITE = 100  # diseases whose rows are replaced in one transaction


@dataclass(frozen=True)
class Estimate:
    """One treatment's effectiveness statistics from its score counts."""

    reports: int
    mean: float  # the plain average of the reports (0 without reports)
    score: float  # the shrunk mean: the ordering score
    lower: float  # the 90% interval, clipped to 1–5
    upper: float


def estimate(counts: Sequence[int]) -> Estimate:
    """The score, interval and plain mean from the number of reports giving each score 1–5."""
    if len(counts) != len(SCALE) or any(c < 0 for c in counts):
        raise ValueError("counts are five non-negative numbers, for the scores 1 to 5")
    n = sum(counts)
    shrunk = [c + PRIOR_PER_SCORE for c in counts]
    total = sum(shrunk)  # n + 5
    score = sum(k * c for k, c in zip(SCALE, shrunk, strict=True)) / total
    spread = sum(k * k * c for k, c in zip(SCALE, shrunk, strict=True)) / total - score * score
    sd = math.sqrt(max(spread, 0.0) / (total + 1))
    mean = sum(k * c for k, c in zip(SCALE, counts, strict=True)) / n if n else 0.0
    return Estimate(
        reports=n,
        mean=round(mean, DIGITS),
        score=round(score, DIGITS),
        lower=round(max(1.0, score - Z_90 * sd), DIGITS),
        upper=round(min(5.0, score + Z_90 * sd), DIGITS),
    )


class _Tally:
    """What the GROUP BY queries say about one (disease, treatment) pair."""

    __slots__ = ("burden", "by_reporter", "countries", "counts")

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0, 0]
        self.burden = 0
        self.by_reporter = dict.fromkeys(ReportedFor.values, 0)
        self.countries: dict[str, int] = {}


def _tallies(disease_ids: Sequence[int] | None) -> dict[tuple[int, int], _Tally]:
    reports = TreatmentReport.objects.filter(user__is_active=True)
    if disease_ids is not None:
        reports = reports.filter(disease_id__in=disease_ids)
    tallies: dict[tuple[int, int], _Tally] = {}
    # One pass for the scores, the burden and the reporters: GROUP BY disease, treatment with
    # a count per score and per reporter (FILTER / CASE), instead of a GROUP BY per column.
    by_pair = (
        reports.values_list("disease_id", "treatment_id")
        .annotate(
            **{f"score_{k}": Count("pk", filter=Q(effectiveness=k)) for k in SCALE},
            **{f"for_{w}": Count("pk", filter=Q(reported_for=w)) for w in ReportedFor.values},
            burden=Sum("side_effect_burden"),
        )
        .order_by()
    )
    scores, reporters = len(SCALE), len(ReportedFor.values)
    for disease_id, treatment_id, *numbers in by_pair.iterator():
        tally = tallies[disease_id, treatment_id] = _Tally()
        tally.counts = numbers[:scores]
        tally.by_reporter = dict(
            zip(ReportedFor.values, numbers[scores : scores + reporters], strict=True)
        )
        tally.burden = numbers[-1]
    by_country = (
        reports.exclude(user__country="")
        .values_list("disease_id", "treatment_id", "user__country")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for disease_id, treatment_id, country, n in by_country.iterator():
        tally = tallies.get((disease_id, treatment_id))
        if tally is not None:  # None: its first report arrived between the two queries
            tally.countries[country] = n
    return tallies


def _rows(tallies: dict[tuple[int, int], _Tally], now: datetime) -> Iterator[TreatmentRanking]:
    for (disease_id, treatment_id), tally in tallies.items():
        stats = estimate(tally.counts)
        yield TreatmentRanking(
            disease_id=disease_id,
            treatment_id=treatment_id,
            reports=stats.reports,
            effectiveness_counts=tally.counts,
            mean=stats.mean,
            score=stats.score,
            lower=stats.lower,
            upper=stats.upper,
            burden_mean=round(tally.burden / stats.reports, DIGITS),
            by_reporter=tally.by_reporter,
            countries=dict(sorted(tally.countries.items(), key=lambda item: (-item[1], item[0]))),
            computed_at=now,
        )


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def _replace(
    disease_ids: Sequence[int], tallies: dict[tuple[int, int], _Tally], now: datetime
) -> int:
    """Swap in the new rows of a few diseases, in one short transaction.

    The diseases' rows are locked first (FOR NO KEY UPDATE: new reports and memberships can
    still refer to them), so two recomputes of one disease take turns; a disease whose rows
    were written by a recompute that began later than this one keeps them.
    """
    locked = Disease.objects.select_for_update(no_key=True).filter(pk__in=disease_ids)
    ids = set(locked.order_by("pk").values_list("pk", flat=True))
    newer = TreatmentRanking.objects.filter(disease_id__in=ids, computed_at__gt=now)
    ids -= set(newer.values_list("disease_id", flat=True))
    old = TreatmentRanking.objects.filter(disease_id__in=ids)
    treatment_ids = set(old.values_list("treatment_id", flat=True))
    old.delete()
    rows = (row for row in _rows(tallies, now) if row.disease_id in ids)
    written = 0
    while batch := list(islice(rows, BATCH)):
        written += len(TreatmentRanking.objects.bulk_create(batch))
        treatment_ids.update(row.treatment_id for row in batch)
    # The treatments index counts the reports the rankings show (raremap/treatments/activity.py).
    report_counts_refresh(treatment_ids=treatment_ids)
    return written


def rankings_recompute(*, disease_ids: Iterable[int] | None = None) -> int:
    """Rebuild the rankings of these diseases (all diseases when None) from their reports.
    Returns how many rows it wrote.

    The reports are read first, outside any transaction (a long write transaction would keep
    every other writer waiting on SQLite); then each group of diseases has its rows replaced
    in one short transaction, so that a page sees a disease's old rankings or its new ones.
    """
    # Taken before the queries read anything: a report committed before this moment is seen.
    now = timezone.now()
    tallies: dict[tuple[int, int], _Tally] = {}
    if disease_ids is None:
        tallies = _tallies(None)
        had_rows = TreatmentRanking.objects.values_list("disease_id", flat=True).distinct()
        ids = sorted({disease_id for disease_id, _ in tallies} | set(had_rows))
    else:
        ids = sorted(set(disease_ids))
        for chunk in _chunks(ids, DISEASES_PER_QUERY):
            tallies.update(_tallies(chunk))
    by_disease: dict[int, dict[tuple[int, int], _Tally]] = {}
    for key, tally in tallies.items():
        by_disease.setdefault(key[0], {})[key] = tally
    written = 0
    for chunk in _chunks(ids, DISEASES_PER_WRITE):
        part = {key: t for d in chunk for key, t in by_disease.get(d, {}).items()}
        written += _replace(chunk, part, now)
    return written


@task()
def rankings_recompute_task(disease_id: int, requested_at: str | None = None) -> int:
    """Recompute one disease's rankings in the background, unless a recompute began after the
    change that asked for it (many reports in a row queue many requests: one suffices).
    Returns how many rows it wrote, or -1 when it had nothing to do.

    Idempotent (a task may run again after its worker died, raremap/core/tasks.py): it replaces
    the disease's rows with ones computed from the current reports, in one transaction with the
    disease locked, and keeps rows of a recompute that began later."""
    if requested_at is not None:
        latest = TreatmentRanking.objects.filter(disease_id=disease_id).aggregate(
            latest=Max("computed_at")
        )["latest"]
        if latest is not None and latest >= datetime.fromisoformat(requested_at):
            return -1
    return rankings_recompute(disease_ids=[disease_id])
