"""Demo map members: demo members of the demo diseases' communities on their maps, at real
gazetteer places, labelled demo like the rest of the demo community (the map page says so).

Deterministic and idempotent: member i's choice (whether they opt in, which of the larger
cities of their profile country, and the precision) is a function of the seed and their id,
and members already on a map are left as they are. Needs the gazetteer (`import-places`);
without it, it says so and writes nothing.
"""

import random
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from raremap.accounts.models import User
from raremap.atlas.models import MapConsent, MapEntry, Place, Precision
from raremap.atlas.services import CONSENT_VERSION, map_publish, place_country
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from raremap.communities.services import membership_join
from raremap.questions.demo import MIN_MEMBERS

SEED = "raremap-demo-map-1"
# The diseases with demo answers and reports (raremap/questions/demo.py), DFSP first.
DISEASES = ("ORPHA:31112", "ORPHA:586", "ORPHA:558", "ORPHA:285", "ORPHA:399")
OPT_IN = 0.85  # share of demo members of those communities who put themselves on the map
CITIES_PER_COUNTRY = 3  # members cluster in the larger cities, as real members do
# A small demo community would show nobody (every place needs k members): each demo map gets at
# least this many demo members from the countries most demo members live in, joining them to
# the community first when needed.
TARGET = {"ORPHA:31112": 70}
TARGET_DEFAULT = 30
FOCUS_COUNTRIES = 5
JOIN_ROLES = ((Role.PATIENT, 0.6), (Role.RELATIVE, 0.2), (Role.CAREGIVER, 0.1), (Role.ADVISER, 0.1))
PRECISIONS = ((Precision.CITY, 0.55), (Precision.REGION, 0.25), (Precision.COUNTRY, 0.20))


class Writer(Protocol):
    def write(self, msg: str) -> object: ...


def _cities(country_code: str, cache: dict[str, list[Place]]) -> list[Place]:
    if country_code not in cache:
        cache[country_code] = list(
            Place.objects.filter(country_code=country_code, kind=Precision.CITY)
            .select_related("parent__parent")
            .order_by("-population", "pk")[:CITIES_PER_COUNTRY]
        )
    return cache[country_code]


def _stored(city: Place, precision: int) -> Place:
    if precision == Precision.CITY:
        return city
    region = city.parent if city.parent.kind == Precision.REGION else None
    if precision == Precision.REGION and region is not None:
        return region
    return Place.objects.get(code=city.country_code)


def seed_demo_map(*, stdout: Writer | None = None) -> int:
    """Put demo members on the demo diseases' maps; return how many entries it wrote. Like
    the demo answers, only for a demo community of at least MIN_MEMBERS members."""
    if User.objects.filter(is_demo=True).count() < MIN_MEMBERS:
        return 0
    if not Place.objects.filter(kind=Precision.CITY).exists():
        if stdout:
            stdout.write("Demo map: skipped (no gazetteer: run `raremap import-places`).")
        return 0
    cities: dict[str, list[Place]] = {}
    written = 0
    settled = timezone.now() - timedelta(days=settings.MAP_ESTABLISHED_DAYS)
    joined = 0
    for disease in Disease.objects.filter(primary_code__in=DISEASES):
        joined += _join_enough(disease)
        focus = _focus()
        memberships = (
            Membership.objects.filter(
                disease=disease,
                user__is_demo=True,
                map_entry__isnull=True,
                user__country__in=focus,
            )
            .select_related("user")
            .order_by("pk")
        )
        with transaction.atomic():
            for membership in memberships:
                rng = random.Random(f"{SEED}:{disease.primary_code}:{membership.user.public_id}")
                if rng.random() > OPT_IN:
                    continue
                choices = _cities(membership.user.country, cities)
                if not choices:
                    continue
                city = choices[min(int(rng.expovariate(0.9)), len(choices) - 1)]
                precision = rng.choices(
                    [p for p, _w in PRECISIONS], weights=[w for _p, w in PRECISIONS]
                )[0]
                consent = MapConsent.objects.create(
                    user=membership.user, disease=disease, text_version=CONSENT_VERSION
                )
                MapEntry.objects.create(
                    membership=membership,
                    disease=disease,
                    place=_stored(city, precision),
                    country=place_country(city),
                    consent=consent,
                    # Fictional members count toward k at once (not new accounts filling a cell).
                    place_changed_at=settled,
                )
                written += 1
            map_publish(disease_id=disease.pk)
    if stdout and written:
        stdout.write(
            f"Demo map: {written} demo members put on {len(DISEASES)} maps "
            f"({joined} memberships added)."
        )
    elif stdout:
        stdout.write("Demo map is current.")
    return written


def _join_enough(disease: Disease) -> int:
    """Join demo members of the most common demo countries to a demo disease's community until
    it has its target of demo members there (deterministic: in id order)."""
    demo = User.objects.filter(is_demo=True).exclude(country="")
    focus = _focus()
    members = Membership.objects.filter(
        disease=disease, user__is_demo=True, user__country__in=focus
    )
    missing = TARGET.get(disease.primary_code, TARGET_DEFAULT) - members.count()
    if missing <= 0:
        return 0
    joining = demo.filter(country__in=focus).exclude(memberships__disease=disease).order_by("pk")
    joined = 0
    for user in joining[:missing]:
        rng = random.Random(f"{SEED}:join:{disease.primary_code}:{user.public_id}")
        role = rng.choices([r for r, _w in JOIN_ROLES], weights=[w for _r, w in JOIN_ROLES])[0]
        membership_join(user=user, disease=disease, role=role)
        joined += 1
    return joined


def _focus() -> list[str]:
    """The countries most demo members live in."""
    rows = (
        User.objects.filter(is_demo=True)
        .exclude(country="")
        .values("country")
        .annotate(n=Count("id"))
        .order_by("-n", "country")
    )
    return [row["country"] for row in rows[:FOCUS_COUNTRIES]]
