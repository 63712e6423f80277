"""Helpers for the tests that prove a kept page (raremap.core.shell) carries nothing of one
viewer into another's response: the CSRF tokens a page holds and whose secret they mask, the
header's account links, and a spy that counts how often a kept page is rendered."""

import re
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

# A cookie that keeps the full-page cache out: the request is answered from the kept page.
NO_PAGE_CACHE = {"Cookie": "messages=x"}

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_NAV = re.compile(r'<nav class="account"[^>]*>(.*?)</nav>', re.S)


def csrf_tokens(html: str) -> list[str]:
    """The masked CSRF tokens of every form on a page."""
    return _TOKEN.findall(html)


def csrf_secret(client: Client) -> str:
    """The CSRF secret a client holds (its cookie: the secret itself, unmasked)."""
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def unmasked(tokens: list[str]) -> set[str]:
    return {_unmask_cipher_token(token) for token in tokens}


def account_links(html: str) -> str:
    """The header's account links (the `nav` region of base.html)."""
    match = _NAV.search(html)
    assert match is not None, "no account links on the page"
    return match[1]


@dataclass
class Renders:
    """How many times a page template was rendered by `render_kept`."""

    templates: list[str] = field(default_factory=list)


def count_renders(monkeypatch: pytest.MonkeyPatch, module: str) -> Renders:
    """Count the kept renders of a fragments module (`raremap.questions.fragments`): one render
    for several viewers proves their responses were filled from the same kept page."""
    import importlib

    fragments = importlib.import_module(module)
    renders = Renders()
    real = fragments.render_kept

    def spy(template, context, request):  # type: ignore[no-untyped-def]
        renders.templates.append(template)
        return real(template, context, request)

    monkeypatch.setattr(fragments, "render_kept", spy)
    return renders


def assert_csrf_of(html: str, client: Client) -> list[str]:
    """Every CSRF token on the page masks this client's secret (there is at least one);
    returns them."""
    tokens = csrf_tokens(html)
    assert tokens, "the page holds no form with a CSRF token"
    assert unmasked(tokens) == {csrf_secret(client)}
    return tokens


def assert_no_csrf_of(html: str, tokens: list[str], secret: str) -> None:
    """None of another viewer's tokens is on the page, nor their secret, and no token on it
    masks their secret."""
    for token in tokens:
        assert token not in html
    assert secret not in html
    assert secret not in unmasked(csrf_tokens(html))


@dataclass
class CacheReads:
    """What a request read from the shared cache: each get_many's keys, and the keys read on
    their own (the file cache's get_many calls get: those are not counted here)."""

    many: list[set[str]] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)


def spy_cache_reads(monkeypatch: pytest.MonkeyPatch) -> CacheReads:
    from django.core.cache import cache

    reads = CacheReads()
    inside = [False]
    shared_get_many, shared_get = cache.get_many, cache.get

    def get_many(keys: list[str], *args: object, **kwargs: object) -> dict:
        reads.many.append(set(keys))
        inside[0] = True
        try:
            return shared_get_many(keys, *args, **kwargs)
        finally:
            inside[0] = False

    def get(key: str, *args: object, **kwargs: object) -> object:
        if not inside[0]:
            reads.alone.append(key)
        return shared_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", get_many)
    monkeypatch.setattr(cache, "get", get)
    return reads
