"""A visitor searches for a disease and reads its page, with and without JavaScript."""

from importlib.resources import files

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

AXE = (files("axe_playwright_python") / "axe.min.js").read_text()


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(content=AXE)
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in violations]


@pytest.mark.parametrize(
    ("start", "box", "suggestions"),
    [
        ("/", "#home-search", "#home-suggestions"),  # the home page's one search
        ("/about/", "#site-search", "#search-suggestions"),  # the header's, on other pages
    ],
)
def test_search_with_autocomplete_to_the_dfsp_page(
    site_server: str, page, start: str, box: str, suggestions: str
) -> None:  # type: ignore[no-untyped-def]
    page.goto(site_server + start)
    page.fill(box, "dfsp")
    suggestion = page.locator(f"{suggestions} a", has_text="Dermatofibrosarcoma protuberans")
    suggestion.first.wait_for()
    suggestion.first.click()

    page.wait_for_url("**/d/dermatofibrosarcoma-protuberans/")
    assert page.locator("h1").inner_text() == "Dermatofibrosarcoma protuberans (DFSP)"
    assert page.locator("#symptoms ~ .band li").count() == 8
    assert page.csp_violations == []
    screenshot(page, "dfsp-page")


def test_search_works_without_javascript(site_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_server + "/")
    page.fill("#home-search", "dermatofibrosarcma")
    page.press("#home-search", "Enter")

    page.wait_for_url("**/search/?q=dermatofibrosarcma")
    assert "Showing results for “dermatofibrosarcoma”" in page.inner_text("main")
    page.click("text=Dermatofibrosarcoma protuberans (DFSP)")
    assert page.locator("h1").inner_text() == "Dermatofibrosarcoma protuberans (DFSP)"
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/es/",
        "/search/?q=marfan",
        "/d/dermatofibrosarcoma-protuberans/",
        "/accounts/signup/",
        "/treatments/",
    ],
)
def test_pages_have_no_accessibility_violations(site_server: str, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True)  # only to inject axe; the CSP is tested above
    page = context.new_page()
    page.goto(site_server + path)

    assert axe_violations(page) == []
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_home_page_has_one_search(site_server: str, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    """The header's search is hidden on the home page, which has its own (and one landmark)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site_server + "/")

    visible = page.locator("[role=search]:visible")
    landmarks = page.evaluate(
        "[...document.querySelectorAll('[role=search]')]"
        ".filter(e => e.checkVisibility()).map(e => e.getAttribute('aria-label'))"
    )

    assert visible.count() == 1
    assert landmarks == ["Search diseases"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"home-{width}")
    context.close()


def test_narrow_screen_has_no_horizontal_scroll(site_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(site_server + "/d/dermatofibrosarcoma-protuberans/")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dfsp-page-mobile")
    context.close()


def test_api_docs_page_runs_under_the_csp(site_server: str, page) -> None:  # type: ignore[no-untyped-def]
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_server + "/api/v1/docs")

    page.get_by_text("/api/v1/diseases/search", exact=True).first.wait_for()
    assert page.csp_violations == []
    assert [url for url in requests if not url.startswith(site_server)] == []
