"""The map page, rendered once per published version of the map, language and view, and kept
in the cache (raremap.core.shell). Everything on it comes from the published snapshot, so it
is the same for every viewer of that view — anonymous visitors and other non-members get the
counts-only view, members of the community the view with markers — but for the header and
the `you` region: what the map shows of the viewer, filled per request."""

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext

from raremap.atlas import drawing, selectors, services
from raremap.atlas.selectors import MapSummary
from raremap.catalog.models import Disease
from raremap.communities.models import Membership
from raremap.core.shell import KEPT_SECONDS, Filler, KeptPage, Viewer, keep, render_kept

PART_SECONDS = 24 * 60 * 60  # keyed by the map's version: a new publish makes a new key


def map_page(
    request: HttpRequest, disease: Disease, summary: MapSummary, *, country: str, members: bool
) -> KeptPage:
    """The map page of one view, as an anonymous visitor would see that view."""
    view = f"m:{country}" if members else "a"
    # "page2": kept with the end of its shared entry (raremap.core.cache.ProcessCopies).
    key = f"atlas:page2:{disease.pk}:{summary.version}:{get_language()}:{view}"

    def render() -> tuple[str, None]:
        names = {c: n for c, n, _count in summary.countries}
        context = {
            "disease": disease,
            "summary": summary,
            "country": country,
            "country_name": names.get(country, ""),
            "part_html": map_part(disease, summary, country=country, members=members),
        }
        return render_kept("atlas/map.html", context, request), None

    return keep(key, KEPT_SECONDS, render)


def member_fillers(
    viewer: Viewer, disease: Disease, summary: MapSummary, membership: Membership | None
) -> dict[str, Filler]:
    """Fill the `you` region for a logged-in viewer: join the community, put yourself on the
    map, or where others see you and the people near you."""
    request = viewer.request
    language = get_language()
    shown = selectors.map_shown_place_id(membership)  # (on the map, published place id)
    # Before a member tries: how many more answers they need to put themselves on the map.
    needed = services.answers_needed_to_join(request.user) if membership and not shown[0] else 0

    def context() -> dict[str, Any]:
        on_map, place_id = shown
        place = selectors.place_with_parents(place_id) if place_id else None
        return {
            "request": request,
            "LANGUAGE_CODE": language,
            "disease": disease,
            "membership": membership,
            "on_map": on_map,
            "shown_place": place,
            "entry_label": selectors.place_label(place) if place else "",
            "near_me": selectors.place_chain(place)[::-1] if place else [],
            "k": summary.k,
            "place_country_name": selectors.place_country_name,
            "rule": services.join_rule_text(needed) if needed else "",
        }

    key = (language, disease.slug, membership is not None, *shown, summary.k, needed)
    return {"you": lambda _argument, _anonymous: viewer.fragment("atlas/_you.html", key, context)}


def map_part(disease: Disease, summary: MapSummary, *, country: str, members: bool) -> str:
    view = f"m:{country}" if members else "a"
    key = f"atlas:part:{disease.pk}:{summary.version}:{get_language()}:{view}"
    html = cache.get(key)
    if html is None:
        html = _render(disease, summary, country=country, members=members)
        cache.set(key, html, PART_SECONDS)
    return html


def _render(disease: Disease, summary: MapSummary, *, country: str, members: bool) -> str:
    names = {code: name for code, name, _n in summary.countries}
    counts = {code: n for code, _name, n in summary.countries}
    context = {
        "disease": disease,
        "summary": summary,
        "members": members,
        "countries": drawing.countries(counts, names, summary.k),
        "viewbox": drawing.country_viewbox(country) if country else drawing.VIEWBOX,
        "title": gettext("Members shown per country"),
        "country": country,
        "country_name": names.get(country, ""),
        "markers": [],
        "cells": [],
        "buckets": [b * summary.k for b in drawing.BUCKETS],
    }
    if members and country:
        cells = selectors.map_cells(disease, country)
        labels = {place.pk: selectors.place_label(place) for place, _n in cells}
        people = reverse("atlas:people", args=[disease.slug]) + "?place={place}"
        context["cells"] = [(place, labels[place.pk], n) for place, n in cells]
        width = float(context["viewbox"].split()[2])
        context["markers"] = drawing.place_markers(cells, labels, people, scale=width / 1000)
    elif members:
        here = reverse("atlas:map", args=[disease.slug]) + "?country={code}"
        context["markers"] = drawing.country_markers(counts, names, here)
    return render_to_string("atlas/_map_part.html", context)
