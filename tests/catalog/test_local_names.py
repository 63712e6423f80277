"""Disease names in the interface's languages: imported from the WHO ICD translations, shown
on non-English pages (English marked lang="en" where no source has one) and found by search."""

import io

import pytest
from django.test import Client
from django.utils import translation

from raremap.accounts.models import User
from raremap.catalog.models import Disease, DiseaseName
from raremap.catalog.selectors import disease_search
from raremap.catalog.sources import read_po
from raremap.communities.services import membership_join

DFSP_URL = "/es/d/dermatofibrosarcoma-protuberans/"


@pytest.fixture
def cystic_fibrosis(db) -> Disease:  # type: ignore[no-untyped-def]
    return Disease.objects.get(primary_code="ORPHA:586")


def test_read_po_keeps_translated_entries_and_drops_fuzzy_ones() -> None:
    text = io.StringIO(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgctxt "model:gnuhealth.pathology,name:E84"\nmsgid "Cystic fibrosis"\n'
        'msgstr "Fibrosis quística"\n\n'
        '#, fuzzy\nmsgctxt "model:gnuhealth.pathology,name:G35"\nmsgid "Multiple sclerosis"\n'
        'msgstr "Esclerosis"\n\n'
        'msgctxt "model:gnuhealth.pathology,name:G71"\nmsgid "Primary disorders of muscles"\n'
        'msgstr ""\n"Trastornos primarios "\n"de los \\"músculos\\""\n\n'
        'msgctxt "model:gnuhealth.pathology,name:G72"\nmsgid "Other myopathies"\nmsgstr ""\n'
    )

    assert read_po(text) == [
        ("model:gnuhealth.pathology,name:E84", "Cystic fibrosis", "Fibrosis quística"),
        (
            "model:gnuhealth.pathology,name:G71",
            "Primary disorders of muscles",
            'Trastornos primarios de los "músculos"',
        ),
    ]


def test_an_orphanet_disease_takes_the_icd_names_of_its_exact_english_name(
    cystic_fibrosis: Disease,
) -> None:
    assert cystic_fibrosis.local_names == {
        "de": "Zystische Fibrose",
        "es": "Fibrosis quística",
        "fr": "Fibrose kystique",
        "pt": "Fibrose cística",  # the catalog's "fibrose cística", capitalised
    }
    names = DiseaseName.objects.filter(disease=cystic_fibrosis, language="es")
    assert list(names.values_list("name", "kind", "source")) == [
        ("Fibrosis quística", "preferred", "icd10")
    ]


@pytest.mark.django_db
def test_icd10_pages_take_their_category_name_else_the_icd11_one() -> None:
    g71 = Disease.objects.get(primary_code="ICD10:G71")
    g35 = Disease.objects.get(primary_code="ICD10:G35")

    assert g71.local_names["de"] == "Primäre Myopathien"
    assert g35.local_names["fr"] == "Sclérose en plaques"
    # The Spanish ICD-10 catalog says "nan" for G35: ICD-11's name for the same English one.
    assert g35.local_names["es"] == "Esclerosis múltiple"
    spanish = DiseaseName.objects.get(disease=g35, language="es")
    assert spanish.source == "icd11"


@pytest.mark.django_db
def test_rare_diseases_without_an_icd_name_stay_english(dfsp: Disease) -> None:
    assert dfsp.local_names == {}
    assert dfsp.display_title("es") == "Dermatofibrosarcoma protuberans (DFSP)"


@pytest.mark.parametrize("query", ["Fibrosis quística", "fibrosis quistica", "Zystische Fibr"])
def test_search_finds_a_disease_by_its_name_in_another_language(
    cystic_fibrosis: Disease, query: str
) -> None:
    result = disease_search(query)

    assert result.hits[0].disease == cystic_fibrosis


def test_a_spanish_page_shows_the_spanish_name_without_a_matched_note(
    client: Client, cystic_fibrosis: Disease
) -> None:
    html = client.get("/es/search/", {"q": "fibrosis quistica"}).content.decode()

    assert f'<a href="/es/d/{cystic_fibrosis.slug}/">Fibrosis quística</a>' in html
    assert "Coincide con:" not in html.split("</li>")[0]


def test_the_disease_page_shows_the_translated_name_with_the_english_one(
    client: Client, cystic_fibrosis: Disease
) -> None:
    html = client.get(f"/es/d/{cystic_fibrosis.slug}/").content.decode()

    assert "<title>Fibrosis quística" in html
    assert "<h1>Fibrosis quística</h1>" in html
    assert '<p class="lead" lang="en">Cystic fibrosis</p>' in html


@pytest.mark.django_db
def test_an_english_name_on_a_spanish_page_is_marked_english(client: Client) -> None:
    html = client.get(DFSP_URL).content.decode()

    assert '<h1><span lang="en">Dermatofibrosarcoma protuberans (DFSP)</span></h1>' in html
    assert "<title>Dermatofibrosarcoma protuberans (DFSP)" in html


@pytest.mark.django_db
def test_question_titles_embed_the_marked_name(client: Client) -> None:
    url = f"{DFSP_URL}q/best-treatments/"

    html = client.get(url).content.decode()

    assert (
        '<h1>¿Cuáles son los mejores tratamientos para <span lang="en">'
        "Dermatofibrosarcoma protuberans (DFSP)</span>?</h1>"
    ) in html


@pytest.mark.django_db
def test_english_pages_mark_nothing(client: Client) -> None:
    html = client.get("/d/dermatofibrosarcoma-protuberans/").content.decode()
    body = html.split("<body", 1)[1]
    # The language menu names each language in itself ("English" marked as such): not a name.
    menu_start = body.index('<nav class="languages"')
    body = body[:menu_start] + body[body.index("</nav>", menu_start) :]

    assert 'lang="en">' not in body


def test_plain_titles_use_the_translated_name(cystic_fibrosis: Disease) -> None:
    with translation.override("de"):
        assert cystic_fibrosis.display_title(translation.get_language()) == "Zystische Fibrose"


def test_the_largest_communities_show_their_names_in_the_pages_language(
    client: Client, cystic_fibrosis: Disease, member: User
) -> None:
    membership_join(user=member, disease=cystic_fibrosis, role="relative")

    html = client.get("/es/").content.decode()

    assert f'<a href="/es/d/{cystic_fibrosis.slug}/">Fibrosis quística</a>' in html
