"""Map reads: the gazetteer (place search and labels), the published snapshot of a map, the
public aggregate, and people lists.

Everything about members here is computed from published places only
(`MapEntry.published_place`), never from the place a member chose, so what a response says
about a member is a function of their published place, display name and role.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.atlas.gazetteer import fold
from raremap.atlas.generalise import OTHER
from raremap.atlas.models import MapCountry, MapEntry, MapSnapshot, Place, PlaceName, Precision
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from raremap.connections.selectors import blocker_ids
from raremap.core.countries import country_name, country_names
from raremap.core.throttle import Limit

# Gazetteer ---------------------------------------------------------------------------------

PLACE_QUERY_MIN = 2  # folded characters: one letter matches too much to rank usefully
PLACE_OTHER_NAME_MIN = 3  # other names (PlaceName) only from three: two match too many
PLACE_QUERY_MAX = 100


@cache
def _country_keys(language: str) -> tuple[tuple[str, str], ...]:
    """(folded name in `language`, alpha-2) for matching typed country names."""
    return tuple((fold(name), code) for code, name in country_names(language).items())


def place_country_name(code: str) -> str:
    """A country's name in the active language ("Francia" in Spanish)."""
    return country_name(code)


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


def _prefix(key: str) -> Q:
    """`search_key` starts with `key`, written so that its index serves it."""
    prefix = Q(search_key__startswith=key)
    if connection.vendor == "sqlite":
        # SQLite's LIKE ignores case, so it cannot use the index; a range can (bytewise order).
        prefix &= Q(search_key__gte=key, search_key__lt=key[:-1] + chr(ord(key[-1]) + 1))
    return prefix


def place_search(query: str, *, limit: int = 10) -> list[Place]:
    """Places whose name (or a word of it) starts with `query`: countries, regions, cities.

    Order: exact names, then names that start with the query, then names with a later word
    that does ("york" → New York City), each by population. Names that start with the query
    are found through the `search_key` index (see the model); later words need a scan of the
    names (37,000 short strings, ~10 ms), made only when the first look-up leaves room.
    Countries also match by their name in the active language ("alem" → Alemania), and cities
    by their other names (`PlaceName`: "seville" → Sevilla, "cologne" → Köln; ranked as their
    own names would be). Parents come with the places (select_related), so labels cost no
    queries.
    """
    key = fold(query[: PLACE_QUERY_MAX * 2])[:PLACE_QUERY_MAX].strip()
    if len(key) < PLACE_QUERY_MIN:
        return []
    places = Place.objects.select_related("parent__parent")
    found: list[Place] = list(
        places.filter(_prefix(key))
        .annotate(
            exact=Case(When(search_key=key, then=Value(0)), default=1, output_field=IntegerField())
        )
        .order_by("exact", "-population", "name", "pk")[:limit]
    )
    # Cities by another of their names ("seville" → Sevilla, "cologne" → Köln): exact or
    # starting with the query, like own names (rank 0 or 1), through PlaceName's index.
    other_rank: dict[int, int] = {}
    if len(key) >= PLACE_OTHER_NAME_MIN:
        other = list(
            places.filter(pk__in=PlaceName.objects.filter(_prefix(key)).values("place_id"))
            .exclude(pk__in=[p.pk for p in found])
            .annotate(exact=Exists(PlaceName.objects.filter(place=OuterRef("pk"), search_key=key)))
            .order_by(F("exact").desc(), "-population", "name", "pk")[:limit]
        )
        other_rank = {p.pk: 0 if p.exact else 1 for p in other}
        found += other
    if len(found) < limit and len(key) >= 3:
        found += list(
            places.filter(search_key__contains=f" {key}")
            .exclude(pk__in=[p.pk for p in found])
            .order_by("-population", "name", "pk")[: limit - len(found)]
        )
    known = {p.country_code for p in found if p.kind == Precision.COUNTRY}
    countries = {
        code: matched
        for folded, code in _country_keys(get_language() or "en")
        if code not in known and (matched := _matches(key, folded)) is not None
    }
    if countries:
        found += list(places.filter(kind=Precision.COUNTRY, code__in=countries))
    rank = {
        p.pk: countries[p.code]
        if p.code in countries
        else min(r for r in (_matches(key, p.search_key), other_rank.get(p.pk)) if r is not None)
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


# Maps


# The publisher forgets a map's snapshot when it changes; a day bounds what a lost forget (a
# cache write that failed) could leave behind.
SNAPSHOT_SECONDS = 24 * 60 * 60


PEOPLE_PER_PAGE = 20
# People lists are what a scraper would page through: generous for a person, not for a bot
# (pages and API share it).
PEOPLE_PAGES = Limit("people-pages", 120, 60 * 60)


def snapshot_cache_key(disease_id: int) -> str:
    return f"atlas:snapshot:{disease_id}"


def _cells_key(snapshot: dict, country_code: str) -> str:
    # By snapshot: a publish makes new keys, so no process keeps an old country's cells. The
    # time it was computed as well as its version: a version number comes back when a publish
    # is rolled back (or a database restored).
    computed: datetime | None = snapshot["computed_at"]
    made = f"{snapshot['version']}:{computed.timestamp() if computed else 0}"
    return f"atlas:cells:{snapshot['disease_id']}:{made}:{country_code}"


def snapshot_forget(disease_id: int) -> None:
    """A map is being published: forget its cached snapshot now, and once the change commits
    put the new one in the cache, so readers never wait for SQL (at once and again after the
    commit: a reader between the two would otherwise keep the old snapshot for a day)."""
    django_cache.delete(snapshot_cache_key(disease_id))
    transaction.on_commit(lambda: _snapshot_cache(disease_id))


def _snapshot_cache(disease_id: int) -> dict:
    row: Mapping[str, Any] | None = (
        MapSnapshot.objects.filter(disease_id=disease_id)
        .values("version", "computed_at", "data")
        .first()
    )
    if row is None:
        row = {"version": 0, "computed_at": None, "data": {}}
    snapshot = {
        "disease_id": disease_id,
        "version": row["version"],
        "computed_at": row["computed_at"],
        "k": row["data"].get("k", settings.MAP_K),
        "total": row["data"].get("total", 0),
        "demo": row["data"].get("demo", False),
        "roles": [tuple(r) for r in row["data"].get("roles", [])],
        "countries": [tuple(c) for c in row["data"].get("countries", [])],
    }
    django_cache.set(snapshot_cache_key(disease_id), snapshot, SNAPSHOT_SECONDS)
    return snapshot


def snapshot_get(disease_id: int, *, cached: dict | None = None) -> dict:
    """A map's published snapshot: its counts by role and by country (a few KB; the cells are
    apart, per country: `country_cells`). Cached per disease (`snapshot_cache_key`; `cached`:
    what a caller read from it together with other entries)."""
    snapshot = cached if cached is not None else django_cache.get(snapshot_cache_key(disease_id))
    if snapshot is None:
        snapshot = _snapshot_cache(disease_id)
    return snapshot


def country_cells(disease_id: int, country_code: str) -> list[tuple[int, int]]:
    """The published cells of one country of a map: (place id, members shown there)."""
    key = _cells_key(snapshot_get(disease_id), country_code)
    cells: list[tuple[int, int]] | None = django_cache.get(key)
    if cells is None:
        row = MapCountry.objects.filter(disease_id=disease_id, country__code=country_code)
        stored = row.values_list("cells", flat=True).first()
        cells = [tuple(cell) for cell in stored or []]
        django_cache.set(key, cells, SNAPSHOT_SECONDS)
    return cells


def _aggregate_bytes(snapshot: dict) -> bytes:
    computed: datetime | None = snapshot["computed_at"]
    return json.dumps(
        {
            "k": snapshot["k"],
            "total": snapshot["total"],
            "demo": snapshot["demo"],
            "updated_at": computed.isoformat() if computed else None,
            "roles": [{"role": role, "count": n} for role, n in snapshot["roles"]],
            "countries": [{"country": code, "count": n} for code, n in snapshot["countries"]],
        },
        separators=(",", ":"),
    ).encode()


def aggregate_json(disease_id: int) -> bytes:
    """The public aggregate of a map as JSON bytes — the same for every visitor, so the
    anonymous page cache keeps it like any other public read."""
    return _aggregate_bytes(snapshot_get(disease_id))


@lru_cache(maxsize=16)
def _role_labels(language: str) -> dict[str, str]:
    with override(language):
        labels = {role: str(Role(role).label) for role in Role.values}
        labels[OTHER] = _("Other roles")
    return labels


@dataclass(frozen=True)
class MapSummary:
    """What anyone may see of a map: counts only, each 0 or at least k."""

    version: int
    computed_at: datetime | None
    k: int
    total: int
    demo: bool
    roles: list[tuple[str, int]]  # (label, count), "other roles" last
    countries: list[tuple[str, str, int]]  # (code, name, count), most members first


def map_summary(disease: Disease) -> MapSummary:
    snapshot = snapshot_get(disease.pk)
    language = get_language() or "en"
    labels = _role_labels(language)
    names = country_names(language)  # once: get_language() per country cost 1 ms a page
    countries = [(code, names.get(code, code), n) for code, n in snapshot["countries"]]
    countries.sort(key=lambda row: (-row[2], row[1]))
    return MapSummary(
        version=snapshot["version"],
        computed_at=snapshot["computed_at"],
        k=snapshot["k"],
        total=snapshot["total"],
        demo=snapshot["demo"],
        roles=[(labels[role], n) for role, n in snapshot["roles"]],
        countries=countries,
    )


def map_cells(disease: Disease, country_code: str) -> list[tuple[Place, int]]:
    """The published cells of one country on a map, with their member counts, largest first
    (members of the community see these as markers)."""
    counts = dict(country_cells(disease.pk, country_code))
    if not counts:
        return []
    places = Place.objects.filter(pk__in=list(counts), country_code=country_code).select_related(
        "parent__parent"
    )
    return sorted(((p, counts[p.pk]) for p in places), key=lambda row: (-row[1], row[0].name))


# What a label (`place_label`) and the chain of containing places (`place_chain`) read.
_PLACE_FIELDS = ("kind", "name", "code", "country_code", "parent")


def map_entry_get(membership: Membership | None) -> MapEntry | None:
    """A member's own entry on a map (their membership's) with the place they chose, for the
    opt-in form."""
    if membership is None:
        return None
    return MapEntry.objects.filter(pk=membership.pk).select_related("place").first()


# Every member's map page reads where the member is shown: written out in SQL, as the ORM
# takes ten times longer to build this query than to run it (docs/architecture.md, "Reads every
# request makes"); tests/atlas/test_views.py compares it with the ORM.
SHOWN_SQL = "SELECT published_place_id FROM atlas_mapentry WHERE membership_id = %s"


def map_shown_place_id(membership: Membership | None) -> tuple[bool, int | None]:
    """Whether a member is on a map and the place others see them at (None: not shown yet)
    — one small query, for the map page."""
    if membership is None:
        return False, None
    with connection.cursor() as cursor:
        cursor.execute(SHOWN_SQL, [membership.pk])
        row = cursor.fetchone()
    return row is not None, row[0] if row else None


def place_with_parents(place_id: int) -> Place:
    """A place with the places containing it, only the fields a label (`place_label`) and the
    chain (`place_chain`) read."""
    levels = ("parent", "parent__parent")
    return (
        Place.objects.select_related(levels[-1])
        .only(*_PLACE_FIELDS, *(f"{level}__{name}" for level in levels for name in _PLACE_FIELDS))
        .get(pk=place_id)
    )


def map_entries_for_user(user: User) -> list[MapEntry]:
    """A member's entries on every map (the privacy page)."""
    return list(
        MapEntry.objects.filter(membership__user=user)
        .select_related(
            "disease", "membership", "place__parent__parent", "published_place__parent__parent"
        )
        .order_by("disease__name")
    )


def people_page(
    disease: Disease, place: Place, *, role: str | None, number: int, viewer: User
) -> Page:
    """Members of a community shown in a place or anywhere inside it (a region's cities, a
    country's regions and cities), by published place only; ordered by display name. Members
    who blocked the viewer are left out."""
    inside = (
        Q(published_place=place)
        | Q(published_place__parent=place)
        | Q(published_place__parent__parent=place)
    )
    entries = (
        MapEntry.objects.filter(inside, disease=disease, membership__user__is_active=True)
        .select_related("membership__user", "published_place__parent__parent")
        .order_by("membership__user__display_name", "membership_id")
    )
    if role:
        entries = entries.filter(membership__role=role)
    hidden = blocker_ids(viewer)  # blocking hides the blocker from the blocked member
    if hidden:
        entries = entries.exclude(membership__user_id__in=hidden)
    return Paginator(entries, PEOPLE_PER_PAGE).get_page(number)
