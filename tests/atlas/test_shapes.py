"""The shipped world shapes and their projection."""

import re
from importlib.resources import files

import pycountry
import pytest

from raremap.atlas.shapes import VIEWBOX, project, unproject, world_shapes

_TOKEN = re.compile(r"[MlaAzZ]|-?(?:\d+(?:\.\d*)?|\.\d+)")


def rings(path: str) -> list[list[tuple[float, float]]]:
    """The polygons of a shape's path (M x y, then relative l steps, z)."""
    result: list[list[tuple[float, float]]] = []
    command = ""
    numbers: list[float] = []
    for token in [*_TOKEN.findall(path), "M"]:
        if token in "MlaAzZ":
            if command == "M":
                result.append([(numbers[0], numbers[1])])
            elif command == "l":
                x, y = result[-1][-1]
                for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
                    x, y = x + dx, y + dy
                    result[-1].append((x, y))
            command, numbers = token, []
        else:
            numbers.append(float(token))
    return result


def inside(point: tuple[float, float], path: str) -> bool:
    """Even-odd rule, as the map draws the shapes."""
    x, y = point
    crossings = 0
    for ring in rings(path):
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
                crossings += 1
    return crossings % 2 == 1


def test_the_view_box_and_the_projection() -> None:
    assert VIEWBOX == "0 0 1000 443"
    assert project(0, -180)[0] == pytest.approx(0)
    assert project(0, 180)[0] == pytest.approx(1000)
    assert project(85, 0)[1] == pytest.approx(0)
    assert project(-60, 0)[1] == pytest.approx(443, abs=0.5)
    assert project(0, 0) == pytest.approx((500, 241.99), abs=0.01)
    for latitude, longitude in [(48.85, 2.35), (-33.87, 151.21), (64.73, 177.51), (-54.8, -68.3)]:
        assert unproject(*project(latitude, longitude)) == pytest.approx((latitude, longitude))


def test_the_shape_file_is_small_and_keyed_by_iso_codes() -> None:
    size = len((files("raremap.atlas") / "data" / "world.json").read_bytes())
    shapes = world_shapes()

    assert size < 250_000
    assert len(shapes) == 235
    assert "AQ" not in shapes
    assert all(pycountry.countries.get(alpha_2=code) or code == "XK" for code in shapes)
    assert all(re.fullmatch(r"(M[^M]+z)+", shape.path) for shape in shapes.values())
    assert shapes["FR"].name == "France"
    assert shapes["BO"].name == "Bolivia"


@pytest.mark.parametrize(
    ("code", "latitude", "longitude"),
    [
        ("FR", 48.8566, 2.3522),  # Paris
        ("ES", 40.4165, -3.7026),  # Madrid
        ("US", 39.7392, -104.9847),  # Denver
        ("AU", -33.8679, 151.2073),  # Sydney
        ("AR", -34.6132, -58.3772),  # Buenos Aires
        ("JP", 35.6895, 139.6917),  # Tokyo
        ("RU", 65, 170),  # Chukotka, west of the antimeridian cut…
        ("RU", 66, -172),  # …and east of it
        ("CY", 35.3364, 33.3182),  # Kyrenia: "N. Cyprus" belongs to CY
    ],
)
def test_known_places_land_inside_their_country(
    code: str, latitude: float, longitude: float
) -> None:
    shapes = world_shapes()
    point = project(latitude, longitude)

    assert inside(point, shapes[code].path)
    assert [other for other, s in shapes.items() if other != code and inside(point, s.path)] == []


def test_every_label_point_is_inside_its_country() -> None:
    for code, shape in world_shapes().items():
        if shape.dot:  # a circle around the point
            assert shape.path.startswith("M")
            continue
        assert inside((shape.label_x, shape.label_y), shape.path), code
        assert project(shape.latitude, shape.longitude) == pytest.approx(
            (shape.label_x, shape.label_y), abs=0.06
        )


def test_holes_are_left_out() -> None:
    # Lesotho is a hole in South Africa; Rome holds the Vatican.
    maseru = project(-29.3151, 27.4869)

    assert not inside(maseru, world_shapes()["ZA"].path)
    assert inside(maseru, world_shapes()["LS"].path)
    assert world_shapes()["VA"].dot
