"""A small gazetteer for map tests: real GeoNames codes, so the import (when it ran) and these
rows are the same places. France has two regions with cities; Spain has a made-up city that
hangs from the country, as a city whose region is unknown does."""

from dataclasses import dataclass

import pytest

from raremap.atlas.models import Place, Precision


@dataclass
class Gazetteer:
    france: Place
    ara: Place  # Auvergne-Rhône-Alpes
    idf: Place  # Île-de-France
    lyon: Place
    grenoble: Place
    paris: Place
    spain: Place
    madrid: Place


def _place(
    code: str, kind: int, name: str, country: str, parent: Place | None, lat: float, lon: float
) -> Place:
    place, _created = Place.objects.get_or_create(
        code=code,
        defaults={
            "kind": kind,
            "name": name,
            "country_code": country,
            "parent": parent,
            "latitude": lat,
            "longitude": lon,
            "search_key": name.lower(),
        },
    )
    return place


@pytest.fixture(autouse=True)
def _entries_count_at_once(settings) -> None:  # type: ignore[no-untyped-def]
    """The k rule's tests place members and expect them counted: here every entry counts
    toward k at once. tests/atlas/test_established.py holds the rule that new entries wait
    MAP_ESTABLISHED_DAYS, with its real default."""
    settings.MAP_ESTABLISHED_DAYS = 0


@pytest.fixture
def places(db: None) -> Gazetteer:
    france = _place("FR", Precision.COUNTRY, "France", "FR", None, 46.6, 2.4)
    ara = _place("FR.84", Precision.REGION, "Auvergne-Rhône-Alpes", "FR", france, 45.5, 4.9)
    idf = _place("FR.11", Precision.REGION, "Île-de-France", "FR", france, 48.8, 2.5)
    spain = _place("ES", Precision.COUNTRY, "Spain", "ES", None, 40.2, -3.6)
    return Gazetteer(
        france=france,
        ara=ara,
        idf=idf,
        lyon=_place("g2996944", Precision.CITY, "Lyon", "FR", ara, 45.75, 4.85),
        grenoble=_place("g3014728", Precision.CITY, "Grenoble", "FR", ara, 45.17, 5.72),
        paris=_place("g2988507", Precision.CITY, "Paris", "FR", idf, 48.85, 2.35),
        spain=spain,
        # Not a GeoNames city: one whose region the gazetteer does not know.
        madrid=_place("test-loose", Precision.CITY, "Villa Suelta", "ES", spain, 40.42, -3.70),
    )


@pytest.fixture
def map_member(db: None):  # type: ignore[no-untyped-def]
    """Make a member who has taken part, in a community, on its map at a place."""
    from raremap.atlas.services import map_join
    from raremap.communities.models import Role
    from tests.factories import MembershipFactory, UserFactory

    def make(
        disease,
        place: Place,
        *,
        precision: int | None = None,
        role: str = Role.PATIENT,
        **user_fields,
    ):  # type: ignore[no-untyped-def]
        user = UserFactory(reputation=10, **user_fields)
        MembershipFactory(user=user, disease=disease, role=role)
        return map_join(
            user=user,
            disease=disease,
            place=place,
            precision=place.kind if precision is None else precision,
            consent=True,
        )

    return make


@pytest.fixture
def trusted(member, dfsp):  # type: ignore[no-untyped-def]
    """The logged-in member (member_client) in the DFSP community, past the new-account
    sandbox, not on the map."""
    from tests.factories import MembershipFactory

    member.reputation = 10
    member.save(update_fields=["reputation"])
    MembershipFactory(user=member, disease=dfsp)
    return member
