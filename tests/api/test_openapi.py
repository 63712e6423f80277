"""The OpenAPI document at /api/v1/openapi.json."""

import json

import pytest
from django.test import Client


@pytest.fixture
def document(client: Client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


CATALOG_PATHS = {"/api/v1/diseases/search", "/api/v1/diseases/{slug}"}


def fields(document: dict, name: str) -> set[str]:
    return set(document["components"]["schemas"][name]["properties"])


@pytest.mark.django_db
def test_openapi_document_describes_the_catalog(document: dict) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "RareMap API"
    assert set(document["paths"]) >= CATALOG_PATHS  # the questions' paths: test_questions.py
    search = document["paths"]["/api/v1/diseases/search"]["get"]
    detail = document["paths"]["/api/v1/diseases/{slug}"]["get"]
    assert (search["operationId"], detail["operationId"]) == ("disease_search", "disease_get")
    assert [(p["name"], p["required"]) for p in search["parameters"]] == [
        ("q", True),
        ("limit", False),
        ("offset", False),
    ]
    assert "security" not in search
    assert "security" not in detail


@pytest.mark.django_db
def test_openapi_schemas_have_the_fields(document: dict) -> None:
    assert fields(document, "DiseaseSearchOut") == {
        "query",
        "corrected_query",
        "total",
        "capped",
        "limit",
        "offset",
        "next",
        "results",
    }
    assert fields(document, "DiseaseHitOut") == {
        "slug",
        "name",
        "title",
        "kind",
        "primary_code",
        "matched_name",
        "url",
    }
    assert fields(document, "DiseaseOut") == {
        "slug",
        "name",
        "title",
        "kind",
        "primary_code",
        "group_label",
        "abbreviation",
        "is_obsolete",
        "names",
        "codes",
        "phenotypes",
        "members",
        "url",
    }
    assert fields(document, "DiseaseCodeOut") == {"system", "code", "label", "url"}
    assert fields(document, "PhenotypeOut") == {"hpo_id", "name", "frequency", "frequency_label"}
    assert fields(document, "MembersOut") == {"total", "demo", "by_role"}
    assert fields(document, "ErrorOut") == {"error"}
    assert fields(document, "ErrorBody") == {"status", "code", "message", "details"}


@pytest.mark.django_db
def test_openapi_errors_use_the_envelope(document: dict) -> None:
    responses = {
        (path, status): content["content"]["application/json"]["schema"]["$ref"]
        for path, item in document["paths"].items()
        if path in CATALOG_PATHS
        for status, content in item["get"]["responses"].items()
    }

    assert responses == {
        ("/api/v1/diseases/search", "200"): "#/components/schemas/DiseaseSearchOut",
        ("/api/v1/diseases/search", "422"): "#/components/schemas/ErrorOut",
        ("/api/v1/diseases/{slug}", "200"): "#/components/schemas/DiseaseOut",
        ("/api/v1/diseases/{slug}", "404"): "#/components/schemas/ErrorOut",
        # Every operation may answer 422: any input may hold a control character.
        ("/api/v1/diseases/{slug}", "422"): "#/components/schemas/ErrorOut",
    }


@pytest.mark.django_db
def test_openapi_enums_are_inline(document: dict) -> None:
    schemas = document["components"]["schemas"]

    assert schemas["DiseaseOut"]["properties"]["kind"] == {
        "enum": ["rare", "common"],
        "title": "Kind",
        "type": "string",
    }
    assert not any("__" in name for name in schemas)
