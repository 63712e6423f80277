"""What every page tells search engines (docs/seo.md): canonical and hreflang links from
SITE_URL, noindex on everything that is not a public page, robots.txt, the JSON-LD encoder and
the language chooser that keeps the page."""

import json

import pytest
from django.test import Client

from raremap.core.seo import json_ld
from tests.seo import page_seo

pytestmark = pytest.mark.django_db

SITE = "https://raremap.example.org"
LANGUAGES = ("en", "cs", "de", "es", "fr", "it", "pt")


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE


def _expected_alternates(bare: str) -> dict[str, str]:
    links = {code: f"{SITE}{'' if code == 'en' else '/' + code}{bare}" for code in LANGUAGES}
    return {**links, "x-default": f"{SITE}{bare}"}


@pytest.mark.parametrize("path", ["/", "/es/", "/about/", "/pt/sources/", "/de/treatments/"])
def test_public_pages_have_a_canonical_and_every_language(client: Client, path: str) -> None:
    seo = page_seo(client.get(path))

    bare = path[3:] if path[1:3] in LANGUAGES and path[3:4] == "/" else path
    assert seo.canonical == [f"{SITE}{path}"]
    assert seo.alternates == _expected_alternates(bare)
    assert seo.meta("robots") == []


def test_absolute_urls_never_come_from_the_host_header(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]

    seo = page_seo(client.get("/about/", HTTP_HOST="other.example"))
    robots = client.get("/robots.txt", HTTP_HOST="other.example").content.decode()

    assert seo.canonical == [f"{SITE}/about/"]
    assert "other.example" not in " ".join(seo.alternates.values())
    assert f"Sitemap: {SITE}/sitemap.xml" in robots.splitlines()


@pytest.mark.parametrize(
    "path", ["/search/?q=dfsp", "/accounts/login/", "/accounts/signup/", "/es/treatments/?q=x"]
)
def test_search_results_and_forms_ask_not_to_be_indexed(client: Client, path: str) -> None:
    seo = page_seo(client.get(path))

    assert seo.meta("robots") == ["noindex"]
    assert seo.canonical == []


def test_member_pages_ask_not_to_be_indexed(member_client: Client) -> None:
    for path in ("/", "/notifications/", "/messages/", "/accounts/settings/"):
        assert page_seo(member_client.get(path)).meta("robots") == ["noindex"], path


def test_robots_txt(client: Client) -> None:
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert lines[0] == "User-agent: *"
    assert "" not in lines  # one group: no blank line ends it early for older parsers
    for prefix in ("", "/cs", "/de", "/es", "/fr", "/it", "/pt"):
        for private in ("/accounts/", "/moderation/", "/messages/", "/connections/", "/search/"):
            assert f"Disallow: {prefix}{private}" in lines
        assert f"Disallow: {prefix}/d/*/q/*/answer/" in lines
    assert "Disallow: /admin/" in lines
    assert lines[-1] == f"Sitemap: {SITE}/sitemap.xml"
    # Public pages stay open.
    assert not [line for line in lines if line.startswith("Disallow: /d/") and line.count("*") == 0]
    assert "Disallow: /" not in lines


def test_json_ld_cannot_close_its_script_element() -> None:
    data = {"text": "</script><script>alert(1)</script> & <!--"}

    encoded = str(json_ld(data))

    assert not {"<", ">", "&"} & set(encoded)
    assert json.loads(encoded) == data


def test_the_language_chooser_keeps_path_and_query(client: Client) -> None:
    seo = page_seo(client.get("/es/treatments/?q=imatinib&page=1"))

    links = seo.tree.xpath('//nav[@class="languages"]//a')
    assert {(a.get("hreflang"), a.get("lang"), a.get("href")) for a in links} == {
        (code, code, f"{'' if code == 'en' else '/' + code}/treatments/?q=imatinib&page=1")
        for code in LANGUAGES
    }
    current = seo.tree.xpath('//nav[@class="languages"]//a[@aria-current="true"]')
    assert [a.get("hreflang") for a in current] == ["es"]
    assert seo.text('//nav[@class="languages"]//summary') == ["español"]
