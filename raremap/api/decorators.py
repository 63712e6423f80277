"""Decorators for API operations (applied with ninja's `decorate_view`)."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def public_read(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a read that shows nothing personal be cached, for visitors without credentials.

    A 200 answered to a request with neither a session nor an Authorization header is kept by
    AnonymousPageCacheMiddleware and may be kept by clients and proxies for as long.
    """

    @wraps(run)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = run(request, *args, **kwargs)
        anonymous = not request.user.is_authenticated and "Authorization" not in request.headers
        if anonymous and response.status_code == 200:
            response.cache_for_anonymous = True  # type: ignore[attr-defined]
            patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
