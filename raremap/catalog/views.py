"""Catalog pages: home, search (with autocomplete), disease page, sources."""

import copy
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from raremap.catalog import selectors
from raremap.catalog.models import Disease
from raremap.communities.forms import JoinForm
from raremap.communities.selectors import membership_get, membership_role_counts
from raremap.core.decorators import cache_for_anonymous

RESULTS_PER_PAGE = 20
SUGGESTIONS = 8


@require_safe
@cache_for_anonymous
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"stats": selectors.catalog_stats()})


@require_safe
@cache_for_anonymous
def search(request: HttpRequest) -> HttpResponse:
    """The search results page: works without JavaScript, paginated."""
    query = request.GET.get("q", "")
    page_number = request.GET.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 1000 else 1
    result = selectors.disease_search(
        query, limit=RESULTS_PER_PAGE, offset=(page_number - 1) * RESULTS_PER_PAGE
    )
    paginator = Paginator(range(result.total), RESULTS_PER_PAGE)
    page = paginator.get_page(page_number)
    return render(
        request,
        "catalog/search.html",
        {"result": result, "page": page, "search_query": result.query},
    )


@require_safe
@cache_for_anonymous
def autocomplete(request: HttpRequest) -> HttpResponse:
    """Suggestions for the search box (an htmx fragment); without htmx, the results page."""
    if "HX-Request" not in request.headers:
        return redirect(f"{reverse('catalog:search')}?{request.GET.urlencode()}")
    result = selectors.disease_search(request.GET.get("q", ""), limit=SUGGESTIONS)
    return render(request, "catalog/_suggestions.html", {"result": result})


@require_safe
@cache_for_anonymous
def disease_detail(request: HttpRequest, slug: str) -> HttpResponse:
    part = _catalog_part(slug)
    membership = membership_get(request.user, part.disease)
    context = {
        "disease": part.disease,
        "catalog": part,
        "counts": membership_role_counts(part.disease),
        "membership": membership,
        # Only members see the form (anonymous visitors get a sign-up link).
        "join_form": JoinForm(initial={"role": membership.role if membership else None})
        if request.user.is_authenticated
        else None,
    }
    return render(request, "catalog/disease_detail.html", context)


@dataclass(frozen=True)
class CatalogPart:
    """What a disease page shows from the catalog, rendered: it changes only with an import."""

    disease: Disease  # without its related rows
    header_html: str
    symptoms_html: str


def _catalog_part(slug: str) -> CatalogPart:
    """Render a disease's names, codes and symptoms once per import and language.

    Template rendering is most of a page's time (docs/architecture.md); this part is the same
    for every visitor, so it is kept rendered in the cache beside the catalog reads.
    """
    key = f"catalog:{selectors.catalog_generation()}:part:{get_language()}:{slug}"
    part = cache.get(key)
    if part is None:
        disease = selectors.disease_get(slug)
        context = {
            "disease": disease,
            "codes": list(disease.codes.all()),
            "names": list(disease.names.all()),
            "bands": selectors.disease_phenotype_bands(disease),
            "sources": {s.key: s for s in selectors.catalog_source_list()},
        }
        plain = copy.copy(disease)
        plain._prefetched_objects_cache = {}
        part = CatalogPart(
            disease=plain,
            header_html=render_to_string("catalog/_disease_header.html", context),
            symptoms_html=render_to_string("catalog/_disease_symptoms.html", context),
        )
        cache.set(key, part, selectors.CATALOG_CACHE_SECONDS)
    return part


@require_safe
@cache_for_anonymous
def sources(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/sources.html", {"sources": selectors.catalog_source_list()})
