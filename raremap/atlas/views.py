"""Map pages."""

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from raremap.atlas import selectors
from raremap.core.throttle import Limit, throttled

# Gazetteer ---------------------------------------------------------------------------------

PLACE_CHOICES = 10
# About one look-up per keystroke while typing; a scraper needs thousands.
PLACE_SEARCH = Limit("place-search", 60, 60)
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


@require_safe
@throttled(PLACE_SEARCH, methods=("GET", "HEAD"))
def place_search(request: HttpRequest) -> HttpResponse:
    """The place autocomplete: radio buttons named `field` (default "place") for the places
    matching `q`. htmx gets the fragment; called directly, a small page with a search form
    and the same list (forms that embed the picker render the fragment themselves)."""
    query = request.GET.get("q", "")[:200]
    field = request.GET.get("field", "place")
    context = {
        "query": query.strip(),
        "field": field if _FIELD_NAME.fullmatch(field) else "place",
        "choices": selectors.place_choices(query, limit=PLACE_CHOICES),
    }
    template = "atlas/_place_choices.html"
    if "HX-Request" not in request.headers:
        template = "atlas/place_search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
