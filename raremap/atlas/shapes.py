"""Country shapes for the server-rendered world map, and the projection that drew them.

`data/world.json` is made by `bin/make-world-shapes` (run by hand) from Natural Earth 1:50m
country shapes (public domain, via the world-atlas npm package): one SVG path per ISO 3166-1
alpha-2 country, projected with the Equal Earth projection (Šavrič, Patterson and Jenny, 2018)
into `VIEWBOX`, plus a label point inside the country's largest polygon. `project` uses the same
constants, so a pin drawn at a place's centre lands where the shapes put it.

The view box is 1000 × 443: longitude −180° at x = 0 and +180° at x = 1000 (on the equator),
cut at 85° N (y = 0) and 60° S (y = 443; Antarctica is dropped); y grows southwards as in SVG.
Draw the paths with `fill-rule: evenodd` (holes such as Lesotho, San Marino and the Vatican).
States too small to draw at this scale (Monaco, Nauru…) are small circles (`dot`).
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# Equal Earth polynomial coefficients (Šavrič et al. 2018), for a sphere of radius 1.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2

WIDTH = 1000.0
NORTH_LATITUDE = 85.0  # top edge of the view box
SOUTH_LATITUDE = -60.0  # bottom edge (no Antarctica)


def _equal_earth(latitude: float, longitude: float) -> tuple[float, float]:
    """Equal Earth on the unit sphere: x in [−2.7066, 2.7066], y north-positive."""
    theta = math.asin(_M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * math.radians(longitude)
        * math.cos(theta)
        / (3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = _equal_earth(0.0, 180.0)[0]
SCALE = WIDTH / (2 * _X_MAX)
_Y_TOP = _equal_earth(NORTH_LATITUDE, 0.0)[1]
HEIGHT = round((_Y_TOP - _equal_earth(SOUTH_LATITUDE, 0.0)[1]) * SCALE)
VIEWBOX = f"0 0 {WIDTH:.0f} {HEIGHT}"


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """(latitude, longitude) in degrees → (x, y) in the map's view box, unrounded."""
    x, y = _equal_earth(latitude, longitude)
    return (x + _X_MAX) * SCALE, (_Y_TOP - y) * SCALE


def unproject(x: float, y: float) -> tuple[float, float]:
    """The inverse of `project` (Newton's method on θ): view box (x, y) → (latitude, longitude)."""
    ex, ey = x / SCALE - _X_MAX, _Y_TOP - y / SCALE
    theta = ey / _A1
    for _ in range(20):
        t2 = theta * theta
        t6 = t2 * t2 * t2
        f = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2)) - ey
        derivative = _A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)
        step = f / derivative
        theta -= step
        if abs(step) < 1e-12:
            break
    t2 = theta * theta
    t6 = t2 * t2 * t2
    derivative = _A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)
    longitude = 3 * ex * derivative / (2 * math.sqrt(3) * math.cos(theta))
    latitude = math.asin(math.sin(theta) / _M)
    return math.degrees(latitude), math.degrees(longitude)


@dataclass(frozen=True)
class CountryShape:
    code: str  # ISO 3166-1 alpha-2
    name: str  # English (Natural Earth's short name); pages show the gazetteer's translated name
    path: str  # SVG path data in VIEWBOX coordinates
    label_x: float
    label_y: float
    latitude: float  # the label point on the globe: inside the country's largest polygon
    longitude: float
    dot: bool = False  # too small to draw at this scale: the path is a small circle


@cache
def _document() -> dict:
    return json.loads((files("raremap.atlas") / "data" / "world.json").read_text("utf-8"))


def shapes_source() -> str:
    """Where the shapes come from, with versions ("world-atlas@2.0.2 countries-50m.json …")."""
    return _document()["source"]


@cache
def world_shapes() -> dict[str, CountryShape]:
    """Every country shape by alpha-2 code, read once per process."""
    data = _document()
    return {
        code: CountryShape(
            code=code,
            name=entry["name"],
            path=entry["path"],
            label_x=entry["label"][0],
            label_y=entry["label"][1],
            latitude=entry["centre"][0],
            longitude=entry["centre"][1],
            dot=entry.get("dot", False),
        )
        for code, entry in data["countries"].items()
    }
