import re

import pytest
from django.db.models import Count
from django.test import Client

from raremap.catalog.models import Disease
from tests.caches import empty_caches

DFSP_URL = "/d/dermatofibrosarcoma-protuberans/"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
def test_home_shows_catalog_counts(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "4,314 rare diseases from Orphanet" in text_of(response.content.decode())


@pytest.mark.django_db
def test_search_page_lists_dfsp_with_link(client: Client) -> None:
    response = client.get("/search/", {"q": "dfsp"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{DFSP_URL}">Dermatofibrosarcoma protuberans (DFSP)</a>' in html
    assert "1 disease found for “dfsp”." in text_of(html)


@pytest.mark.django_db
def test_search_page_says_when_it_corrected_a_typo(client: Client) -> None:
    html = client.get("/search/", {"q": "dermatofibrosarcma"}).content.decode()

    assert "Showing results for “dermatofibrosarcoma”" in text_of(html)


@pytest.mark.django_db
def test_search_page_paginates(client: Client) -> None:
    html = client.get("/search/", {"q": "syndrome", "page": "2"}).content.decode()

    assert "Page 2 of" in text_of(html)
    assert html.count('<li>\n      <a href="/d/') == 20


@pytest.mark.django_db
def test_autocomplete_fragment_for_htmx(client: Client) -> None:
    response = client.get("/search/suggest/", {"q": "dermatofib"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'<a href="{DFSP_URL}">Dermatofibrosarcoma protuberans (DFSP)' in html


@pytest.mark.django_db
def test_autocomplete_without_javascript_goes_to_results_page(client: Client) -> None:
    response = client.get("/search/suggest/", {"q": "dfsp"})

    assert (response.status_code, response["Location"]) == (302, "/search/?q=dfsp")


@pytest.mark.django_db
def test_disease_page_shows_what_the_catalog_knows(client: Client) -> None:
    response = client.get(DFSP_URL)

    text = text_of(response.content.decode())
    assert response.status_code == 200
    assert "Dermatofibrosarcoma protuberans (DFSP)" in text
    for term in (
        "Neoplasm of the skin",
        "Skin ulcer",
        "Subcutaneous nodule",
        "Pain",
        "Fibrosarcoma",
        "Lymphadenopathy",
        "Thickened skin",
        "Erythema",
    ):
        assert term in text
    assert "Very frequent (80–99%) (5)" in text
    assert "Orphanet 31112" in text
    assert "MeSH D018223" in text
    assert 'href="https://www.orpha.net/en/disease/detail/31112"' in response.content.decode()
    assert "Medical disclaimer:" in text
    assert "Built from the Human Phenotype Ontology annotations of Orphanet" in text
    assert "Join the community" in text
    assert "0 members" in text


@pytest.mark.django_db
def test_disease_page_in_spanish(client: Client) -> None:
    response = client.get("/es" + DFSP_URL)

    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()


@pytest.mark.django_db
def test_unknown_disease_is_404(client: Client) -> None:
    assert client.get("/d/no-such-disease/").status_code == 404


@pytest.mark.django_db
def test_sources_page_lists_versions(client: Client) -> None:
    text = text_of(client.get("/sources/").content.decode())

    assert "hpo3 1.5.1" in text
    assert "CC BY 4.0" in text


@pytest.mark.django_db
def test_disease_page_query_count_does_not_grow_with_phenotypes(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    many = Disease.objects.annotate(n=Count("phenotypes")).order_by("-n").first()

    # cold: nothing of the catalog cached yet (5), then member counts, the questions and the
    # map snapshot (the community's counts are read together, as the question page's)
    with django_assert_num_queries(8):
        client.get(DFSP_URL)
    empty_caches()
    with django_assert_num_queries(8):
        client.get(f"/d/{many.slug}/")


@pytest.mark.django_db
def test_disease_page_reads_the_catalog_from_the_cache(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client.get(DFSP_URL, headers={"Cookie": "messages=x"})  # skips the page cache

    # The catalog part, the member counts and the question rows all come from the cache.
    with django_assert_num_queries(0):
        client.get(DFSP_URL, headers={"Cookie": "messages=x"})


@pytest.mark.django_db
def test_search_page_query_count_does_not_grow_with_results(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(3):
        client.get("/search/", {"q": "dfsp"})  # one result
    with django_assert_num_queries(3):
        client.get("/search/", {"q": "syndrome"})  # a full page of results


@pytest.mark.django_db
def test_anonymous_pages_are_served_from_the_cache(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    first = client.get(DFSP_URL)

    with django_assert_num_queries(0):
        second = client.get(DFSP_URL)
    assert second.content == first.content


@pytest.mark.django_db
def test_spanish_page_is_translated(client: Client) -> None:
    text = text_of(client.get("/es" + DFSP_URL).content.decode())

    assert "Síntomas" in text
    assert "Muy frecuente (80–99 %) (5)" in text
    assert "Aviso médico:" in text
    assert "Únete a la comunidad" in text
