"""The catalog endpoints: /api/v1/diseases/search and /api/v1/diseases/{slug}."""

from typing import get_args

import pytest
from django.db.models import Count
from django.test import Client

from raremap.api import schemas
from raremap.catalog.models import Disease, DiseaseCode, DiseaseName, DiseasePhenotype
from raremap.communities.models import Role
from tests.factories import MembershipFactory, UserFactory

SEARCH_URL = "/api/v1/diseases/search"
DFSP_URL = "/api/v1/diseases/dermatofibrosarcoma-protuberans"

DFSP_HIT = {
    "slug": "dermatofibrosarcoma-protuberans",
    "name": "Dermatofibrosarcoma protuberans",
    "title": "Dermatofibrosarcoma protuberans (DFSP)",
    "kind": "rare",
    "primary_code": "ORPHA:31112",
    "url": "/d/dermatofibrosarcoma-protuberans/",
}
NO_MEMBERS = {"total": 0, "demo": 0, "by_role": {role: 0 for role in Role.values}}


def phenotype(hpo_id: str, name: str, frequency: str, label: str) -> dict[str, str]:
    return {"hpo_id": hpo_id, "name": name, "frequency": frequency, "frequency_label": label}


VERY_FREQUENT = ("very_frequent", "Very frequent (80–99%)")
DFSP = {
    "slug": "dermatofibrosarcoma-protuberans",
    "name": "Dermatofibrosarcoma protuberans",
    "title": "Dermatofibrosarcoma protuberans (DFSP)",
    "kind": "rare",
    "primary_code": "ORPHA:31112",
    "group_label": None,
    "abbreviation": "DFSP",
    "is_obsolete": False,
    "names": [
        {"name": "DFSP", "kind": "abbreviation"},
        {"name": "Bednar cancer", "kind": "synonym"},
        {"name": "Bednar neoplasm", "kind": "synonym"},
        {"name": "Bednar tumor", "kind": "synonym"},
        {"name": "Darier ferrand cancer", "kind": "synonym"},
        {"name": "Darier ferrand tumor", "kind": "synonym"},
        {"name": "Darier hoffmann tumor", "kind": "synonym"},
        {"name": "Dermatofibrosarcoma", "kind": "synonym"},
        {"name": "Fibrosarcomatous DFSP", "kind": "synonym"},
        {"name": "Fs-DFSP", "kind": "synonym"},
        {"name": "Juvenile DFSP", "kind": "synonym"},
        {"name": "Myxoid DFSP", "kind": "synonym"},
        {"name": "Pigmented DFSP", "kind": "synonym"},
    ],
    "codes": [
        {
            "system": "MESH",
            "code": "D018223",
            "label": "Dermatofibrosarcoma",
            "url": "https://meshb.nlm.nih.gov/record/ui?ui=D018223",
        },
        {
            "system": "ORPHA",
            "code": "31112",
            "label": "Dermatofibrosarcoma protuberans",
            "url": "https://www.orpha.net/en/disease/detail/31112",
        },
    ],
    "phenotypes": [
        phenotype("HP:0010783", "Erythema", *VERY_FREQUENT),
        phenotype("HP:0100244", "Fibrosarcoma", *VERY_FREQUENT),
        phenotype("HP:0008069", "Neoplasm of the skin", *VERY_FREQUENT),
        phenotype("HP:0001482", "Subcutaneous nodule", *VERY_FREQUENT),
        phenotype("HP:0001072", "Thickened skin", *VERY_FREQUENT),
        phenotype("HP:0200042", "Skin ulcer", "frequent", "Frequent (30–79%)"),
        phenotype("HP:0012531", "Pain", "occasional", "Occasional (5–29%)"),
        phenotype("HP:0002716", "Lymphadenopathy", "very_rare", "Very rare (1–4%)"),
    ],
    "members": NO_MEMBERS,
    "url": "/d/dermatofibrosarcoma-protuberans/",
}


def search(client: Client, **params: object) -> dict:
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- disease detail -------------------------------------------------------------------------


@pytest.mark.django_db
def test_disease_detail_is_the_whole_record(client: Client) -> None:
    response = client.get(DFSP_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == DFSP


@pytest.mark.django_db
def test_disease_detail_counts_members_by_role_never_who(client: Client, dfsp: Disease) -> None:
    MembershipFactory(disease=dfsp, role=Role.PATIENT, user__display_name="Ana Secret")
    MembershipFactory(disease=dfsp, role=Role.PATIENT, user__is_demo=True)
    MembershipFactory(disease=dfsp, role=Role.RESEARCHER)
    MembershipFactory(disease=dfsp, role=Role.CAREGIVER, user__is_active=False)

    response = client.get(DFSP_URL)

    assert response.json()["members"] == {
        "total": 3,
        "demo": 1,
        "by_role": {**NO_MEMBERS["by_role"], "patient": 2, "researcher": 1},
    }
    assert "Ana Secret" not in response.content.decode()
    assert "@example.org" not in response.content.decode()


@pytest.mark.django_db
def test_disease_detail_query_count_does_not_grow_with_phenotypes(
    client: Client, django_assert_num_queries, dfsp: Disease
) -> None:  # type: ignore[no-untyped-def]
    many = Disease.objects.annotate(n=Count("phenotypes")).order_by("-n").first()
    assert (dfsp.phenotypes.count(), many.n) == (8, 186)

    # The disease, its codes, names and phenotypes (with terms), the member counts.
    with django_assert_num_queries(5):
        dfsp_response = client.get(DFSP_URL)
    with django_assert_num_queries(5):
        many_response = client.get(f"/api/v1/diseases/{many.slug}")

    assert len(dfsp_response.json()["phenotypes"]) == 8
    assert len(many_response.json()["phenotypes"]) == 186


@pytest.mark.django_db
def test_disease_detail_is_served_from_the_cache_to_anonymous_visitors(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    first = client.get(DFSP_URL)

    with django_assert_num_queries(0):
        second = client.get(DFSP_URL)
    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
def test_reads_by_a_member_are_neither_cached_nor_stored(client: Client) -> None:
    client.force_login(UserFactory())

    response = client.get(DFSP_URL)

    assert response.status_code == 200
    assert response.json() == DFSP
    assert response["Cache-Control"] == "no-store, private"
    assert not getattr(response, "cache_for_anonymous", False)


@pytest.mark.django_db
def test_reads_with_credentials_are_not_cached(client: Client) -> None:
    # A read that carries a token must not land in the shared cache, nor in any other.
    response = client.get(DFSP_URL, headers={"Authorization": "Bearer whatever"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert not getattr(response, "cache_for_anonymous", False)


# --- search ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_by_abbreviation(client: Client) -> None:
    assert search(client, q="DFSP") == {
        "query": "DFSP",
        "corrected_query": None,
        "total": 1,
        "capped": False,
        "limit": 20,
        "offset": 0,
        "next": None,
        "results": [{**DFSP_HIT, "matched_name": "DFSP"}],
    }


@pytest.mark.django_db
def test_search_corrects_a_typo(client: Client) -> None:
    assert search(client, q="dermatofibrosarcma") == {
        "query": "dermatofibrosarcma",
        "corrected_query": "dermatofibrosarcoma",
        "total": 1,
        "capped": False,
        "limit": 20,
        "offset": 0,
        "next": None,
        "results": [{**DFSP_HIT, "matched_name": "Dermatofibrosarcoma"}],
    }


@pytest.mark.django_db
def test_search_by_code(client: Client) -> None:
    assert search(client, q="ORPHA:31112") == {
        "query": "ORPHA:31112",
        "corrected_query": None,
        "total": 1,
        "capped": False,
        "limit": 20,
        "offset": 0,
        "next": None,
        "results": [{**DFSP_HIT, "matched_name": "ORPHA:31112 Dermatofibrosarcoma protuberans"}],
    }


@pytest.mark.django_db
def test_search_by_preferred_name_has_no_matched_name(client: Client) -> None:
    body = search(client, q="  Dermatofibrosarcoma   protuberans ")

    assert body["query"] == "Dermatofibrosarcoma protuberans"
    assert body["results"][0] == {**DFSP_HIT, "matched_name": None}


@pytest.mark.django_db
def test_search_pages_are_consistent(client: Client) -> None:
    first = search(client, q="syndrome")
    second = client.get(first["next"]).json()
    both = search(client, q="syndrome", limit=40)

    # Which names make the capped candidate list differs by database: compare, not hard-code.
    assert first["capped"] is True
    assert first["total"] > 400
    assert first["next"] == "/api/v1/diseases/search?q=syndrome&limit=20&offset=20"
    assert (second["total"], second["offset"], second["limit"]) == (first["total"], 20, 20)
    assert second["next"] == "/api/v1/diseases/search?q=syndrome&limit=20&offset=40"
    assert len(first["results"]) == len(second["results"]) == 20
    assert first["results"] + second["results"] == both["results"]


@pytest.mark.django_db
def test_search_last_page_has_no_next(client: Client) -> None:
    total = search(client, q="syndrome")["total"]
    last = search(client, q="syndrome", offset=total - 4)
    beyond = search(client, q="syndrome", offset=10_000)

    assert (len(last["results"]), last["next"]) == (4, None)
    assert (beyond["total"], beyond["results"], beyond["next"]) == (total, [], None)


@pytest.mark.django_db
def test_search_next_keeps_the_query_encoded(client: Client) -> None:
    body = search(client, q="ehlers danlos", limit=1)

    assert body["next"] == "/api/v1/diseases/search?q=ehlers+danlos&limit=1&offset=1"
    assert search(client, q="ehlers danlos", limit=1, offset=1)["offset"] == 1


@pytest.mark.django_db
def test_search_without_matches(client: Client) -> None:
    assert search(client, q="?!") == {
        "query": "?!",
        "corrected_query": None,
        "total": 0,
        "capped": False,
        "limit": 20,
        "offset": 0,
        "next": None,
        "results": [],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [1, 3, 30])
def test_search_query_count_does_not_grow_with_results(
    client: Client, django_assert_num_queries, limit: int
) -> None:  # type: ignore[no-untyped-def]
    # Full-text name ids, ranking those names, one page of diseases.
    with django_assert_num_queries(3):
        body = search(client, q="syndrome", limit=limit)

    assert len(body["results"]) == limit


@pytest.mark.django_db
def test_search_is_served_from_the_cache_to_anonymous_visitors(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    first = client.get(SEARCH_URL, {"q": "dfsp"})

    with django_assert_num_queries(0):
        second = client.get(SEARCH_URL, {"q": "dfsp"})
    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=60"


# --- schemas --------------------------------------------------------------------------------


def test_schema_choices_follow_the_models() -> None:
    assert set(get_args(schemas.DiseaseKind)) == set(Disease.Kind.values)
    assert set(get_args(schemas.NameKind)) == set(DiseaseName.Kind.values)
    assert set(get_args(schemas.CodeSystem)) == set(DiseaseCode.System.values)
    assert set(get_args(schemas.FrequencyKey)) == {
        member.name.lower() for member in DiseasePhenotype.Frequency
    }
