"""What the server-rendered SVG map draws: country shapes shaded by published member counts
and, for members of the community, markers for published places. Plain data for the template
`atlas/_map_svg.html`; positions come only from gazetteer places and country shapes."""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from raremap.atlas.models import Place
from raremap.atlas.shapes import VIEWBOX, project, world_shapes

# Shades of the choropleth: the lower bound of each bucket, in multiples of k (0 = none shown).
BUCKETS = (1, 2, 5, 20, 100)
MARKERS_MAX = 300


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    path: str
    count: int
    shade: int  # 0 (none shown) … len(BUCKETS)


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    r: float
    count: int
    label: str
    href: str


def shade(count: int, k: int) -> int:
    return sum(1 for bucket in BUCKETS if count >= bucket * k)


def countries(counts: dict[str, int], names: dict[str, str], k: int) -> list[Country]:
    return [
        Country(
            code,
            names.get(code, shape.name),
            shape.path,
            counts.get(code, 0),
            shade(counts.get(code, 0), k),
        )
        for code, shape in world_shapes().items()
    ]


def radius(count: int, largest: int) -> float:
    """Marker size grows with the square root of the count (area ∝ members), 3 to 14 units."""
    return round(3 + 11 * math.sqrt(count / max(largest, 1)), 1)


def country_markers(counts: dict[str, int], labels: dict[str, str], href: str) -> list[Marker]:
    """One marker per country at its label point (the world view for members)."""
    shapes = world_shapes()
    largest = max(counts.values(), default=1)
    return [
        Marker(
            shapes[code].label_x,
            shapes[code].label_y,
            radius(n, largest),
            n,
            labels.get(code, code),
            href.format(code=code),
        )
        for code, n in sorted(counts.items(), key=lambda row: (-row[1], row[0]))
        if code in shapes
    ][:MARKERS_MAX]


def place_markers(
    cells: list[tuple[Place, int]], labels: dict[int, str], href: str
) -> list[Marker]:
    """One marker per published place of a country, at the place's centre. Places whose
    centres would coincide are nudged apart by a fixed step in a fixed order (by place id), so
    the picture is the same for every request."""
    largest = max((n for _place, n in cells), default=1)
    markers: list[Marker] = []
    taken: set[tuple[int, int]] = set()
    for place, n in sorted(cells, key=lambda row: row[0].pk)[:MARKERS_MAX]:
        x, y = project(place.latitude, place.longitude)
        step = 0
        while (round(x), round(y)) in taken:
            step += 1
            x += 1.5 * math.cos(step)
            y += 1.5 * math.sin(step)
        taken.add((round(x), round(y)))
        markers.append(
            Marker(
                round(x, 1),
                round(y, 1),
                radius(n, largest),
                n,
                labels[place.pk],
                href.format(place=place.pk),
            )
        )
    return sorted(markers, key=lambda m: -m.count)  # small markers drawn last, on top


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@lru_cache(maxsize=512)
def country_viewbox(code: str) -> str:
    """A viewBox around one country's shape (with a margin), for the country view."""
    shape = world_shapes().get(code)
    if shape is None:
        return VIEWBOX
    numbers = [float(n) for n in _NUMBER.findall(shape.path)]
    xs, ys = numbers[0::2], numbers[1::2]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    margin = max(right - left, bottom - top) * 0.08 + 2
    width = right - left + 2 * margin
    height = bottom - top + 2 * margin
    return f"{left - margin:.1f} {top - margin:.1f} {width:.1f} {height:.1f}"
