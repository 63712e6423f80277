import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from raremap.catalog.models import Disease
from raremap.catalog.selectors import disease_get, disease_phenotype_bands, disease_search

DFSP = "ORPHA:31112"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "DFSP",
        "dfsp",
        "dermatofibrosarcoma",
        "Dermatofibrosarcoma protuberans",
        "ORPHA:31112",
        "orpha 31112",
        "dermatofibrosarcma",
        "  DERMATOFIBROSARCOMA   protub ",
    ],
)
def test_search_finds_dfsp_first(query: str) -> None:
    result = disease_search(query, limit=5)

    assert result.hits[0].disease.primary_code == DFSP


@pytest.mark.django_db
def test_typo_is_corrected_and_said() -> None:
    result = disease_search("dermatofibrosarcma")

    assert result.corrected_query == "dermatofibrosarcoma"
    assert [h.disease.primary_code for h in result.hits] == [DFSP]


@pytest.mark.django_db
def test_abbreviation_match_names_the_abbreviation() -> None:
    hit = disease_search("DFSP").hits[0]

    assert (hit.matched_name, hit.matched_kind) == ("DFSP", "abbreviation")


@pytest.mark.django_db
def test_icd10_subcode_finds_its_category_page() -> None:
    hit = disease_search("G71.0").hits[0]

    assert hit.disease.primary_code == "ICD10:G71"
    assert hit.matched_name == "ICD10:G71.0 Muscular dystrophy"


@pytest.mark.django_db
def test_icd10_category_named_like_a_rare_disease_joins_it() -> None:
    result = disease_search("E84")

    assert [h.disease.primary_code for h in result.hits] == ["ORPHA:586"]
    assert not Disease.objects.filter(primary_code="ICD10:E84").exists()


@pytest.mark.django_db
def test_exact_name_ranks_before_longer_names() -> None:
    names = [h.disease.name for h in disease_search("cystic fibrosis", limit=3).hits]

    assert names[0] == "Cystic fibrosis"


@pytest.mark.django_db
def test_common_word_is_capped_and_paginated_consistently() -> None:
    first = disease_search("syndrome", limit=20, offset=0)
    second = disease_search("syndrome", limit=20, offset=20)

    assert first.capped is True
    assert first.total == second.total
    assert len(first.hits) == len(second.hits) == 20
    assert not {h.disease.pk for h in first.hits} & {h.disease.pk for h in second.hits}


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "   ", "!!!", "%", '"*', "a" * 5000])
def test_junk_queries_return_nothing(query: str) -> None:
    result = disease_search(query)

    assert (result.total, result.hits) == (0, [])


@pytest.mark.django_db
def test_sql_in_a_query_is_only_text() -> None:
    before = Disease.objects.count()

    disease_search("'; DROP TABLE catalog_disease; --")
    disease_search('cystic" OR "1')

    assert Disease.objects.count() == before


@pytest.mark.django_db
def test_unknown_word_finds_nothing_and_corrects_nothing() -> None:
    result = disease_search("qwxzvbnm")

    assert (result.total, result.corrected_query) == (0, "")


@pytest.mark.django_db
def test_search_query_count_does_not_grow_with_results() -> None:
    counts = []
    for limit in (1, 3, 20):
        with CaptureQueriesContext(connection) as captured:
            result = disease_search("syndrome", limit=limit)
            [hit.disease.name for hit in result.hits]
        counts.append(len(captured))

    assert counts == [3, 3, 3]


@pytest.mark.django_db
def test_dfsp_phenotypes_grouped_by_frequency(dfsp: Disease) -> None:
    bands = disease_phenotype_bands(disease_get(dfsp.slug))

    assert [(b.frequency, len(b.terms)) for b in bands] == [(2, 5), (3, 1), (4, 1), (5, 1)]
    assert sorted(t for b in bands for t in b.terms) == sorted(
        [
            "Erythema",
            "Fibrosarcoma",
            "Lymphadenopathy",
            "Neoplasm of the skin",
            "Pain",
            "Skin ulcer",
            "Subcutaneous nodule",
            "Thickened skin",
        ]
    )


@pytest.mark.django_db
def test_disease_get_query_count_is_constant() -> None:
    many = (
        Disease.objects.annotate(n=Count("phenotypes")).order_by("-n").values_list("slug", "n")
    ).first()
    counts = {}
    for slug in ("dermatofibrosarcoma-protuberans", many[0]):
        with CaptureQueriesContext(connection) as captured:
            disease = disease_get(slug)
            disease_phenotype_bands(disease)
            list(disease.codes.all()), list(disease.names.all())
        counts[slug] = len(captured)

    assert many[1] > 50
    assert set(counts.values()) == {4}
