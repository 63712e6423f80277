"""Site-wide pages: about, health check, error pages."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from raremap.core import seo
from raremap.core.decorators import cache_for_anonymous
from raremap.core.languages import language_codes


@require_safe
@cache_for_anonymous
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html")


@require_safe
@cache_for_anonymous
def robots_txt(request: HttpRequest) -> HttpResponse:
    """What crawlers may fetch (docs/seo.md), and where the sitemap index is."""
    context = {
        "prefixes": [seo.language_path("", code) for code in language_codes()],
        "sitemap_url": seo.absolute(reverse("sitemap-index")),
    }
    return render(request, "core/robots.txt", context, content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Says whether the database answers; 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: the error may have come from it.
    return render(None, "core/500.html", status=500)  # type: ignore[arg-type]
