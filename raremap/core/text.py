"""The one path for user text: Markdown → HTML → allowlist sanitiser.

Every piece of text a member writes (answers, messages, profile text, notifications, previews)
is turned into HTML here and nowhere else. Order matters: render first, then sanitise, so that
whatever the Markdown renderer produces (for example a `javascript:` link) is still checked.
Raw HTML in the source is not passed through by the renderer at all. A bare http or https
address in the text becomes a link (`_link_bare_urls`), which the sanitiser checks like any
other and gives the same `rel`.
"""

import html
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

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

# A bare address: http(s):// and what follows up to a space or a character that cannot be
# part of one, not glued to a word before it ("xhttps://…" stays text).
_BARE_URL = re.compile(r"(?<![\w@/.:])https?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address ("see https://a.org/x.").
_TRAILING = ".,:;!?*_~"


def _trim_url(url: str) -> str:
    """The address without the punctuation after it; a closing bracket stays if the address
    opened one (https://en.wikipedia.org/wiki/Imatinib_(drug))."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def _linked(state: StateCore, token: Token) -> list[Token]:
    """A text token as text and links: each bare address becomes link_open, text, link_close,
    the tokens the renderer writes for `<https://…>`."""
    pieces: list[Token] = []
    text, start = token.content, 0
    for match in _BARE_URL.finditer(text):
        url = _trim_url(match.group())
        href = state.md.normalizeLink(url)
        if url.partition("://")[2] == "" or not state.md.validateLink(href):
            continue
        if match.start() > start:
            pieces.append(Token("text", "", 0, content=text[start : match.start()]))
        pieces += [
            Token("link_open", "a", 1, attrs={"href": href}, markup="linkify", info="auto"),
            Token("text", "", 0, content=state.md.normalizeLinkText(url)),
            Token("link_close", "a", -1, markup="linkify", info="auto"),
        ]
        start = match.start() + len(url)
    if not pieces:
        return [token]
    if start < len(text):
        pieces.append(Token("text", "", 0, content=text[start:]))
    return pieces


def _link_bare_urls(state: StateCore) -> None:
    """Bare http and https addresses in member text become links (outside links and code).

    markdown-it's own `linkify` needs another package (linkify-it-py) and links bare domain
    names too ("c.org"); members paste whole addresses, and count_links (the new members'
    sandbox) counts exactly these.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0  # inside a link written as Markdown: leave its text alone
        for child in block.children:
            depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
            if child.type == "text" and depth == 0 and "://" in child.content:
                children += _linked(state, child)
            else:
                children.append(child)
        block.children = children


_markdown.core.ruler.push("link_bare_urls", _link_bare_urls)


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
