"""The sitemaps (docs/seo.md): an index of sitemaps holding every disease page and every
standard question page in every language with their hreflang alternates, split at
SITEMAP_LIMIT, lastmod from the import or the question's last answer or overview change, kept
gzipped in the shared cache."""

import gzip
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import Client
from lxml import etree

from raremap.catalog.models import CatalogSource, Disease
from raremap.catalog.selectors import GENERATION_KEY
from raremap.communities.models import Role
from raremap.questions import services
from raremap.questions.models import Answer
from raremap.questions.standard import STANDARD_QUESTIONS
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://raremap.example.org"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
LANGUAGES = ("en", "cs", "de", "es", "fr", "it", "pt")
PAGES = ("", *(q.slug for q in STANDARD_QUESTIONS))  # the disease page, then its questions
PER_DISEASE = len(PAGES) * len(LANGUAGES)  # 105 URLs


@pytest.fixture(autouse=True)
def _settings(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE
    settings.SITEMAP_LIMIT = 100


def _xml(client: Client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/xml"
    return etree.fromstring(response.content)


def _path(slug: str, page: str, language: str) -> str:
    prefix = "" if language == "en" else f"/{language}"
    return f"{prefix}/d/{slug}/" + (f"q/{page}/" if page else "")


def _expected(slugs: list[str]) -> list[str]:
    return [
        f"{SITE}{_path(slug, page, language)}"
        for slug in slugs
        for page in PAGES
        for language in LANGUAGES
    ]


def test_the_index_lists_every_sitemap(client: Client) -> None:
    index = _xml(client, "/sitemap.xml")

    diseases = Disease.objects.count()
    count = -(-diseases * PER_DISEASE // 100)
    locations = index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    assert locations == [f"{SITE}/sitemap-{n}.xml" for n in range(1, count + 1)]
    assert client.get(f"/sitemap-{count}.xml").status_code == 200
    assert client.get(f"/sitemap-{count + 1}.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_sitemaps_split_at_the_limit_and_hold_every_page(client: Client) -> None:
    slugs = list(Disease.objects.order_by("id").values_list("slug", flat=True)[:4])

    sitemaps = [
        _xml(client, f"/sitemap-{n}.xml").xpath("//s:url/s:loc/text()", namespaces=NS)
        for n in (1, 2, 3, 4)
    ]

    assert [len(urls) for urls in sitemaps] == [100, 100, 100, 100]
    # In order, without a gap or a repeat across the splits (105 URLs per disease).
    assert [url for urls in sitemaps for url in urls] == _expected(slugs)[:400]


def test_the_last_sitemap_holds_the_rest(client: Client) -> None:
    slugs = list(Disease.objects.order_by("id").values_list("slug", flat=True))
    count = -(-len(slugs) * PER_DISEASE // 100)

    urls = _xml(client, f"/sitemap-{count}.xml").xpath("//s:url/s:loc/text()", namespaces=NS)

    assert urls == _expected(slugs[-2:])[-(len(slugs) * PER_DISEASE - (count - 1) * 100) :]


def test_each_url_names_every_language_and_x_default(client: Client) -> None:
    sitemap = _xml(client, "/sitemap-1.xml")

    slug = Disease.objects.order_by("id").values_list("slug", flat=True)[0]
    url = sitemap.xpath("//s:url", namespaces=NS)[9]  # the second page, in German
    links = {
        link.get("hreflang"): link.get("href")
        for link in url.xpath("x:link[@rel='alternate']", namespaces=NS)
    }
    assert url.findtext("s:loc", namespaces=NS) == f"{SITE}/de/d/{slug}/q/{PAGES[1]}/"
    assert links == {
        **{language: f"{SITE}{_path(slug, PAGES[1], language)}" for language in LANGUAGES},
        "x-default": f"{SITE}{_path(slug, PAGES[1], 'en')}",
    }


def test_lastmod_is_the_import_or_the_last_answer(client: Client, settings, dfsp) -> None:  # type: ignore[no-untyped-def]
    settings.SITEMAP_LIMIT = PER_DISEASE  # one disease per sitemap
    position = list(Disease.objects.order_by("id").values_list("pk", flat=True)).index(dfsp.pk)
    imported = CatalogSource.objects.get(key="hpo").imported_at
    question = services.question_ensure(disease=dfsp, slug="best-treatments")
    author = UserFactory()
    MembershipFactory(user=author, disease=dfsp, role=Role.PATIENT)
    answer = services.answer_create(user=author, question=question, body="Surgery.")
    later = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    Answer.objects.filter(pk=answer.pk).update(created_at=later)

    sitemap = _xml(client, f"/sitemap-{position + 1}.xml")

    lastmods = {
        url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
        for url in sitemap.xpath("//s:url", namespaces=NS)
    }
    assert len(lastmods) == PER_DISEASE
    dfsp_url = f"{SITE}/es/d/dermatofibrosarcoma-protuberans/"
    assert lastmods[f"{dfsp_url}q/best-treatments/"] == later.isoformat()
    assert lastmods[dfsp_url] == later.isoformat()  # the page lists the answer counts
    assert lastmods[f"{dfsp_url}q/symptoms/"] == imported.isoformat()
    index = _xml(client, "/sitemap.xml")
    assert index.xpath("//s:sitemap/s:lastmod/text()", namespaces=NS)[position] == (
        later.isoformat()
    )
    assert index.xpath("//s:sitemap/s:lastmod/text()", namespaces=NS)[0] == imported.isoformat()


def test_kept_in_the_shared_cache_until_an_import(client: Client, dfsp) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/sitemap-1.xml").content
    Disease.objects.filter(pk=Disease.objects.order_by("id")[0].pk).update(slug="renamed-slug")

    assert client.get("/sitemap-1.xml").content == first  # from the cache
    cache.incr(GENERATION_KEY)  # what an import does
    assert b"/d/renamed-slug/" in client.get("/sitemap-1.xml").content


def test_gzipped_for_clients_that_accept_it(client: Client) -> None:
    plain = client.get("/sitemap.xml")
    packed = client.get("/sitemap.xml", HTTP_ACCEPT_ENCODING="gzip, deflate")

    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in packed["Vary"]
    assert "Accept-Encoding" in plain["Vary"]


def test_a_constant_number_of_queries(client: Client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(6):
        client.get("/sitemap-3.xml")
    with django_assert_max_num_queries(1):  # counts the diseases to know it exists
        client.get("/sitemap-3.xml")
