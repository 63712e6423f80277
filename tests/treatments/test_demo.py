"""The demo treatment reports (raremap/treatments/demo.py)."""

import importlib.util
import sys
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from raremap.catalog.models import Disease
from raremap.communities.demo import demo_seed
from raremap.communities.models import Membership, Role
from raremap.treatments.demo import REPORTS, TREATMENTS, seed_demo_treatments
from raremap.treatments.models import Treatment, TreatmentName, TreatmentRanking, TreatmentReport
from tests.factories import UserFactory

MEMBERS = 150
PLANNED = sum(spec.count for disease in REPORTS.values() for spec in disease.reports)
RANKING_MODULE = importlib.util.find_spec("raremap.treatments.ranking") is not None


def _seed(members: int = MEMBERS) -> dict[str, int]:
    demo_seed(members=members)
    return seed_demo_treatments()


def _reports() -> list[tuple]:
    """Every demo report as data: disease, treatment, reporter, scores, months (no ids)."""
    return list(
        TreatmentReport.objects.order_by(
            "disease__primary_code", "treatment__slug", "user__email"
        ).values_list(
            "disease__primary_code",
            "treatment__slug",
            "user__email",
            "reported_for",
            "effectiveness",
            "side_effect_burden",
            "side_effects_note",
            "started_on",
            "stopped_on",
            "still_taking",
            "why_stopped",
            "is_demo",
        )
    )


def _per_pair() -> dict[tuple[str, str], int]:
    rows = TreatmentReport.objects.values_list("disease__primary_code", "treatment__slug").annotate(
        n=Count("pk")
    )
    return {(code, slug): n for code, slug, n in rows}


@pytest.mark.django_db
def test_seeds_every_planned_report_with_the_planned_scores() -> None:
    counts = _seed()

    assert counts["reports"] == PLANNED == TreatmentReport.objects.count()
    assert counts["pairs"] == sum(len(d.reports) for d in REPORTS.values())
    assert counts["treatments"] == len(TREATMENTS) == Treatment.objects.count()
    for code, disease in REPORTS.items():
        for spec in disease.reports:
            reports = TreatmentReport.objects.filter(
                disease__primary_code=code, treatment__slug=spec.slug
            )
            scores = [reports.filter(effectiveness=n).count() for n in range(1, 6)]
            burdens = [reports.filter(side_effect_burden=n).count() for n in range(1, 6)]
            assert (tuple(scores), tuple(burdens)) == (spec.effectiveness, spec.burden), spec.slug


@pytest.mark.django_db
def test_dfsp_has_strong_surgery_moderate_imatinib_and_a_few_below_the_minimum() -> None:
    _seed()

    pairs = {slug: n for (code, slug), n in _per_pair().items() if code == "ORPHA:31112"}
    assert pairs == {
        "mohs-micrographic-surgery": 16,
        "wide-local-excision": 12,
        "imatinib": 9,
        "radiotherapy": 7,
        "surgical-excision": 5,
        "vitamin-d": 3,
        "physiotherapy": 2,
        "chemotherapy": 1,
    }
    dfsp = TreatmentReport.objects.filter(disease__primary_code="ORPHA:31112")
    mohs = dfsp.filter(treatment__slug="mohs-micrographic-surgery")
    imatinib = dfsp.filter(treatment__slug="imatinib")
    assert mohs.filter(effectiveness__gte=4).count() == 15
    assert imatinib.filter(side_effect_burden__gte=3).count() == 8
    assert imatinib.exclude(side_effects_note="").count() >= 3
    assert set(imatinib.values_list("still_taking", flat=True)) == {True, False}
    # Every disease has treatments on both sides of the min-count rule.
    for code in REPORTS:
        counts = [n for (c, _slug), n in _per_pair().items() if c == code]
        assert min(counts) < 5 <= max(counts), code


@pytest.mark.django_db
def test_everything_seeded_is_demo_by_members_of_the_community_in_a_fitting_role() -> None:
    _seed()

    assert not TreatmentReport.objects.filter(Q(is_demo=False) | Q(user__is_demo=False)).exists()
    roles = {"self": Role.PATIENT, "relative": Role.RELATIVE, "care": Role.CAREGIVER}
    for report in TreatmentReport.objects.all():
        membership = Membership.objects.get(user_id=report.user_id, disease_id=report.disease_id)
        assert membership.role == roles[report.reported_for]
    assert not TreatmentReport.objects.filter(show_name=True).exists()  # private by default
    for report in TreatmentReport.objects.exclude(stopped_on=None):
        assert report.stopped_on >= report.started_on
        assert report.why_stopped
        assert not report.still_taking
    for report in TreatmentReport.objects.filter(still_taking=True):
        assert (report.stopped_on, report.why_stopped) == (None, "")
    notes = TreatmentReport.objects.exclude(side_effects_note="")
    assert notes.count() > 0
    assert all(r.side_effects_note_html.startswith("<p>") for r in notes)
    assert {r.started_on.day for r in TreatmentReport.objects.all()} == {1}  # month precision


@pytest.mark.django_db
def test_reports_come_from_many_members_and_countries() -> None:
    _seed()

    reporters = TreatmentReport.objects.values("user").distinct().count()
    assert reporters >= 30  # members report several treatments, as they would
    countries = set(TreatmentReport.objects.values_list("user__country", flat=True))
    assert len(countries - {""}) >= 10


@pytest.mark.django_db
def test_same_demo_community_gives_the_same_reports() -> None:
    _seed()
    reports = _reports()
    demo_seed(members=0)  # members go, and their reports with them
    assert TreatmentReport.objects.count() == 0

    _seed()

    assert _reports() == reports


@pytest.mark.django_db
def test_second_run_adds_nothing() -> None:
    _seed()
    reports, memberships = _reports(), Membership.objects.count()
    rankings = list(TreatmentRanking.objects.order_by("pk").values("disease", "treatment", "score"))

    counts = seed_demo_treatments()

    # The rankings are always recomputed (members may have gone): to the same rows.
    assert counts == {"reports": 0, "pairs": 0, "treatments": 0, "memberships": 0, "rankings": 18}
    assert list(
        TreatmentRanking.objects.order_by("disease", "treatment").values(
            "disease", "treatment", "score"
        )
    ) == sorted(rankings, key=lambda r: (r["disease"], r["treatment"]))
    assert _reports() == reports
    assert Membership.objects.count() == memberships


@pytest.mark.django_db
def test_shrinking_the_demo_community_refills_the_treatments_that_lost_reports() -> None:
    _seed()
    demo_seed(members=120)  # some reporters go

    seed_demo_treatments()

    assert TreatmentReport.objects.count() == PLANNED
    assert all(
        _per_pair()[(code, spec.slug)] == spec.count
        for code, disease in REPORTS.items()
        for spec in disease.reports
    )


@pytest.mark.django_db
def test_too_few_demo_members_write_nothing() -> None:
    counts = _seed(members=50)

    assert counts == dict.fromkeys(counts, 0)
    assert TreatmentReport.objects.count() == 0
    assert Treatment.objects.count() == 0


@pytest.mark.django_db
def test_existing_treatments_are_used_and_real_reports_stay(dfsp: Disease) -> None:
    imatinib = Treatment.objects.create(
        slug="imatinib", name="Imatinib", kind="drug", source="drug-named-entity-recognition 2.0.9"
    )
    real = UserFactory()
    TreatmentReport.objects.create(
        user=real,
        disease=dfsp,
        treatment=imatinib,
        reported_for="self",
        effectiveness=2,
        side_effect_burden=5,
    )

    counts = _seed()

    assert counts["treatments"] == len(TREATMENTS) - 1
    assert Treatment.objects.get(slug="imatinib").source == "drug-named-entity-recognition 2.0.9"
    assert TreatmentReport.objects.filter(user=real).count() == 1
    assert TreatmentReport.objects.filter(treatment=imatinib, disease=dfsp).count() == 1 + 9


@pytest.mark.django_db
def test_created_treatments_are_curated_with_their_names() -> None:
    _seed()

    imatinib = Treatment.objects.get(slug="imatinib")
    assert (imatinib.source, imatinib.status, imatinib.drugbank_id) == (
        "curated",
        Treatment.Status.APPROVED,
        "DB00619",
    )
    assert set(TreatmentName.objects.filter(treatment=imatinib).values_list("name", "kind")) == {
        ("Imatinib", "generic"),
        ("Gleevec", "brand"),
        ("Glivec", "brand"),
    }


@pytest.mark.django_db
def test_rankings_are_recomputed_for_the_demo_diseases(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[list[int]] = []

    def rankings_recompute(*, disease_ids: list[int] | None = None) -> int:
        called.append(list(disease_ids or []))
        return 7

    monkeypatch.setitem(
        sys.modules,
        "raremap.treatments.ranking",
        SimpleNamespace(rankings_recompute=rankings_recompute),
    )

    counts = _seed()

    ids = sorted(Disease.objects.filter(primary_code__in=REPORTS).values_list("pk", flat=True))
    assert called == [ids]
    assert counts["rankings"] == 7


@pytest.mark.django_db
@pytest.mark.skipif(not RANKING_MODULE, reason="raremap.treatments.ranking is not on this branch")
def test_the_rankings_show_the_min_count_rule(dfsp: Disease) -> None:
    _seed()

    rows = dict(
        TreatmentRanking.objects.filter(disease=dfsp).values_list("treatment__slug", "reports")
    )
    assert rows["mohs-micrographic-surgery"] == 16
    assert rows["vitamin-d"] == 3


@pytest.mark.django_db
def test_command_seeds_treatments_then_reports_them_current() -> None:
    out = StringIO()

    call_command("seed-demo", "--members", str(MEMBERS), stdout=out)
    call_command("seed-demo", "--members", str(MEMBERS), stdout=out)

    lines = [line for line in out.getvalue().splitlines() if "reatment" in line]
    memberships = Membership.objects.filter(user__is_demo=True).count()
    assert len(lines) == 2
    assert lines[0].startswith(f"Demo treatments: {PLANNED} reports of 18 treatments for 4 ")
    assert lines[0].endswith(
        "treatments added); rankings not computed (no raremap.treatments.ranking)."
        if not RANKING_MODULE
        else "ranking rows recomputed."
    )
    assert memberships > 0
    assert lines[1] == "Demo treatment reports are current."
