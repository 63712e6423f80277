"""Open data downloads: a disease's treatment rankings (CSV, JSON) and the whole catalog's (CSV).

Public, streamed (StreamingHttpResponse: the page cache never keeps them, so they say
Cache-Control themselves), and limited per client for the whole-catalog file.
"""

from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from raremap.catalog.models import Disease
from raremap.catalog.selectors import disease_get
from raremap.core.throttle import Limit, throttled
from raremap.treatments.export import about, csv_lines, export_rows, json_chunks

# The whole catalog reads every published ranking: a handful an hour per client is plenty.
EXPORT_ALL = Limit("treatment-export-all", 20, 60 * 60)

CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


def _download(
    request: HttpRequest, chunks: Iterator[str], content_type: str, filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_SECONDS)
    return response


def _name(disease: Disease | None, extension: str) -> str:
    stem = f"raremap-treatments-{disease.slug}" if disease else "raremap-treatments"
    return f"{stem}-{timezone.now():%Y-%m-%d}.{extension}"


@require_safe
def ranking_export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """One disease's rankings with enough reports, as CSV with `#` about lines first."""
    disease = disease_get(slug)
    info = about(url=request.build_absolute_uri(), disease=disease)
    lines = csv_lines(info, export_rows(disease=disease))
    return _download(request, lines, CSV_TYPE, _name(disease, "csv"))


@require_safe
def ranking_export_json(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """One disease's rankings with enough reports, as JSON with an "about" object."""
    disease = disease_get(slug)
    info = about(url=request.build_absolute_uri(), disease=disease)
    chunks = json_chunks(info, export_rows(disease=disease))
    return _download(request, chunks, JSON_TYPE, _name(disease, "json"))


@require_safe
@throttled(EXPORT_ALL, methods=("GET", "HEAD"))
def ranking_export_all_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every disease's rankings with enough reports, as one CSV."""
    info = about(url=request.build_absolute_uri())
    return _download(request, csv_lines(info, export_rows()), CSV_TYPE, _name(None, "csv"))
