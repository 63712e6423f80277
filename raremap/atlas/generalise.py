"""The k rule, as pure functions over plain data (docs/map.md "Publishing: the k rule").

Nothing here touches the database, so the privacy properties can be checked over generated
maps (tests/atlas/test_generalise.py) and the publisher stays one readable loop.
"""

from collections import Counter
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

    @property
    def places(self) -> "Places":
        return (self.country, self.region, self.city)


def publish(entries: Iterable[Chosen], k: int) -> dict[int, int | None]:
    """Where each member is shown: the chosen place if at least k members of this map share
    it, else the next coarser place that reaches k (city → region → country); None when even
    the country has fewer than k (not shown at all).

    Every published place ends up with at least k members, and a member's result depends only
    on the counts of the places they chose — never on who they are (it is `publish_places`
    over those counts).
    """
    entries = list(entries)
    shown = publish_places(Counter(e.places for e in entries), k)
    return {e.entry_id: shown[e.places] for e in entries}


Places = tuple[int, int | None, int | None]  # (country, region, city) as in Chosen.places


def publish_places(counts: Mapping[Places, int], k: int) -> dict[Places, int | None]:
    """`publish` for members grouped by the places they chose: (country, region, city) → how
    many members chose exactly those → where they are shown. Only places of the same country
    are ever added up, so each country can be published on its own (atlas.services)."""
    by_city: Counter[int] = Counter()
    for (_country, _region, city), n in counts.items():
        if city is not None:
            by_city[city] += n
    # Members whose city is below k (or who chose no city) rise to their region, or to the
    # country when they chose none (or their city's region is unknown).
    by_region: Counter[int] = Counter()
    by_country: Counter[int] = Counter()
    for (country, region, city), n in counts.items():
        if city is not None and by_city[city] >= k:
            continue
        if region is not None:
            by_region[region] += n
        else:
            by_country[country] += n
    for (country, region, city), n in counts.items():
        if (city is None or by_city[city] < k) and region is not None and by_region[region] < k:
            by_country[country] += n

    result: dict[Places, int | None] = {}
    for places in counts:
        country, region, city = places
        if city is not None and by_city[city] >= k:
            result[places] = city
        elif region is not None and by_region[region] >= k:
            result[places] = region
        else:
            result[places] = country if by_country[country] >= k else None
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
