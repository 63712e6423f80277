"""Map reads."""

import gettext
from dataclasses import dataclass
from functools import cache

import pycountry
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import get_language, to_locale

from raremap.atlas.gazetteer import EXTRA_COUNTRIES, country_name, fold
from raremap.atlas.models import Place, Precision

# Gazetteer ---------------------------------------------------------------------------------

PLACE_QUERY_MIN = 2  # folded characters: one letter matches too much to rank usefully
PLACE_QUERY_MAX = 100


@cache
def _country_names(language: str) -> dict[str, str]:
    """alpha-2 → country name in `language` (pycountry's iso3166-1 catalogs), once per language."""
    catalog = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[to_locale(language)], fallback=True
    )
    names = {code: catalog.gettext(name) for code, name in EXTRA_COUNTRIES.items()}
    for country in pycountry.countries:
        names[country.alpha_2] = catalog.gettext(country_name(country.alpha_2, country.name))
    return names


@cache
def _country_keys(language: str) -> tuple[tuple[str, str], ...]:
    """(folded name in `language`, alpha-2) for matching typed country names."""
    return tuple((fold(name), code) for code, name in _country_names(language).items())


def place_country_name(code: str) -> str:
    """A country's name in the active language ("Francia" in Spanish)."""
    return _country_names(get_language() or "en").get(code, code)


def place_chain(place: Place) -> list[Place]:
    """Country first, then region, then city, down to `place` (parents select_related)."""
    chain = []
    current: Place | None = place
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain[::-1]


def place_label(place: Place) -> str:
    """ "Lyon, Auvergne-Rhône-Alpes, France": the place and its parents, the country translated."""
    names = [
        place_country_name(p.country_code) if p.kind == Precision.COUNTRY else p.name
        for p in reversed(place_chain(place))
    ]
    return ", ".join(names)


def _matches(key: str, folded: str) -> int | None:
    """0 exact, 1 the name starts with the query, 2 a later word does; None: no match."""
    if folded == key:
        return 0
    if folded.startswith(key):
        return 1
    if f" {key}" in f" {folded}":
        return 2
    return None


def place_search(query: str, *, limit: int = 10) -> list[Place]:
    """Places whose name (or a word of it) starts with `query`: countries, regions, cities.

    Order: exact names, then names that start with the query, then names with a later word
    that does ("york" → New York City), each by population. Names that start with the query
    are found through the `search_key` index (see the model); later words need a scan of the
    names (37,000 short strings, ~10 ms), made only when the first look-up leaves room.
    Countries also match by their name in the active language ("alem" → Alemania). Parents
    come with the places (select_related), so labels cost no queries.
    """
    key = fold(query[: PLACE_QUERY_MAX * 2])[:PLACE_QUERY_MAX].strip()
    if len(key) < PLACE_QUERY_MIN:
        return []
    places = Place.objects.select_related("parent__parent")
    prefix = Q(search_key__startswith=key)
    if connection.vendor == "sqlite":
        # SQLite's LIKE ignores case, so it cannot use the index; a range can (bytewise order).
        prefix &= Q(search_key__gte=key, search_key__lt=key[:-1] + chr(ord(key[-1]) + 1))
    found = list(
        places.filter(prefix)
        .annotate(
            exact=Case(When(search_key=key, then=Value(0)), default=1, output_field=IntegerField())
        )
        .order_by("exact", "-population", "name", "pk")[:limit]
    )
    if len(found) < limit and len(key) >= 3:
        found += list(
            places.filter(search_key__contains=f" {key}")
            .exclude(pk__in=[p.pk for p in found])
            .order_by("-population", "name", "pk")[: limit - len(found)]
        )
    known = {p.country_code for p in found if p.kind == Precision.COUNTRY}
    countries = {
        code: rank
        for folded, code in _country_keys(get_language() or "en")
        if code not in known and (rank := _matches(key, folded)) is not None
    }
    if countries:
        found += list(places.filter(kind=Precision.COUNTRY, code__in=countries))
    rank = {
        p.pk: countries[p.code] if p.code in countries else _matches(key, p.search_key)
        for p in found
    }
    found.sort(key=lambda p: (rank[p.pk], -p.population, p.name, p.pk))
    return found[:limit]


@dataclass(frozen=True)
class PlaceChoice:
    place: Place
    label: str


def place_choices(query: str, *, limit: int = 10) -> list[PlaceChoice]:
    """The autocomplete's list: each place with its label in the active language."""
    return [PlaceChoice(place, place_label(place)) for place in place_search(query, limit=limit)]
