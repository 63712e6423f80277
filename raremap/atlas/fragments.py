"""The rendered map: the SVG and the tables of a map page, rendered once per published
version of the map, language and view, and kept in the cache. Everything in it comes from the
published snapshot, so it is the same for every viewer of that view (anonymous visitors get
the counts-only view, members of the community the view with markers)."""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext

from raremap.atlas import drawing, selectors
from raremap.atlas.selectors import MapSummary
from raremap.catalog.models import Disease

PART_SECONDS = 24 * 60 * 60  # keyed by the map's version: a new publish makes a new key


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
