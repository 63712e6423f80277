"""View decorators shared by all apps."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse


def cache_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let AnonymousPageCacheMiddleware keep this page for visitors who are not logged in.

    Only pages that show nothing personal to an anonymous visitor may use it.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            response.cache_for_anonymous = True  # type: ignore[attr-defined]
        return response

    return wrapper
