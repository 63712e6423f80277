"""The ranking method on hand-computed cases, and the recompute against a plain calculation."""

import math
import random
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.treatments import services
from raremap.treatments.models import Treatment, TreatmentRanking, TreatmentReport
from raremap.treatments.ranking import (
    Estimate,
    estimate,
    rankings_recompute,
    rankings_recompute_task,
)
from raremap.treatments.selectors import ranking_list
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _treatment(slug: str, name: str | None = None) -> Treatment:
    return Treatment.objects.create(
        slug=slug, name=name or slug.title(), kind="drug", source="curated"
    )


def _reports(
    disease: Disease, treatment: Treatment, scores: list[int], *, country: str = ""
) -> list[User]:
    """One report per score, each by a new member (written directly: the method is tested)."""
    users = [UserFactory(country=country) for _ in scores]
    TreatmentReport.objects.bulk_create(
        TreatmentReport(
            user=user,
            disease=disease,
            treatment=treatment,
            reported_for="self",
            effectiveness=score,
            side_effect_burden=2,
        )
        for user, score in zip(users, scores, strict=True)
    )
    return users


# The method, by hand: score = Σ k·(c_k + 1) / (n + 5); V = Σ k²·(c_k + 1) / (n + 5) − score²;
# interval = score ± 1.645·√(V / (n + 6)).


def test_two_enthusiastic_reports() -> None:
    # Counts with the prior: 1, 1, 1, 1, 3 (N = 7). Σk = 25, Σk² = 1+4+9+16+75 = 105.
    score = 25 / 7
    sd = math.sqrt((105 / 7 - score**2) / 8)  # V = 110/49

    assert estimate([0, 0, 0, 0, 2]) == Estimate(
        reports=2,
        mean=5.0,
        score=round(score, 6),
        lower=round(score - 1.645 * sd, 6),
        upper=round(score + 1.645 * sd, 6),
    )
    assert round(score, 2) == 3.57
    assert (round(score - 1.645 * sd, 2), round(score + 1.645 * sd, 2)) == (2.70, 4.44)


def test_forty_reports_averaging_4_2() -> None:
    # Eight 3s, sixteen 4s, sixteen 5s: mean 168/40 = 4.2. With the prior: 1, 1, 9, 17, 17
    # (N = 45), Σk = 1+2+27+68+85 = 183, Σk² = 1+4+81+272+425 = 783.
    score = 183 / 45
    sd = math.sqrt((783 / 45 - score**2) / 46)

    assert estimate([0, 0, 8, 16, 16]) == Estimate(
        reports=40,
        mean=4.2,
        score=round(score, 6),
        lower=round(score - 1.645 * sd, 6),
        upper=round(score + 1.645 * sd, 6),
    )
    assert (round(score, 2), round(score - 1.645 * sd, 2), round(score + 1.645 * sd, 2)) == (
        4.07,
        3.84,
        4.29,
    )


def test_no_reports_is_the_prior() -> None:
    # One imaginary report at each score: mean 3, V = 11 − 9 = 2, sd = √(2/6).
    sd = math.sqrt(2 / 6)

    assert estimate([0, 0, 0, 0, 0]) == Estimate(
        reports=0,
        mean=0.0,
        score=3.0,
        lower=round(3 - 1.645 * sd, 6),
        upper=round(3 + 1.645 * sd, 6),
    )


def test_five_reports_of_one() -> None:
    # With the prior: 6, 1, 1, 1, 1 (N = 10): Σk = 20, Σk² = 60, V = 6 − 4 = 2, sd = √(2/11).
    sd = math.sqrt(2 / 11)

    assert estimate([5, 0, 0, 0, 0]) == Estimate(
        reports=5,
        mean=1.0,
        score=2.0,
        lower=round(2 - 1.645 * sd, 6),
        upper=round(2 + 1.645 * sd, 6),
    )


def test_equal_scores_with_more_reports_have_a_narrower_interval() -> None:
    five_threes = estimate([0, 0, 5, 0, 0])  # Σk = 30 of N = 10; Σk² = 100, V = 1
    ten_split = estimate([0, 5, 0, 5, 0])  # Σk = 45 of N = 15; Σk² = 155, V = 4/3

    assert (five_threes.score, ten_split.score) == (3.0, 3.0)
    assert five_threes.lower == round(3 - 1.645 * math.sqrt(1 / 11), 6)
    assert ten_split.lower == round(3 - 1.645 * math.sqrt((4 / 3) / 16), 6)


def test_estimate_refuses_bad_counts() -> None:
    with pytest.raises(ValueError, match="five non-negative numbers"):
        estimate([1, 2, 3])
    with pytest.raises(ValueError, match="five non-negative numbers"):
        estimate([1, 2, 3, 4, -1])


def test_two_enthusiastic_reports_rank_below_forty_good_ones(dfsp: Disease, settings) -> None:
    settings.TREATMENT_MIN_REPORTS = 2  # show both, to see the order
    _reports(dfsp, _treatment("new-hope"), [5, 5])
    _reports(dfsp, _treatment("old-faithful"), [3] * 8 + [4] * 16 + [5] * 16)

    rankings_recompute(disease_ids=[dfsp.pk])

    ranked = ranking_list(dfsp)
    assert [(r.rank, r.slug, r.reports, r.score) for r in ranked] == [
        (1, "old-faithful", 40, round(183 / 45, 6)),
        (2, "new-hope", 2, round(25 / 7, 6)),
    ]


def test_ties_go_to_more_reports_then_to_the_name(dfsp: Disease) -> None:
    _reports(dfsp, _treatment("zeta"), [2] * 5 + [4] * 5)  # score 3.0 from 10 reports
    _reports(dfsp, _treatment("beta"), [3] * 5)  # score 3.0 from 5 reports
    _reports(dfsp, _treatment("alpha"), [3] * 5)  # the same as beta
    _reports(dfsp, _treatment("gamma"), [4] * 5)  # score 3.5

    rankings_recompute()

    assert [(r.slug, r.score, r.reports) for r in ranking_list(dfsp)] == [
        ("gamma", 3.5, 5),
        ("zeta", 3.0, 10),
        ("alpha", 3.0, 5),
        ("beta", 3.0, 5),
    ]


def _expected(reports: list[TreatmentReport]) -> dict[tuple[int, int], dict]:
    """The rankings, computed the plain way from report objects."""
    groups: dict[tuple[int, int], list[TreatmentReport]] = {}
    for report in reports:
        groups.setdefault((report.disease_id, report.treatment_id), []).append(report)
    expected = {}
    for key, group in groups.items():
        counts = [sum(1 for r in group if r.effectiveness == k) for k in range(1, 6)]
        n = len(group)
        mean = sum(r.effectiveness for r in group) / n
        prior = [c + 1 for c in counts]
        score = sum(k * c for k, c in zip(range(1, 6), prior, strict=True)) / (n + 5)
        spread = sum(c * (k - score) ** 2 for k, c in zip(range(1, 6), prior, strict=True))
        sd = math.sqrt(spread / (n + 5) / (n + 6))
        who = Counter(r.reported_for for r in group)
        countries = Counter(r.user.country for r in group if r.user.country)
        expected[key] = {
            "reports": n,
            "effectiveness_counts": counts,
            "mean": round(mean, 6),
            "score": round(score, 6),
            "lower": round(max(1, score - 1.645 * sd), 6),
            "upper": round(min(5, score + 1.645 * sd), 6),
            "burden_mean": round(sum(r.side_effect_burden for r in group) / n, 6),
            "by_reporter": {k: who.get(k, 0) for k in ("self", "relative", "care")},
            "countries": dict(countries),
        }
    return expected


def test_recompute_matches_a_plain_calculation(dfsp: Disease) -> None:
    other = Disease.objects.get(primary_code="ORPHA:586")  # cystic fibrosis
    treatments = [_treatment(slug) for slug in ("imatinib", "mohs-surgery", "radiotherapy")]
    rng = random.Random(7)
    users = [UserFactory(country=rng.choice(["ES", "FR", "DE", ""])) for _ in range(24)]
    inactive = UserFactory(country="ES", is_active=False)
    for user in [*users, inactive]:
        for disease in (dfsp, other):
            for treatment in rng.sample(treatments, 2):
                TreatmentReport.objects.create(
                    user=user,
                    disease=disease,
                    treatment=treatment,
                    reported_for=rng.choice(["self", "relative", "care"]),
                    effectiveness=rng.randint(1, 5),
                    side_effect_burden=rng.randint(1, 5),
                )
    reports = list(TreatmentReport.objects.filter(user__is_active=True).select_related("user"))
    assert len(reports) == 96

    written = rankings_recompute()

    rows = {
        (row["disease_id"], row["treatment_id"]): row
        for row in TreatmentRanking.objects.values(
            "disease_id",
            "treatment_id",
            "reports",
            "effectiveness_counts",
            "mean",
            "score",
            "lower",
            "upper",
            "burden_mean",
            "by_reporter",
            "countries",
        )
    }
    for row in rows.values():
        del row["disease_id"], row["treatment_id"]
    assert written == 6
    assert rows == _expected(reports)  # the inactive member's reports do not count


def test_recompute_of_one_disease_replaces_only_its_rows(dfsp: Disease) -> None:
    other = Disease.objects.get(primary_code="ORPHA:586")
    imatinib = _treatment("imatinib")
    _reports(dfsp, imatinib, [4, 4])
    _reports(other, imatinib, [2])
    rankings_recompute()
    TreatmentReport.objects.filter(disease=dfsp).delete()
    _reports(other, imatinib, [5])

    written = rankings_recompute(disease_ids=[dfsp.pk])

    assert written == 0
    assert list(TreatmentRanking.objects.values_list("disease_id", "reports")) == [(other.pk, 1)]


def test_recompute_is_idempotent(dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [4, 5, 3])

    rankings_recompute()
    first = list(TreatmentRanking.objects.values_list("treatment__slug", "reports", "score"))
    rankings_recompute()

    assert TreatmentRanking.objects.count() == 1
    assert list(TreatmentRanking.objects.values_list("treatment__slug", "reports", "score")) == (
        first
    )


def test_task_skips_a_request_older_than_the_rankings(dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [4])
    rankings_recompute()
    before = (timezone.now() - timedelta(minutes=1)).isoformat()
    after = (timezone.now() + timedelta(minutes=1)).isoformat()

    assert rankings_recompute_task.call(dfsp.pk, before) == -1
    assert rankings_recompute_task.call(dfsp.pk, after) == 1
    assert rankings_recompute_task.call(dfsp.pk) == 1


def test_a_report_write_recomputes_its_disease_after_commit(
    dfsp: Disease, django_capture_on_commit_callbacks
) -> None:
    patient = UserFactory()
    MembershipFactory(user=patient, disease=dfsp, role=Role.PATIENT)
    imatinib = _treatment("imatinib")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.report_save(
            user=patient, disease=dfsp, treatment=imatinib, effectiveness=4, side_effect_burden=1
        )

    assert len(callbacks) == 1
    assert list(TreatmentRanking.objects.values_list("treatment_id", "reports", "mean")) == [
        (imatinib.pk, 1, 4.0)
    ]


def test_command_recomputes(dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [4, 5])
    out = StringIO()

    call_command("recompute-rankings", "dermatofibrosarcoma-protuberans", stdout=out)

    assert out.getvalue() == "1 rankings written.\n"
    assert TreatmentRanking.objects.get().reports == 2


def test_command_refuses_unknown_diseases(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No such disease: no-such-disease"):
        call_command("recompute-rankings", "no-such-disease")


def test_an_older_recompute_keeps_the_rows_of_a_newer_one(
    dfsp: Disease, monkeypatch: pytest.MonkeyPatch
) -> None:
    imatinib = _treatment("imatinib")
    _reports(dfsp, imatinib, [4])
    rankings_recompute()
    computed = TreatmentRanking.objects.get().computed_at
    _reports(dfsp, imatinib, [2])
    earlier = computed - timedelta(seconds=1)
    monkeypatch.setattr("raremap.treatments.ranking.timezone.now", lambda: earlier)

    written = rankings_recompute(disease_ids=[dfsp.pk])

    assert written == 0
    assert list(TreatmentRanking.objects.values_list("reports", "computed_at")) == [(1, computed)]


def test_recompute_of_everything_drops_diseases_without_reports(dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [4])
    rankings_recompute()
    TreatmentReport.objects.all().delete()

    assert rankings_recompute() == 0
    assert not TreatmentRanking.objects.exists()
