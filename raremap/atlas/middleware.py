"""The public aggregate of a map, answered before the rest of the site runs.

`GET /api/v1/diseases/<slug>/map` is the same for every visitor (counts only) and is what a
map widget or a script polls. The first middleware answers it from the cache, keyed by the
slug: no session, no authentication, no API routing. On a miss the request goes through the
whole stack (the API view reads the stored snapshot) and the response — with every header
the other middleware added: CSP, security headers — is kept for the next requests; the
publisher puts the new counts in it when a change commits (atlas.selectors.snapshot_forget).
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from raremap.atlas.selectors import aggregate_key, aggregate_seconds

# A slug as the catalog makes them (a cache key must not hold spaces or control characters).
_AGGREGATE = re.compile(r"/api/v1/diseases/(?P<slug>[-\w]{1,120})/map", re.ASCII)


class MapAggregateMiddleware:
    """Serve a map's public aggregate from the cache (see the module docstring).

    Requests with a session cookie go through the stack: a logged-in member's responses carry
    `Cache-Control: no-store, private` like every other page of theirs. Requests with an API
    token get the stored response (the same JSON); only an anonymous request's response is
    stored, so the headers kept are the anonymous ones.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        match = _AGGREGATE.fullmatch(request.path_info)
        if match is None:
            return self.get_response(request)
        key = aggregate_key(match["slug"])
        response = cache.get(key)
        if response is not None:
            return response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and "Authorization" not in request.headers
            and not response.cookies
            and not response.streaming
        ):
            # add, not set: the publisher may have put newer counts there meanwhile.
            cache.add(key, response, aggregate_seconds())
        return response
