"""The one path for user text: Markdown → HTML → allowlist sanitiser.

Every piece of text a member writes (answers, messages, profile text, notifications, previews)
is turned into HTML here and nowhere else. Order matters: render first, then sanitise, so that
whatever the Markdown renderer produces (for example a `javascript:` link) is still checked.
Raw HTML in the source is not passed through by the renderer at all.
"""

import html
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer ugc"

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)
_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)|https?://", re.IGNORECASE)


def _shift_headings(state: StateCore) -> None:
    """Headings inside member text would fight with the page's own outline: they are shifted
    two levels down (# → h3, at most h6) instead of being dropped."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


_markdown.core.ruler.push("shift_headings", _shift_headings)


def render_markdown(text: str) -> str:
    """Render member-written Markdown to sanitised HTML, safe to store and to show."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def count_links(text: str) -> int:
    """How many links a piece of Markdown holds (the sandbox for new accounts limits it)."""
    return len(_LINK.findall(text or ""))


def plain_text(text: str, limit: int = 300) -> str:
    """A short plain-text rendering (meta descriptions, snippets): tags dropped, cut at a word.

    The result is text, not HTML: templates escape it like any other string.
    """
    stripped = html.unescape(nh3.clean(render_markdown(text), tags=set())).strip()
    stripped = " ".join(stripped.split())
    if len(stripped) <= limit:
        return stripped
    return stripped[: limit - 1].rsplit(" ", 1)[0] + "…"
