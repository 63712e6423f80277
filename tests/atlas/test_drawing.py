"""What the SVG draws: markers for places whose centres coincide."""

from raremap.atlas.drawing import place_markers
from raremap.atlas.models import Place


def test_many_coinciding_places_get_distinct_deterministic_markers():
    cells = [
        (
            Place(
                pk=n,
                kind=2,
                code=f"t{n}",
                name=f"P{n}",
                country_code="FR",
                latitude=45.0 + n * 0.0001,
                longitude=4.0,
            ),
            5,
        )
        for n in range(200)
    ]
    labels = {place.pk: place.name for place, _n in cells}
    markers = place_markers(cells, labels, "?place={place}", scale=0.07)
    assert len(markers) == 200
    assert len({(m.x, m.y) for m in markers}) == 200
    assert markers == place_markers(list(reversed(cells)), labels, "?place={place}", scale=0.07)
