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
    cells: list[tuple[Place, int]], labels: dict[int, str], href: str, scale: float = 1.0
) -> list[Marker]:
    """One marker per published place of a country, at the place's centre. Places whose
    centres would coincide are moved along a fixed spiral in a fixed order (by place id), so
    the picture is the same for every request. `scale` shrinks markers and steps for a zoomed
    view (the view's width / the world's)."""
    largest = max((n for _place, n in cells), default=1)
    markers: list[Marker] = []
    taken: set[tuple[int, int]] = set()
    for place, n in sorted(cells, key=lambda row: row[0].pk)[:MARKERS_MAX]:
        x, y = project(place.latitude, place.longitude)
        # A spiral out from the centre, one step further each time, so that any number of
        # coinciding places finds a free spot (a fixed-radius walk could circle forever).
        centre_x, centre_y, step = x, y, 0
        while (round(x / scale), round(y / scale)) in taken:
            step += 1
            x = centre_x + 1.5 * scale * math.sqrt(step) * math.cos(step * 2.4)
            y = centre_y + 1.5 * scale * math.sqrt(step) * math.sin(step * 2.4)
        taken.add((round(x / scale), round(y / scale)))
        markers.append(
            Marker(
                round(x, 2),  # two decimals: a zoomed country view spans a few units
                round(y, 2),
                round(radius(n, largest) * scale, 2),
                n,
                labels[place.pk],
                href.format(place=place.pk),
            )
        )
    return sorted(markers, key=lambda m: -m.count)  # small markers drawn last, on top


_TOKEN = re.compile(r"[MmLlHhVvZz]|-?(?:\d+\.?\d*|\.\d+)")


def _subpath_boxes(path: str) -> list[tuple[float, float, float, float]]:
    """The bounding box of each closed part of an SVG path (absolute and relative M, L, H, V,
    Z, as the shape file writes them)."""
    boxes: list[list[float]] = []
    x = y = start_x = start_y = 0.0
    command = "M"
    tokens = _TOKEN.findall(path)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "Zz":
                x, y = start_x, start_y
            continue
        if command in "Mm":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            start_x, start_y = x, y
            boxes.append([x, y, x, y])
            command = "l" if command == "m" else "L"
            i += 2
        elif command in "Ll":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            x, y = (x + dx, y + dy) if command == "l" else (dx, dy)
            i += 2
        elif command in "Hh":
            x = x + float(token) if command == "h" else float(token)
            i += 1
        elif command in "Vv":
            y = y + float(token) if command == "v" else float(token)
            i += 1
        else:  # a command the shape file does not use: skip its number
            i += 1
        if boxes:
            box = boxes[-1]
            box[0], box[1] = min(box[0], x), min(box[1], y)
            box[2], box[3] = max(box[2], x), max(box[3], y)
    return [tuple(box) for box in boxes]  # type: ignore[misc]


@lru_cache(maxsize=512)
def country_viewbox(code: str) -> str:
    """A viewBox around a country's largest part (its mainland), with a margin, for the
    country view; places elsewhere (overseas) are still listed in the table."""
    shape = world_shapes().get(code)
    if shape is None:
        return VIEWBOX
    if shape.dot:  # too small to draw: a circle around its label point
        boxes = [(shape.label_x - 2, shape.label_y - 2, shape.label_x + 2, shape.label_y + 2)]
    else:
        boxes = _subpath_boxes(shape.path)
    left, top, right, bottom = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    size = max(right - left, bottom - top, 8.0)
    margin = size * 0.25
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    half = size / 2 + margin
    return f"{centre_x - half * 1.6:.2f} {centre_y - half:.1f} {half * 3.2:.1f} {half * 2:.1f}"
