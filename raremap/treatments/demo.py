"""Demo treatment reports: what the demo community says a treatment did, so that a new site shows
how the rankings, the min-count rule and the open data files work.

`seed_demo_treatments()` writes reports for DFSP and three other demo diseases (the ones with
demo answers, raremap/questions/demo.py), by demo members of those communities with the role
that fits the report (a patient reports for themselves, a relative or a caregiver for someone
they care for), joining more demo members when a role runs short, as the demo answers do.
Everything it writes is labelled: reports have `is_demo=True` and demo authors. Their countries
are the demo members' profile countries (raremap/communities/demo.py).

The numbers are made to look like what patients of these diseases tend to report, not to state
what works: for DFSP, Mohs micrographic surgery and wide local excision strong with many
reports, imatinib moderate with a real side-effect burden, radiotherapy mixed, and a few
treatments with one to four reports so that the min-count rule shows. Each (disease, treatment)
has an exact distribution of effectiveness and burden scores, shuffled and dated with a seeded
random generator.

Deterministic and idempotent: the same demo community gives the same reporters, scores and
months on every database, and a second run adds nothing. A treatment whose demo reports are
incomplete (demo members were removed) gets its demo reports written again. Treatments the
vocabulary does not have yet are created (source "curated") under the slugs the vocabulary uses.
Rankings of the demo diseases are recomputed at the end (raremap.treatments.ranking).
"""

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.core.text import render_markdown
from raremap.questions.demo import MIN_MEMBERS, _Authors
from raremap.treatments.models import (
    ReportedFor,
    Treatment,
    TreatmentKind,
    TreatmentName,
    TreatmentReport,
    WhyStopped,
)

SEED = "raremap-demo-treatments-1"  # changing it changes every reporter, score and month
FOR_ROLE = {Role.PATIENT: ReportedFor.SELF, Role.RELATIVE: ReportedFor.RELATIVE}
FOR_ROLE[Role.CAREGIVER] = ReportedFor.CARE


class Writer(Protocol):
    def write(self, text: str) -> object: ...


@dataclass(frozen=True)
class DemoTreatment:
    """A treatment the demo needs, as the vocabulary would have it."""

    name: str
    kind: str
    drugbank_id: str = ""
    mesh_id: str = ""
    medlineplus_id: str = ""
    other_names: tuple[tuple[str, str], ...] = ()  # (name, TreatmentName.Kind)


@dataclass(frozen=True)
class DemoReports:
    """The demo reports of one treatment for one disease: how many gave each score."""

    slug: str
    effectiveness: tuple[int, int, int, int, int]  # reports scoring 1, 2, 3, 4, 5
    burden: tuple[int, int, int, int, int]  # the same number of reports in all
    course: str  # "once" (surgery), "course" (weeks to months), "ongoing" (may still be taken)
    still_taking: float = 0.0  # for "ongoing": the share still taking it
    notes: tuple[str, ...] = ()  # side-effect notes, given in turn to reports with burden ≥ 3

    @property
    def count(self) -> int:
        return sum(self.effectiveness)


@dataclass(frozen=True)
class DemoDisease:
    reports: tuple[DemoReports, ...]
    roles: dict[str, float] = field(
        default_factory=lambda: {Role.PATIENT: 0.7, Role.RELATIVE: 0.2, Role.CAREGIVER: 0.1}
    )


B, S = TreatmentName.Kind.BRAND, TreatmentName.Kind.SYNONYM
TREATMENTS = {
    "mohs-micrographic-surgery": DemoTreatment(
        "Mohs micrographic surgery",
        TreatmentKind.PROCEDURE,
        mesh_id="D020769",
        other_names=(("Mohs surgery", S),),
    ),
    "wide-local-excision": DemoTreatment("Wide local excision", TreatmentKind.PROCEDURE),
    "surgical-excision": DemoTreatment("Surgical excision", TreatmentKind.PROCEDURE),
    "imatinib": DemoTreatment(
        "Imatinib",
        TreatmentKind.DRUG,
        drugbank_id="DB00619",
        mesh_id="D000068877",
        medlineplus_id="a606018",
        other_names=(("Gleevec", B), ("Glivec", B)),
    ),
    "radiotherapy": DemoTreatment(
        "Radiotherapy", TreatmentKind.THERAPY, other_names=(("Radiation therapy", S),)
    ),
    "vitamin-d": DemoTreatment("Vitamin D", TreatmentKind.SUPPLEMENT),
    "physiotherapy": DemoTreatment(
        "Physiotherapy", TreatmentKind.THERAPY, other_names=(("Physical therapy", S),)
    ),
    "chemotherapy": DemoTreatment("Chemotherapy", TreatmentKind.DRUG),
    "ivacaftor": DemoTreatment(
        "Ivacaftor",
        TreatmentKind.DRUG,
        drugbank_id="DB08820",
        medlineplus_id="a612012",
        other_names=(("Kalydeco", B),),
    ),
    "dornase-alfa": DemoTreatment(
        "Dornase alfa",
        TreatmentKind.DRUG,
        drugbank_id="DB00003",
        medlineplus_id="a694002",
        other_names=(("Pulmozyme", B),),
    ),
    "azithromycin": DemoTreatment(
        "Azithromycin",
        TreatmentKind.DRUG,
        drugbank_id="DB00207",
        mesh_id="D017963",
        medlineplus_id="a697037",
    ),
    "losartan": DemoTreatment(
        "Losartan",
        TreatmentKind.DRUG,
        drugbank_id="DB00678",
        mesh_id="D019808",
        medlineplus_id="a695008",
    ),
    "atenolol": DemoTreatment(
        "Atenolol",
        TreatmentKind.DRUG,
        drugbank_id="DB00335",
        mesh_id="D001262",
        medlineplus_id="a684031",
    ),
    "tetrabenazine": DemoTreatment(
        "Tetrabenazine",
        TreatmentKind.DRUG,
        drugbank_id="DB04844",
        mesh_id="D013747",
        medlineplus_id="a618009",
    ),
}

# fmt: off
REPORTS: dict[str, DemoDisease] = {
    "ORPHA:31112": DemoDisease((  # dermatofibrosarcoma protuberans
        DemoReports("mohs-micrographic-surgery", (0, 0, 1, 4, 11), (7, 6, 3, 0, 0), "once"),
        DemoReports("wide-local-excision", (0, 1, 2, 4, 5), (2, 5, 4, 1, 0), "once",
                    notes=("A long scar and a tight shoulder for months.",)),
        DemoReports("imatinib", (1, 1, 3, 3, 1), (0, 1, 3, 4, 1), "ongoing", still_taking=0.3,
                    notes=("Puffy eyes and tiredness the first months.",
                           "Nausea unless I took it with food.",
                           "Muscle cramps at night.")),
        DemoReports("radiotherapy", (1, 2, 2, 1, 1), (1, 2, 2, 2, 0), "course",
                    notes=("The skin was like a bad sunburn for weeks.",)),
        DemoReports("surgical-excision", (1, 2, 1, 1, 0), (2, 2, 1, 0, 0), "once"),
        # Too few reports to show: the min-count rule hides their numbers.
        DemoReports("vitamin-d", (1, 1, 1, 0, 0), (3, 0, 0, 0, 0), "ongoing", still_taking=0.7),
        DemoReports("physiotherapy", (0, 0, 1, 1, 0), (1, 1, 0, 0, 0), "course"),
        DemoReports("chemotherapy", (1, 0, 0, 0, 0), (0, 0, 0, 1, 0), "course",
                    notes=("Hair loss and exhaustion, and the tumour did not shrink.",)),
    )),
    "ORPHA:586": DemoDisease(  # cystic fibrosis: many parents report for a child
        (
            DemoReports("ivacaftor", (0, 0, 1, 3, 5), (2, 4, 2, 1, 0), "ongoing",
                        still_taking=0.9, notes=("A rash in the first weeks.",)),
            DemoReports("physiotherapy", (0, 1, 2, 4, 2), (2, 3, 3, 1, 0), "ongoing",
                        still_taking=0.8, notes=("Twice a day, every day: it takes time.",)),
            DemoReports("dornase-alfa", (0, 1, 2, 3, 1), (3, 3, 1, 0, 0), "ongoing",
                        still_taking=0.7),
            DemoReports("azithromycin", (1, 1, 2, 1, 0), (1, 2, 1, 1, 0), "ongoing",
                        still_taking=0.4, notes=("Upset stomach.",)),
            DemoReports("vitamin-d", (0, 2, 2, 0, 0), (4, 0, 0, 0, 0), "ongoing",
                        still_taking=1.0),
        ),
        {Role.PATIENT: 0.45, Role.RELATIVE: 0.45, Role.CAREGIVER: 0.1},
    ),
    "ORPHA:558": DemoDisease((  # Marfan syndrome
        DemoReports("atenolol", (0, 1, 3, 3, 0), (1, 2, 2, 2, 0), "ongoing", still_taking=0.6,
                    notes=("Cold hands and tired all the time.",)),
        DemoReports("losartan", (0, 1, 3, 2, 0), (3, 2, 1, 0, 0), "ongoing", still_taking=0.8),
        DemoReports("physiotherapy", (0, 1, 1, 1, 0), (2, 1, 0, 0, 0), "course"),
    )),
    "ORPHA:399": DemoDisease(  # Huntington disease: relatives and caregivers often report
        (
            DemoReports("tetrabenazine", (0, 1, 2, 2, 0), (0, 1, 1, 2, 1), "ongoing",
                        still_taking=0.6, notes=("Low mood; the dose was lowered.",
                                                 "Very sleepy in the afternoons.")),
            DemoReports("physiotherapy", (0, 1, 2, 1, 0), (2, 2, 0, 0, 0), "ongoing",
                        still_taking=0.5),
        ),
        {Role.PATIENT: 0.4, Role.RELATIVE: 0.4, Role.CAREGIVER: 0.2},
    ),
}
# fmt: on


def _months_before(today: date, months: int) -> date:
    """The first day of the month `months` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _treatments() -> tuple[dict[str, Treatment], int]:
    """The demo's treatments by slug, created where the vocabulary lacks them."""
    found = {t.slug: t for t in Treatment.objects.filter(slug__in=TREATMENTS)}
    created = 0
    for slug, spec in TREATMENTS.items():
        if slug in found:
            continue
        treatment = Treatment.objects.create(
            slug=slug,
            name=spec.name,
            kind=spec.kind,
            source="curated",
            drugbank_id=spec.drugbank_id,
            mesh_id=spec.mesh_id,
            medlineplus_id=spec.medlineplus_id,
        )
        names = [(spec.name, TreatmentName.Kind.GENERIC), *spec.other_names]
        TreatmentName.objects.bulk_create(
            [
                TreatmentName(
                    treatment=treatment,
                    name=name,
                    normalized=" ".join(name.lower().split()),
                    kind=kind,
                )
                for name, kind in names
            ]
        )
        found[slug] = treatment
        created += 1
    return found, created


def _plan(
    spec: DemoReports,
    disease: DemoDisease,
    authors: _Authors,
    rng: random.Random,
    today: date,
) -> list[TreatmentReport]:
    """The reports of one treatment for one disease, unsaved."""
    scores = [n for n, count in enumerate(spec.effectiveness, 1) for _ in range(count)]
    burdens = [n for n, count in enumerate(spec.burden, 1) for _ in range(count)]
    if len(scores) != len(burdens):
        raise ValueError(f"{spec.slug}: effectiveness and burden count different reports")
    rng.shuffle(burdens)
    roles, weights = zip(*disease.roles.items(), strict=True)
    used: set[int] = set()
    notes = iter(spec.notes * len(scores))
    reports = []
    for effectiveness, burden in zip(scores, burdens, strict=True):
        role = rng.choices(roles, weights)[0]
        user = authors.pick(role, used, rng)
        started = _months_before(today, rng.randrange(3, 61))
        stopped, still, why = None, False, ""
        if spec.course == "ongoing" and rng.random() < spec.still_taking:
            still = True
        else:
            length = {"once": 0, "course": rng.randrange(1, 4)}.get(spec.course)
            length = rng.randrange(2, 25) if length is None else length
            stopped = min(_months_before(started, -length), _months_before(today, 0))
            if burden >= 4 and spec.course != "once":
                why = WhyStopped.SIDE_EFFECTS
            elif effectiveness <= 2 and spec.course == "ongoing":
                why = WhyStopped.NOT_WORKING
            else:
                why = WhyStopped.COMPLETED
        note = next(notes) if burden >= 3 and spec.notes else ""
        reports.append(
            TreatmentReport(
                user=user,
                reported_for=FOR_ROLE[role],
                effectiveness=effectiveness,
                side_effect_burden=burden,
                side_effects_note=note,
                side_effects_note_html=render_markdown(note) if note else "",
                started_on=started,
                stopped_on=stopped,
                still_taking=still,
                why_stopped=why,
                is_demo=True,
            )
        )
    return reports


def _recompute(disease_ids: list[int]) -> int:
    """Recompute the demo diseases' rankings; returns how many ranking rows it wrote."""
    from raremap.treatments.ranking import rankings_recompute

    return rankings_recompute(disease_ids=disease_ids)


def seed_demo_treatments(*, stdout: Writer | None = None) -> dict[str, int]:
    """Write the demo treatment reports that are not there yet; return how many reports, of
    how many (disease, treatment) pairs, how many treatments and memberships that took, and
    how many ranking rows the recompute wrote."""
    counts = dict.fromkeys(("reports", "pairs", "treatments", "memberships", "rankings"), 0)
    diseases = {d.primary_code: d for d in Disease.objects.filter(primary_code__in=REPORTS)}
    demo_members = User.objects.filter(is_demo=True).count()
    if demo_members >= MIN_MEMBERS:
        treatments, counts["treatments"] = _treatments()
        today = timezone.localdate()
        for code, demo in REPORTS.items():
            disease = diseases.get(code)
            if disease is None:  # a catalog without this disease
                continue
            authors = _Authors(disease, demo_members)
            for spec in demo.reports:
                treatment = treatments[spec.slug]
                existing = TreatmentReport.objects.filter(
                    disease=disease, treatment=treatment, is_demo=True
                )
                if existing.count() >= spec.count:
                    continue
                rng = random.Random(f"{SEED}:{code}:{spec.slug}")
                with transaction.atomic():
                    existing.delete()  # incomplete (members went): written again, whole
                    reports = _plan(spec, demo, authors, rng, today)
                    for report in reports:
                        report.disease, report.treatment = disease, treatment
                    TreatmentReport.objects.bulk_create(reports)
                counts["reports"] += len(reports)
                counts["pairs"] += 1
            counts["memberships"] += authors.joined
    # Always: reports of removed demo members went without the ranking being told.
    rankings = _recompute(sorted(d.pk for d in diseases.values()))
    counts["rankings"] = rankings
    if stdout is not None and demo_members >= MIN_MEMBERS:  # below: silent, like the questions
        if counts["reports"]:
            stdout.write(
                f"Demo treatments: {counts['reports']:,} reports of {counts['pairs']} treatments "
                f"for {len(diseases)} diseases ({counts['memberships']:,} memberships and "
                f"{counts['treatments']} treatments added); {rankings:,} ranking rows "
                "recomputed.\n"
            )
        else:
            stdout.write("Demo treatment reports are current.\n")
    return counts
