"""The facts the import keeps for the standard questions, and the written rules on them."""

import pytest
from django.core.management import call_command

from raremap.catalog.facts import disease_facts, icd10_chapter
from raremap.catalog.models import CatalogSource, Disease, DiseaseCode, DiseaseFact
from raremap.catalog.selectors import catalog_coverage
from raremap.questions.standard import STANDARD_QUESTIONS

pytestmark = pytest.mark.django_db


def _facts(primary_code: str) -> set[tuple[str, str, str, str]]:
    return set(
        DiseaseFact.objects.filter(disease__primary_code=primary_code).values_list(
            "kind", "label", "source", "via"
        )
    )


def test_import_keeps_inheritance_and_onset_of_the_same_named_omim_entry() -> None:
    facts = _facts("ORPHA:56")  # Alkaptonuria; OMIM:203500 bears exactly its name

    assert ("inheritance", "Autosomal recessive inheritance", "hpo-omim", "OMIM:203500") in facts
    assert ("onset", "Adult onset", "hpo-omim", "OMIM:203500") in facts
    assert ("gene", "HGD", "hpo-genes", "") in facts


def test_import_keeps_genes_body_systems_and_mortality_of_orphanet_annotations() -> None:
    dfsp = _facts("ORPHA:31112")
    gaucher = DiseaseFact.objects.get(disease__primary_code="ORPHA:355", kind="mortality")

    assert {label for kind, label, _s, _v in dfsp if kind == "gene"} == {"COL1A1", "PDGFB"}
    assert ("system", "Abnormality of the integument", "hpo", "") in dfsp
    assert not {kind for kind, *_rest in dfsp} & {"inheritance", "onset", "mortality"}
    assert (gaucher.label, gaucher.number) == ("Death in infancy", 4)  # Occasional (5–29%)


def _gathered(name: str, kind: str, icd: list[str], rows: list[DiseaseFact], shown: int = 0):  # type: ignore[no-untyped-def]
    disease = Disease(name=name, kind=kind)
    codes = [DiseaseCode(system="ICD10", code=code) for code in icd]
    return disease_facts(disease, codes=codes, facts=rows, phenotypes=shown)


def test_contagious_rule_genetic_infectious_and_unknown() -> None:
    inherited = DiseaseFact(kind="inheritance", code="HP:0000007", label="Autosomal recessive")
    sporadic = DiseaseFact(kind="inheritance", code="HP:0003745", label="Sporadic")

    assert _gathered("Alkaptonuria", "rare", [], [inherited]).contagion == "genetic"
    assert _gathered("Familial thrombocytosis", "rare", [], []).contagion == "genetic"
    assert _gathered("Down syndrome", "common", ["Q90"], []).contagion == "genetic"
    assert _gathered("Tuberculosis", "common", ["A15"], []).contagion == "infectious"
    assert _gathered("Some tumour", "rare", [], [sporadic]).contagion == ""
    assert _gathered("Primary disorders of muscles", "common", ["G71"], []).contagion == ""
    # An ICD-10 name that says "hereditary and idiopathic" is a group, not a genetic verdict.
    assert _gathered("Hereditary and idiopathic neuropathy", "common", ["G60"], []).contagion == ""


def test_specialist_rule_reads_the_chapter_and_the_largest_body_systems() -> None:
    systems = [
        DiseaseFact(kind="system", code="HP:0000707", label="Nervous", number=6),
        DiseaseFact(kind="system", code="HP:0000478", label="Eye", number=3),
        DiseaseFact(kind="system", code="HP:0000152", label="Head or neck", number=5),
        DiseaseFact(kind="system", code="HP:0001626", label="Heart", number=1),
    ]

    rare = _gathered("A rare disease", "rare", [], systems, shown=10)
    common = _gathered("Primary disorders of muscles", "common", ["G71"], [])

    assert [(s.reason, s.label, s.count) for s in rare.specialists] == [
        ("system", "Nervous", 6),
        ("system", "Eye", 3),  # head or neck has no specialist; the heart holds too few
    ]
    assert [str(s.specialist) for s in common.specialists] == ["a neurologist"]
    assert icd10_chapter("G71.0").number == "VI"
    assert icd10_chapter("Z00") is None


def test_catalog_coverage_counts_match_the_database(capsys: pytest.CaptureFixture) -> None:
    rows, totals = catalog_coverage()
    by_slug = {row.slug: row for row in rows}
    rare = Disease.objects.filter(kind="rare", is_obsolete=False)
    with_onset = rare.filter(facts__kind="onset").distinct().count()

    assert totals == {
        "rare": rare.count(),
        "common": Disease.objects.filter(kind="common", is_obsolete=False).count(),
    }
    assert [row.slug for row in rows] == [q.slug for q in STANDARD_QUESTIONS]
    assert by_slug["first-symptoms"].rare == with_onset
    assert by_slug["life-expectancy"].rare == (
        rare.filter(facts__kind="mortality").distinct().count()
    )
    assert by_slug["symptoms"].rare == rare.filter(phenotypes__isnull=False).distinct().count()
    assert by_slug["specialist"].common == totals["common"]  # every category has a chapter
    assert by_slug["how-common"].rare == by_slug["how-common"].common == 0

    call_command("catalog-coverage")
    printed = capsys.readouterr().out
    onset = by_slug["first-symptoms"].rare
    assert f"| first-symptoms     | onset            | {onset:,} (" in printed
    assert "| celebrities        | none " in printed


def test_sources_of_the_facts_are_recorded() -> None:
    sources = dict(CatalogSource.objects.values_list("key", "records"))

    assert sources["hpo-omim"] > 500  # ORPHA diseases with a same-named OMIM entry
    assert sources["hpo-genes"] > 2000  # ORPHA diseases with genes
