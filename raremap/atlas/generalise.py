"""The k rule, as pure functions over plain data (docs/map.md "Publishing: the k rule").

Nothing here touches the database, so the privacy properties can be checked over generated
maps (tests/atlas/test_generalise.py) and the publisher stays one readable loop.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Chosen:
    """One opted-in member: the places of their choice from the country down to the chosen
    precision (`region` and `city` are None when coarser; `region` also when unknown)."""

    entry_id: int
    country: int
    region: int | None = None
    city: int | None = None


def publish(entries: Iterable[Chosen], k: int) -> dict[int, int | None]:
    """Where each member is shown: the chosen place if at least k members of this map share
    it, else the next coarser place that reaches k (city → region → country); None when even
    the country has fewer than k (not shown at all).

    Every published place ends up with at least k members, and a member's result depends only
    on the counts of the places they chose — never on who they are.
    """
    result: dict[int, int | None] = {}
    rising: list[Chosen] = []

    by_city: dict[int, list[Chosen]] = defaultdict(list)
    for entry in entries:
        if entry.city is not None:
            by_city[entry.city].append(entry)
        else:
            rising.append(entry)
    for city, members in by_city.items():
        if len(members) >= k:
            result.update((m.entry_id, city) for m in members)
        else:
            rising.extend(members)

    by_region: dict[int, list[Chosen]] = defaultdict(list)
    by_country: dict[int, list[Chosen]] = defaultdict(list)
    for entry in rising:
        if entry.region is not None:
            by_region[entry.region].append(entry)
        else:
            by_country[entry.country].append(entry)
    for region, members in by_region.items():
        if len(members) >= k:
            result.update((m.entry_id, region) for m in members)
        else:
            for m in members:
                by_country[m.country].append(m)

    for country, members in by_country.items():
        shown = country if len(members) >= k else None
        result.update((m.entry_id, shown) for m in members)
    return result


OTHER = "other"


def suppress_small(counts: Mapping[str, int], k: int) -> list[tuple[str, int]]:
    """Counts by group (roles) safe to show: groups below k join OTHER, and if OTHER would
    still hold fewer than k the smallest shown groups join it too, so that no hidden count can
    be worked out by subtracting the shown ones from the total. Largest first, OTHER last; the
    shown counts add up to the total."""
    shown = {group: n for group, n in counts.items() if n >= k}
    other = sum(n for group, n in counts.items() if 0 < n < k)
    while 0 < other < k and shown:
        smallest = min(shown, key=lambda group: (shown[group], group))
        other += shown.pop(smallest)
    if 0 < other < k:  # nothing left to join: the whole map is below k
        other = 0
    rows = sorted(shown.items(), key=lambda row: (-row[1], row[0]))
    if other:
        rows.append((OTHER, other))
    return rows


def cell_counts(published: Mapping[int, int | None]) -> Counter[int]:
    """Members per published place (the places with none are left out)."""
    return Counter(place for place in published.values() if place is not None)
