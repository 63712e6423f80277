"""Publishing a disease map: where each member is shown, and the map's aggregates (the k rule
of atlas/generalise.py applied to the entries; docs/map.md). Called by the map services in the
transaction of a change, and by the task that publishes a country again once its new entries
count toward k (atlas/tasks.py)."""

from collections import Counter
from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone

from raremap.atlas import generalise
from raremap.atlas.models import MapCountry, MapEntry, MapSnapshot, Place, Precision
from raremap.atlas.selectors import snapshot_forget


def _places_of(place_ids: set[int]) -> dict[int, generalise.Places]:
    """Each chosen place's (country, region, city) chain."""
    chains: dict[int, generalise.Places] = {}
    rows = Place.objects.filter(pk__in=place_ids).values_list(
        "pk", "kind", "parent_id", "parent__kind", "parent__parent_id"
    )
    for pk, kind, parent_id, parent_kind, grandparent_id in rows:
        if kind == Precision.COUNTRY:
            chains[pk] = (pk, None, None)
        elif kind == Precision.REGION:
            chains[pk] = (parent_id, pk, None)
        elif parent_kind == Precision.REGION:
            chains[pk] = (grandparent_id, parent_id, pk)  # type: ignore[assignment]  # has a country
        else:  # a city whose region is not known
            chains[pk] = (parent_id, None, pk)
    return chains


def _publish_country(disease_id: int, country_id: int, groups: list, chains: dict) -> None:
    """Publish one country of a map from its grouped members: write the published place of
    the entries whose place changes (by chosen place, one UPDATE per new published place)
    and the country's `MapCountry` row."""
    k = settings.MAP_K
    # Only established entries count toward k; the others are shown where those counts allow
    # (their places are in `counts` with nothing added, so the rule decides for them too).
    counts: Counter[generalise.Places] = Counter()
    for place_id, _published, _role, _demo, active, established, n in groups:
        if active:
            counts[chains[place_id]] += n if established else 0
    shown = generalise.publish_places(counts, k)
    moves: dict[int | None, set[int]] = {}
    roles: Counter[str] = Counter()
    cells: Counter[int] = Counter()
    demo = has_inactive = False
    for place_id, published, role, is_demo, active, _established, n in groups:
        if not active:
            has_inactive = True
            continue
        target = shown[chains[place_id]]
        if published != target:
            moves.setdefault(target, set()).add(place_id)
        if target is not None:
            roles[role] += n
            cells[target] += n
            demo = demo or is_demo
    entries = MapEntry.objects.filter(disease_id=disease_id, country_id=country_id)
    for target, place_ids in moves.items():
        chosen = sorted(place_ids)
        for start in range(0, len(chosen), 500):
            entries.filter(place_id__in=chosen[start : start + 500]).exclude(
                published_place_id=target
            ).update(published_place_id=target)
    if has_inactive:  # entries of inactive accounts are never shown (the updates above too)
        entries.filter(membership__user__is_active=False).exclude(published_place=None).update(
            published_place=None
        )
    if not cells:
        MapCountry.objects.filter(disease_id=disease_id, country_id=country_id).delete()
        return
    MapCountry.objects.update_or_create(
        disease_id=disease_id,
        country_id=country_id,
        defaults={
            "count": cells.total(),
            "roles": dict(sorted(roles.items())),
            "demo": demo,
            "cells": [list(cell) for cell in sorted(cells.items())],
        },
    )


@transaction.atomic
def map_publish(*, disease_id: int, countries: Collection[int] | None = None) -> MapSnapshot:
    """Publish a disease's map: where each member is shown, and the map's aggregates.

    The k rule never adds up members of different countries, so a change republishes only
    the `countries` it touches (place ids; both countries when a member moves between them),
    and the map's totals, role counts and country list are assembled from every country's
    `MapCountry` row. Without `countries` — or when k changed since the last publish — every
    country of the map is published (commands, the demo).

    Publishes of one map take turns (the snapshot row is locked), so each works from the
    state the previous one committed.
    """
    snapshot, _created = MapSnapshot.objects.select_for_update().get_or_create(
        disease_id=disease_id, defaults={"computed_at": timezone.now(), "data": {}}
    )
    if snapshot.data.get("k") != settings.MAP_K:
        countries = None
    entries = MapEntry.objects.filter(disease_id=disease_id)
    if countries is not None:
        entries = entries.filter(country_id__in=countries)
    settled = timezone.now() - timedelta(days=settings.MAP_ESTABLISHED_DAYS)
    rows = (
        entries.annotate(
            established=ExpressionWrapper(
                Q(place_changed_at__lte=settled), output_field=BooleanField()
            )
        )
        .values_list(
            "country_id",
            "place_id",
            "published_place_id",
            "membership__role",
            "membership__user__is_demo",
            "membership__user__is_active",
            "established",
        )
        .annotate(n=Count("*"))
        .order_by()
    )
    by_country: dict[int, list] = {}
    for country_id, *group in rows:
        by_country.setdefault(country_id, []).append(group)
    chains = _places_of({group[0] for groups in by_country.values() for group in groups})
    for country_id, groups in by_country.items():
        _publish_country(disease_id, country_id, groups, chains)
    # Countries left without entries show no one any more.
    emptied = MapCountry.objects.filter(disease_id=disease_id).exclude(
        country_id__in=list(by_country)
    )
    if countries is not None:
        emptied = emptied.filter(country_id__in=countries)
    emptied.delete()

    snapshot.version += 1
    snapshot.computed_at = timezone.now()
    snapshot.data = _assemble(disease_id)
    snapshot.save()
    snapshot_forget(disease_id)
    return snapshot


def _assemble(disease_id: int) -> dict:
    """A map's published aggregates from its countries' rows (without their cells). Role
    counts are suppressed on the map-wide sums, so no role count can be derived by
    subtraction from the total."""
    total, demo, countries = 0, False, []
    roles: Counter[str] = Counter()
    rows = MapCountry.objects.filter(disease_id=disease_id).values_list(
        "country__code", "count", "roles", "demo"
    )
    for code, count, country_roles, country_demo in rows:
        total += count
        demo = demo or country_demo
        roles.update(country_roles)
        countries.append((code, count))
    return {
        "k": settings.MAP_K,
        "total": total,
        # Whether demo members (not real people) are among those shown; never how many.
        "demo": demo,
        "roles": generalise.suppress_small(roles, settings.MAP_K),
        "countries": sorted(countries),
    }
