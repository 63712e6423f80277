"""Map reads: the published snapshot of a map, the public aggregate, and people lists.

Everything here is computed from published places only (`MapEntry.published_place`), never
from the place a member chose, so what a response says about a member is a function of their
published place, display name and role.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q
from django.utils.translation import get_language, gettext, override

from raremap.accounts.models import User
from raremap.atlas.generalise import OTHER
from raremap.atlas.models import MapEntry, MapSnapshot, Place
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.core.throttle import Limit

# Gazetteer (interim: the gazetteer branch brings the full versions)


@lru_cache(maxsize=4096)
def _country_name(code: str, language: str) -> str:
    import gettext as gettext_module

    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    try:
        catalog = gettext_module.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
        )
    except OSError:
        return name
    return catalog.gettext(name)


def place_country_name(code: str) -> str:
    return _country_name(code, get_language() or "en")


def place_label(place: Place) -> str:
    names = []
    while place is not None:
        names.append(place_country_name(place.code) if place.parent_id is None else place.name)
        place = place.parent
    return ", ".join(names)


def place_search(query: str, *, limit: int = 10) -> list[Place]:
    key = query.strip().lower()
    if not key:
        return []
    return list(
        Place.objects.filter(search_key__startswith=key)
        .select_related("parent__parent")
        .order_by("-population", "name")[:limit]
    )


# Maps


SNAPSHOT_SECONDS = 24 * 60 * 60
PEOPLE_PER_PAGE = 20
# People lists are what a scraper would page through: generous for a person, not for a bot
# (pages and API share it).
PEOPLE_PAGES = Limit("people-pages", 120, 60 * 60)


def _snapshot_key(disease_id: int) -> str:
    return f"atlas:snapshot:{disease_id}"


def aggregate_key(disease_id: int) -> str:
    """The cache key of a map's public aggregate (JSON bytes), also read by the API."""
    return f"atlas:aggregate:{disease_id}"


def snapshot_forget(disease_id: int) -> None:
    """A map was published: forget its cached snapshot now, and once the change commits put
    the new one (and the public aggregate) in the cache, so readers never wait for SQL."""
    keys = [_snapshot_key(disease_id), aggregate_key(disease_id)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: _snapshot_cache(disease_id))


def _snapshot_cache(disease_id: int) -> dict:
    row = (
        MapSnapshot.objects.filter(disease_id=disease_id)
        .values("version", "computed_at", "data")
        .first()
    )
    if row is None:
        row = {"version": 0, "computed_at": None, "data": {}}
    snapshot = {
        "version": row["version"],
        "computed_at": row["computed_at"],
        "k": row["data"].get("k", settings.MAP_K),
        "total": row["data"].get("total", 0),
        "demo": row["data"].get("demo", False),
        "roles": [tuple(r) for r in row["data"].get("roles", [])],
        "countries": [tuple(c) for c in row["data"].get("countries", [])],
        "cells": [tuple(c) for c in row["data"].get("cells", [])],
    }
    cache.set(_snapshot_key(disease_id), snapshot, SNAPSHOT_SECONDS)
    cache.set(aggregate_key(disease_id), _aggregate_bytes(snapshot), SNAPSHOT_SECONDS)
    return snapshot


def snapshot_get(disease_id: int) -> dict:
    """A map's published snapshot (plain data: counts by role, country and cell)."""
    snapshot = cache.get(_snapshot_key(disease_id))
    if snapshot is None:
        snapshot = _snapshot_cache(disease_id)
    return snapshot


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
    """The public aggregate of a map as JSON bytes — the same for every visitor, so it is
    served from the cache the publisher fills."""
    body = cache.get(aggregate_key(disease_id))
    if body is None:
        body = _aggregate_bytes(snapshot_get(disease_id))
    return body


@lru_cache(maxsize=16)
def _role_labels(language: str) -> dict[str, str]:
    with override(language):
        labels = {role: str(Role(role).label) for role in Role.values}
        labels[OTHER] = gettext("Other roles")
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
    labels = _role_labels(get_language())
    countries = [(code, place_country_name(code), n) for code, n in snapshot["countries"]]
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
    counts = dict(snapshot_get(disease.pk)["cells"])
    if not counts:
        return []
    places = Place.objects.filter(pk__in=list(counts), country_code=country_code).select_related(
        "parent__parent"
    )
    return sorted(((p, counts[p.pk]) for p in places), key=lambda row: (-row[1], row[0].name))


def map_entry_get(user: User, disease: Disease) -> MapEntry | None:
    """A member's own entry on a map (with the chosen and the published place)."""
    if not user.is_authenticated:
        return None
    return (
        MapEntry.objects.filter(membership__user=user, disease=disease)
        .select_related("place__parent__parent", "published_place__parent__parent", "consent")
        .first()
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


def people_page(disease: Disease, place: Place, *, role: str | None, number: int) -> Page:
    """Members of a community shown in a place or anywhere inside it (a region's cities, a
    country's regions and cities), by published place only; ordered by display name."""
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
    return Paginator(entries, PEOPLE_PER_PAGE).get_page(number)
