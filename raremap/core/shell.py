"""Kept pages: a page rendered once for everyone, with its personal regions marked, completed
per request.

Most of a busy page is the same for every visitor: a question with thirty answers, a disease's
treatment ranking, a map. What differs is small and known — the header's account links, flash
messages, a member's own votes, forms that carry a CSRF token. Such a page is rendered once as
an anonymous visitor sees it, with each part that differs written between `<!--@name-->` and
`<!--/@name-->` in its template, and kept in the cache under a key that changes whenever its
content does. A request then costs its own data and a few small strings: each region is filled
by the filler registered for its name (the part before a colon — `vote:12` is filled by the
`vote` filler, given "12"); a region without a filler keeps what an anonymous visitor sees.

`base.html` marks three regions every page has: `messages` (flash messages) and `languages`
(the language chooser, which keeps the request's query), both filled by `base_fillers`, and
`nav` (the header's account links, filled by the accounts app:
`raremap.accounts.fragments.page_fillers` gives all three). Regions do not nest.
"""

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.template import engines
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from markupsafe import Markup

from raremap.core.cache import ProcessCopies

_REGION = re.compile(r"<!--@(([\w-]+)(?::([\w.-]+))?)-->(.*?)<!--/@\1-->", re.S)

# How long a kept page may show counts and names that changed elsewhere (what its key holds
# is never stale).
KEPT_SECONDS = 5 * 60

# A filler gets the region's argument (after the colon, or "") and its anonymous content.
Filler = Callable[[str, str], str]


@dataclass(frozen=True)
class KeptPage:
    """A page split at its regions, kept encoded: a request joins bytes (a map page is 200 KB;
    encoding it per request cost more than filling it)."""

    texts: tuple[bytes, ...]  # the page between regions: one more than regions
    regions: tuple[tuple[str, str, str, bytes], ...]  # (name, argument, anonymous content ×2)
    data: Any = None  # what the page's fillers need to know of its content (read only)

    @classmethod
    def parse(cls, html: str, data: Any = None) -> "KeptPage":
        texts, regions, start = [], [], 0
        for match in _REGION.finditer(html):
            texts.append(html[start : match.start()].encode())
            regions.append((match[2], match[3] or "", match[4], match[4].encode()))
            start = match.end()
        texts.append(html[start:].encode())
        return cls(tuple(texts), tuple(regions), data)

    def size(self) -> int:
        """About the bytes it holds (the bound of each process's copies)."""
        return sum(map(len, self.texts)) + sum(len(region[3]) * 2 for region in self.regions)

    def fill(self, fillers: Mapping[str, Filler]) -> bytes:
        """The page (UTF-8) with each region filled (markers left out)."""
        texts = self.texts
        out = [texts[0]]
        for index, (name, argument, anonymous, encoded) in enumerate(self.regions, 1):
            filler = fillers.get(name)
            out.append(encoded if filler is None else filler(argument, anonymous).encode())
            out.append(texts[index])
        return b"".join(out)


# Each process keeps a copy of the kept pages it read (raremap.core.cache.ProcessCopies) until
# the shared entry's end: a key's page never changes, so a copy shows what every process shows,
# and names and counts lag no more than KEPT_SECONDS, as from the shared cache. 100 pages of
# 256 KB at most (a question page is about 40 KB, a map page 200 KB).
_copies: ProcessCopies[KeptPage] = ProcessCopies(entries=100, largest=256 * 1024)


def keep(key: str, seconds: int, render: Callable[[], tuple[str, Any]]) -> KeptPage:
    """The kept page under `key` (which must change with the page's content), made from
    what `render` returns when it is missing: the page's HTML and its data."""
    return _copies.read(key, seconds, lambda: KeptPage.parse(*render()), KeptPage.size)


def anonymous_twin(request: HttpRequest) -> HttpRequest:
    """A request for the same page by an anonymous visitor with no cookies: what a kept page
    is rendered for."""
    twin = HttpRequest()
    twin.method = "GET"
    twin.path, twin.path_info = request.path, request.path_info
    twin.META = {
        key: request.META[key] for key in ("SERVER_NAME", "SERVER_PORT") if key in request.META
    }
    twin.GET = request.GET
    twin.user = AnonymousUser()
    twin.LANGUAGE_CODE = getattr(request, "LANGUAGE_CODE", None)
    return twin


def render_kept(template: str, context: dict[str, Any], request: HttpRequest) -> str:
    """Render a page template as its anonymous twin would see it."""
    return render_to_string(template, context, request=anonymous_twin(request))


def render_fragment(template: str, context: dict[str, Any]) -> str:
    """A small template rendered straight by Jinja (no context processors): the caller gives
    everything it uses."""
    return engines["jinja2"].env.get_template(template).render(context)


# Fragments remembered per process, with a slot for the CSRF field (masked anew per request).
_CSRF_SLOT = "<!--csrf-->"
_CSRF_SLOT_HTML = Markup(_CSRF_SLOT)  # noqa: S704 (a constant)
_FRAGMENTS: dict[tuple[str, Hashable], str] = {}
FRAGMENTS_KEPT = 4096


@dataclass
class Viewer:
    """What the fillers of one request share: the request and its CSRF field, made once (each
    `get_token` masks the secret anew)."""

    request: HttpRequest
    _csrf_input: str | None = None

    def fragment(self, template: str, key: Hashable, context: Callable[[], dict[str, Any]]) -> str:
        """A small template for this request. `key` holds everything the fragment shows but
        the CSRF field: the rendering is remembered in this process under it (`context` is
        called only to render it)."""
        html = _FRAGMENTS.get((template, key))
        if html is None:
            html = render_fragment(template, {**context(), "csrf_input": _CSRF_SLOT_HTML})
            if len(_FRAGMENTS) >= FRAGMENTS_KEPT:
                _FRAGMENTS.clear()
            _FRAGMENTS[template, key] = html
        if _CSRF_SLOT in html:
            html = html.replace(_CSRF_SLOT, self.csrf_input)
        return html

    @property
    def csrf_input(self) -> str:
        if self._csrf_input is None:
            # Django's own hidden field, as templates' `{{ csrf_input }}` gives it.
            self._csrf_input = csrf_input(self.request)
        return self._csrf_input


def base_fillers(viewer: Viewer) -> dict[str, Filler]:
    """The fillers of base.html's `messages` region (flash messages) and `languages` region
    (the language chooser, whose links keep the request's own query: the kept page holds the
    query of whoever made it). Its `nav` region, the header's account links, is the accounts
    app's (raremap.accounts.fragments.page_fillers)."""
    request = viewer.request

    def messages(_argument: str, _anonymous: str) -> str:
        if not get_messages(request):  # counting does not mark them shown
            return ""
        return render_fragment("core/_messages.html", {"request": request})

    def languages(_argument: str, _anonymous: str) -> str:
        language = getattr(request, "LANGUAGE_CODE", None)
        return viewer.fragment(
            "core/_languages.html",
            (language, request.path, request.META.get("QUERY_STRING", "")),
            lambda: {"request": request, "LANGUAGE_CODE": language},
        )

    return {"messages": messages, "languages": languages}
