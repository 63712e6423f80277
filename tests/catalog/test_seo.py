"""A disease page for search engines (docs/seo.md): its title, description and schema.org
MedicalCondition say only what the page shows."""

import pytest
from django.test import Client

from raremap.catalog.models import Disease
from tests.seo import page_seo

pytestmark = pytest.mark.django_db

SITE = "https://raremap.example.org"
DFSP = "/d/dermatofibrosarcoma-protuberans/"


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE


def test_the_medical_condition_is_what_the_page_shows(client: Client, dfsp: Disease) -> None:
    seo = page_seo(client.get(DFSP))

    [condition] = seo.of_type("MedicalCondition")
    shown_symptoms = seo.text('//section[@aria-labelledby="symptoms"]//li')
    shown_names = seo.text('//p[@class="synonyms"]')[0].removeprefix("Also known as: ")
    assert condition["name"] == seo.text("//h1")[0] == "Dermatofibrosarcoma protuberans (DFSP)"
    assert condition["url"] == seo.canonical[0] == f"{SITE}{DFSP}"
    assert "; ".join(condition["alternateName"]) == shown_names
    assert condition["code"] == [
        {"@type": "MedicalCode", "code": "31112", "codingSystem": "ORPHA"}
    ]  # MeSH is on the page but not a coding system search engines take here
    assert [s["name"] for s in condition["signOrSymptom"]] == shown_symptoms
    assert len(shown_symptoms) == dfsp.phenotypes.count()


def test_title_and_description_come_from_the_page(client: Client) -> None:
    seo = page_seo(client.get(DFSP))

    [description] = seo.meta("description")
    symptoms = seo.text('//section[@aria-labelledby="symptoms"]//li')[:5]
    assert seo.title == (
        "Dermatofibrosarcoma protuberans (DFSP): symptoms, questions and treatments · RareMap"
    )
    assert description.startswith("Dermatofibrosarcoma protuberans (DFSP) — Rare disease. ")
    assert f"Symptoms include {', '.join(symptoms)}." in description


def test_in_spanish(client: Client) -> None:
    seo = page_seo(client.get(f"/es{DFSP}"))

    [condition] = seo.of_type("MedicalCondition")
    assert condition["url"] == seo.canonical[0] == f"{SITE}/es{DFSP}"
    assert seo.title.startswith("Dermatofibrosarcoma protuberans (DFSP): ")
    assert seo.title != page_seo(client.get(DFSP)).title  # in the page's language
    assert seo.alternates["x-default"] == f"{SITE}{DFSP}"


def test_icd10_codes_and_no_symptoms(client: Client) -> None:
    disease = Disease.objects.get(primary_code="ICD10:G71")

    seo = page_seo(client.get(f"/d/{disease.slug}/"))

    [condition] = seo.of_type("MedicalCondition")
    assert {"@type": "MedicalCode", "code": "G71", "codingSystem": "ICD-10"} in condition["code"]
    assert {code["codingSystem"] for code in condition["code"]} == {"ICD-10"}
    assert "signOrSymptom" not in condition  # the page lists none
    assert "Symptoms include" not in seo.meta("description")[0]
    assert "(Diseases of myoneural junction and muscle)" in seo.meta("description")[0]
