"""The one Markdown path: known XSS payloads and generated input never yield active HTML."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raremap.core.text import ALLOWED_TAGS, count_links, plain_text, render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![img](javascript:alert(1))",
    "![x](https://example.org/x.png)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://example.org></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<details open ontoggle=alert(1)>",
    "`<script>alert(1)</script>`",
    '[x](https://example.org "title" onmouseover=alert(1))',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    # Bare addresses become links: nothing around them may get into the tag.
    'https://example.org/"onmouseover=alert(1)',
    "http://example.org'onclick='alert(1)",
    "https://example.org/<script>alert(1)</script>",
    "https://example.org/`onfocus=alert(1)`",
    "javascript:https://example.org",
    "javascript://example.org/%0aalert(1)",
    "[https://example.org](javascript:alert(1))",
    "![https://example.org](https://example.org/x.png)",
    '<a href="https://example.org">https://example.org</a>',
]


class _ActiveHtmlFinder(HTMLParser):
    """Collects whatever could run: a tag outside the allowlist, an event handler attribute,
    or a link whose scheme is not http, https or mailto (as a browser would parse it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcdoc", "formaction"}:
                self.problems.append(f"attribute {name}")
            if name == "href":
                scheme = urlsplit("".join((value or "").split())).scheme.lower()
                if scheme not in {"http", "https", "mailto", ""}:
                    self.problems.append(f"href {value}")


def active_parts(html: str) -> list[str]:
    finder = _ActiveHtmlFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_known_payloads_are_neutralised(payload: str) -> None:
    html = render_markdown(payload)

    assert active_parts(html) == [], html


def test_markdown_is_rendered() -> None:
    assert render_markdown("**Mohs** surgery\n\n- one\n- two") == (
        "<p><strong>Mohs</strong> surgery</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_links_get_rel_and_keep_safe_schemes() -> None:
    html = render_markdown("[Orphanet](https://www.orpha.net/)")

    assert html == (
        '<p><a href="https://www.orpha.net/" rel="nofollow noopener noreferrer ugc">'
        "Orphanet</a></p>"
    )


REL = 'rel="nofollow noopener noreferrer ugc"'


def test_bare_addresses_become_links() -> None:
    html = render_markdown("See https://example.org/page for details.")

    assert html == (
        f'<p>See <a href="https://example.org/page" {REL}>https://example.org/page</a>'
        " for details.</p>"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Sentence punctuation after an address is not part of it; its own brackets are.
        (
            "Read http://a.example/x, then https://b.example/y.",
            f'<p>Read <a href="http://a.example/x" {REL}>http://a.example/x</a>, then '
            f'<a href="https://b.example/y" {REL}>https://b.example/y</a>.</p>',
        ),
        (
            "(see https://en.wikipedia.org/wiki/Imatinib_(drug))",
            f'<p>(see <a href="https://en.wikipedia.org/wiki/Imatinib_(drug)" {REL}>'
            "https://en.wikipedia.org/wiki/Imatinib_(drug)</a>)</p>",
        ),
        # Links written as Markdown, code and other schemes stay as they are.
        (
            "[Orphanet](https://www.orpha.net/) `https://code.example`",
            f'<p><a href="https://www.orpha.net/" {REL}>Orphanet</a> '
            "<code>https://code.example</code></p>",
        ),
        ("javascript:https://a.example", "<p>javascript:https://a.example</p>"),
        (
            "ftp://a.example xhttps://a.example https://",
            "<p>ftp://a.example xhttps://a.example https://</p>",
        ),
    ],
)
def test_only_whole_http_addresses_become_links(text: str, expected: str) -> None:
    assert render_markdown(text) == expected


def test_headings_are_shifted_below_the_page_outline() -> None:
    assert render_markdown("# Title") == "<h3>Title</h3>"


def test_plain_text_is_short_and_tagless() -> None:
    assert (
        plain_text("**bold** <b>x</b> " + "word " * 100, limit=30)
        == "bold <b>x</b> word word word…"
    )


def test_count_links() -> None:
    assert count_links("see [a](https://a.org) and https://b.org and c.org") == 2


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>\"'=:/()[]!&#;`\\ \n abcjvsriptonerl0123")), max_size=120
    )
)
def test_generated_text_never_yields_active_html(text: str) -> None:
    assert active_parts(render_markdown(text)) == []
