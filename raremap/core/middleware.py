"""Middleware: the anonymous full-page cache, the CSP header, no-store for private responses."""

import hashlib
import time
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re, patch_cache_control

from raremap.core.cache import ProcessCopies

# Cookies that make a response personal: a session (logged in) or pending flash messages.
_PERSONAL_COOKIES = ("messages",)
# What a stored page may vary on: the language is part of the path (LocaleMiddleware still
# names Accept-Language), cookies are never sent by the visitors it is served to, and htmx
# requests are told apart by the key.
_VARY_HANDLED = frozenset({"accept-language", "cookie", "hx-request"})


# A process keeps the pages it read from the shared cache for LOCAL_SECONDS at most, and never
# past the shared entry's own expiry (raremap.core.cache.ProcessCopies): 200 pages of 256 KB
# at most (a question page is about 60 KB: 12 MB for 200 of them).
LOCAL_SECONDS = 2.0
_local: ProcessCopies["_Page"] = ProcessCopies(entries=200, largest=256 * 1024)


class _Page(NamedTuple):
    """A stored answer, the same for every visitor it is served to, until `expires`."""

    expires: float  # time.time() of the shared entry's end
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    def response(self) -> HttpResponse:
        """A response of its own for each request (the handler adds to a response)."""
        return HttpResponse(self.content, status=self.status, headers=dict(self.headers))


def _keep_local(key: str, page: _Page, now: float) -> None:
    _local.put(key, page, until=min(now + LOCAL_SECONDS, page.expires), size=len(page.content))


def _page_key(request: HttpRequest) -> str:
    """Everything a cached answer depends on: method, scheme, (validated) host, path and
    query, and whether htmx asked for a fragment."""
    parts = (
        request.method,
        "https" if request.is_secure() else "http",
        request.get_host(),  # raises DisallowedHost (400) for a host not in ALLOWED_HOSTS
        request.get_full_path(),
        "htmx" if "HX-Request" in request.headers else "page",
    )
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"page:2:{digest}"  # 2: a _Page (1 was a pickled response)


def _storable(response: HttpResponse) -> bool:
    if not getattr(response, "cache_for_anonymous", False):
        return False
    if response.status_code != 200 or response.cookies or response.streaming:
        return False
    vary = {v.lower() for v in cc_delim_re.split(response.get("Vary", "")) if v}
    control = response.get("Cache-Control", "")
    return vary <= _VARY_HANDLED and "no-store" not in control and "private" not in control


class AnonymousPageCacheMiddleware:
    """Serve pages marked with @cache_for_anonymous from the shared cache to anonymous
    visitors.

    It runs after SecurityMiddleware (the HTTPS redirect) and checks the Host header before it
    answers, so a cached page is never served where Django would refuse the request. A stored
    page carries every header the inner middleware added (CSP, no-sniff). Anonymous pages may
    lag PAGE_CACHE_SECONDS behind a change (docs/architecture.md, "Caching").
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    static_prefix = settings.STATIC_URL

    def _is_anonymous(self, request: HttpRequest) -> bool:
        cookies = request.COOKIES
        if "Authorization" in request.headers:  # an API client with a token
            return False
        return settings.SESSION_COOKIE_NAME not in cookies and not any(
            name in cookies for name in _PERSONAL_COOKIES
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or settings.PAGE_CACHE_SECONDS <= 0  # turned off
            or request.path_info.startswith(self.static_prefix)
            or not self._is_anonymous(request)
        ):
            return self.get_response(request)
        key = _page_key(request)
        now = time.time()
        kept = _local.get(key, now)
        if kept is not None:
            return kept.response()
        page = cache.get(key)
        if page is not None and page.expires > now:
            _keep_local(key, page, now)
            return page.response()
        response = self.get_response(request)
        if _storable(response):
            seconds = settings.PAGE_CACHE_SECONDS
            headers = tuple(response.items())
            page = _Page(now + seconds, response.status_code, headers, response.content)
            cache.set(key, page, seconds)
            _keep_local(key, page, now)
        return response


class ContentSecurityPolicyMiddleware:
    """Add the site's one Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).

    The policy is a constant string: no per-request nonces, so cached pages stay valid.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class PrivatePageMiddleware:
    """What a logged-in member or an API client with a token is answered is never stored by
    browsers or proxies (ASVS 3.4)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Authorization" in request.headers:
            patch_cache_control(response, no_store=True, private=True)
        return response
