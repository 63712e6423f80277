"""Catalog pages: the home pages (a visitor's and a member's), search (with autocomplete),
disease page, sources."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from raremap.accounts.fragments import page_fillers
from raremap.catalog import fragments, selectors
from raremap.catalog.fragments import disease_part
from raremap.catalog.home import member_home
from raremap.communities.selectors import (
    community_list_largest,
    membership_get,
)
from raremap.core.decorators import cache_for_anonymous
from raremap.core.shell import Viewer
from raremap.questions.fragments import shown_counts

RESULTS_PER_PAGE = 20
SUGGESTIONS = 8


@require_safe
@cache_for_anonymous
def home(request: HttpRequest) -> HttpResponse:
    """One address for everyone: a visitor's home (what RareMap is, one search, the largest
    communities, how privacy works), kept for visitors by the page cache; or, logged in, the
    member's own home, private like every member page (no-store: PrivatePageMiddleware)."""
    if request.user.is_authenticated:
        context = {"home": member_home(request.user)}
        response = render(request, "catalog/member_home.html", context)
    else:
        context = {"stats": selectors.catalog_stats(), "communities": community_list_largest()}
        response = render(request, "catalog/home.html", context)
    patch_vary_headers(response, ["Cookie"])  # the session cookie chooses which home
    return response


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
    response = render(request, "catalog/_suggestions.html", {"result": result})
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a redirect without
    return response


@require_safe
@cache_for_anonymous
def disease_detail(request: HttpRequest, slug: str) -> HttpResponse:
    part = disease_part(slug)
    disease = part.disease
    # The community's counts, read together (one round trip to Redis): the question page's.
    shown = shown_counts(disease)
    page = fragments.disease_page(request, part, counts=shown.members, questions=shown.questions)
    viewer = Viewer(request)
    fillers = page_fillers(viewer)
    if request.user.is_authenticated:
        membership = membership_get(request.user, disease)
        fillers |= fragments.member_fillers(viewer, disease, membership)
    return HttpResponse(page.fill(fillers))


@require_safe
@cache_for_anonymous
def sources(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/sources.html", {"sources": selectors.catalog_source_list()})
