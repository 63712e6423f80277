"""Middleware: the anonymous full-page cache, the CSP header, no-store for logged-in pages."""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Cookies that make a response personal: a session (logged in) or pending flash messages.
_PERSONAL_COOKIES = ("messages",)


def _page_key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{request.method}:{digest}"


class AnonymousPageCacheMiddleware:
    """Serve pages marked with @cache_for_anonymous from the cache to anonymous visitors.

    It is the first middleware, so that a hit costs one cache read; the stored page carries
    every header the inner middleware added. The page is the same for every anonymous visitor
    (the language is part of the path), so there is one key per path.
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
            or request.path_info.startswith(self.static_prefix)
            or not self._is_anonymous(request)
        ):
            return self.get_response(request)
        key = _page_key(request)
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if (
            getattr(response, "cache_for_anonymous", False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
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
    """Pages seen by a logged-in member are never stored by browsers or proxies (ASVS 3.4)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
