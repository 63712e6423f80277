"""Data and timed calls for bench/atlas.py, in the site that DJANGO_SETTINGS_MODULE and
RAREMAP_DATA_DIR point at (run by the benchmark as a child process, not by hand). Each mode
prints one line of JSON last.

    atlas_data.py fill N     N opted-in members on the DFSP map (and the member with a session)
    atlas_data.py publish    time map_publish() of the whole DFSP map
    atlas_data.py withdraw   time map_withdraw() of one member, then map_join() back

The fill writes users (is_demo, like the demo seeder), DFSP memberships with the demo's role
mix, map consents and map entries, one executemany (COPY on PostgreSQL) per table and chunk of
CHUNK members (`raremap.communities.demo._insert`). Each member's place is a gazetteer city
drawn by population, stored at the precision the member chose: 55 % city, 25 % region (only
where the city has a region, else the country), 20 % country. Member i is a function of i, and
a second run adds only the members above those already there.
"""

import itertools
import json
import random
import resource
import sys
import time

import django

django.setup()  # before the models are imported: this file runs as a script
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from raremap.accounts.models import User
from raremap.accounts.sessions import session_for
from raremap.atlas.models import MapConsent, MapEntry, Place, Precision
from raremap.atlas.services import CONSENT_VERSION, map_join, map_publish, map_withdraw
from raremap.catalog.models import Disease
from raremap.communities.demo import ROLE_WEIGHTS, _display_name, _insert, _large_page_cache
from raremap.communities.models import Membership, Role
from raremap.communities.services import role_counts_recompute

DFSP_CODE = "ORPHA:31112"
DOMAIN = "bench.invalid"
MEMBER_EMAIL = f"map-member@{DOMAIN}"  # the member whose session wrk sends
CHUNK = 10_000
SEED = "raremap-bench-map-1"
# Bench member i is named like demo member NAME_OFFSET + i: no clash with the demo's names
# (a bijection over the name space) as long as the demo has fewer members than this.
NAME_OFFSET = 5_000_000
PRECISIONS = (Precision.CITY, Precision.REGION, Precision.COUNTRY)
PRECISION_WEIGHTS = (55, 25, 20)
ROLES = tuple(str(role) for role in ROLE_WEIGHTS)


def email(index: int) -> str:
    return f"map-{index:07d}@{DOMAIN}"


def maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Gazetteer:
    """The cities to draw from (by population) and, per city, its place at each precision."""

    def __init__(self) -> None:
        country = dict(Place.objects.filter(kind=Precision.COUNTRY).values_list("code", "pk"))
        rows = list(
            Place.objects.filter(kind=Precision.CITY, population__gt=0)
            .order_by("pk")
            .values_list("pk", "population", "parent_id", "parent__kind", "country_code")
        )
        rows = [row for row in rows if row[4] in country]
        if not rows:
            raise SystemExit("No cities in the gazetteer: run `raremap import-places` first.")
        self.cities = [pk for pk, *_rest in rows]
        self.cumulative = list(itertools.accumulate(population for _pk, population, *_r in rows))
        self.places = {
            pk: {
                Precision.CITY: pk,
                Precision.REGION: parent if parent_kind == Precision.REGION else country[code],
                Precision.COUNTRY: country[code],
            }
            for pk, _population, parent, parent_kind, code in rows
        }
        self.codes = {pk: code for pk, *_r, code in rows}
        self.largest = max(rows, key=lambda row: row[1])[0]


def _ids(model: type, field: str, keys: list, **filters: object) -> dict:
    return dict(model.objects.filter(**{f"{field}__in": keys}, **filters).values_list(field, "pk"))


def _add_chunk(indexes: range, gazetteer: Gazetteer, disease_id: int, password: str) -> int:
    rng = random.Random(f"{SEED}:{indexes[0]}")
    cities = rng.choices(gazetteer.cities, cum_weights=gazetteer.cumulative, k=len(indexes))
    precisions = rng.choices(PRECISIONS, PRECISION_WEIGHTS, k=len(indexes))
    roles = rng.choices(ROLES, list(ROLE_WEIGHTS.values()), k=len(indexes))
    emails = [email(i) for i in indexes]
    now = timezone.now()
    _insert(
        User,
        ("email", "display_name", "public_id", "country"),
        [
            (address, _display_name(NAME_OFFSET + i, camel=i % 5 != 0), f"bm{i:09d}", code)
            for i, address, code in zip(
                indexes, emails, (gazetteer.codes[c] for c in cities), strict=True
            )
        ],
        password=password,
        is_demo=True,
        is_active=True,
        date_joined=now,
    )
    users = _ids(User, "email", emails)
    user_ids = [users[address] for address in emails]
    _insert(
        Membership,
        ("user", "disease", "role"),
        [(user, disease_id, role) for user, role in zip(user_ids, roles, strict=True)],
        joined_at=now,
    )
    memberships = _ids(Membership, "user_id", user_ids, disease_id=disease_id)
    _insert(
        MapConsent,
        ("user", "disease", "text_version"),
        [(user, disease_id, CONSENT_VERSION) for user in user_ids],
        given_at=now,
    )
    consents = _ids(MapConsent, "user_id", user_ids, disease_id=disease_id)
    places = [gazetteer.places[c][p] for c, p in zip(cities, precisions, strict=True)]
    _insert(
        MapEntry,
        ("membership", "disease", "place", "consent"),
        [
            (memberships[user], disease_id, place, consents[user])
            for user, place in zip(user_ids, places, strict=True)
        ],
        place_changed_at=now,
    )
    return len(indexes)


def _member(disease: Disease, gazetteer: Gazetteer) -> tuple[User, str]:
    """The member wrk logs in as: on the map at the most populous city (shown there), with a
    new session."""
    user = User.objects.filter(email=MEMBER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=MEMBER_EMAIL, display_name="BenchMapMember", is_demo=True
        )
        membership = Membership.objects.create(user=user, disease=disease, role=Role.PATIENT)
        consent = MapConsent.objects.create(
            user=user, disease=disease, text_version=CONSENT_VERSION
        )
        MapEntry.objects.create(
            membership=membership,
            disease=disease,
            place_id=gazetteer.largest,
            consent=consent,
            place_changed_at=timezone.now(),
        )
    session_key = session_for(user)
    return user, session_key


def fill(members: int) -> dict:
    started = time.perf_counter()
    disease = Disease.objects.get(primary_code=DFSP_CODE)
    gazetteer = Gazetteer()
    bench = User.objects.filter(email__endswith=f"@{DOMAIN}").exclude(email=MEMBER_EMAIL)
    present = bench.count()
    if present > members:
        raise SystemExit(f"The site has {present} bench members, more than {members}: rebuild it.")
    written = 0
    if present < members:
        password = make_password(None)  # unusable, made once
        with _large_page_cache():
            for low in range(present + 1, members + 1, CHUNK):
                with transaction.atomic():
                    written += _add_chunk(
                        range(low, min(low + CHUNK, members + 1)), gazetteer, disease.pk, password
                    )
    user, session = _member(disease, gazetteer)
    role_counts_recompute(disease_ids={disease.pk})
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "written": written,
        "bench_members": bench.count(),
        "map_entries": MapEntry.objects.filter(disease=disease).count(),
        "cities": len(gazetteer.cities),
        "seconds": round(time.perf_counter() - started, 1),
        "session": session,
        "member_country": MapEntry.objects.get(membership__user=user).place.country_code,
        "maxrss_mb": maxrss_mb(),
    }


def publish() -> dict:
    disease = Disease.objects.get(primary_code=DFSP_CODE)
    before = MapEntry.objects.filter(disease=disease, published_place=None).count()
    baseline = maxrss_mb()
    started = time.perf_counter()
    snapshot = map_publish(disease_id=disease.pk)
    seconds = time.perf_counter() - started
    data = snapshot.data
    countries = sorted(data["countries"], key=lambda row: -row[1])
    return {
        "seconds": round(seconds, 2),
        "unpublished_before": before,
        "entries": MapEntry.objects.filter(disease=disease).count(),
        "shown": data["total"],
        "version": snapshot.version,
        "countries": len(data["countries"]),
        "cells": len(data["cells"]),
        "top_countries": countries[:5],
        "snapshot_bytes": len(json.dumps(data)),
        "baseline_maxrss_mb": baseline,
    }


def withdraw() -> dict:
    """Withdraw one member (the first bench member) and put them back, timing both."""
    disease = Disease.objects.get(primary_code=DFSP_CODE)
    user = User.objects.get(email=email(1))
    entry = MapEntry.objects.select_related("place").get(membership__user=user, disease=disease)
    place = entry.place
    started = time.perf_counter()
    map_withdraw(user=user, disease=disease)
    withdrawn = time.perf_counter() - started
    started = time.perf_counter()
    map_join(user=user, disease=disease, place=place, precision=place.kind, consent=True)
    joined = time.perf_counter() - started
    return {
        "withdraw_seconds": round(withdrawn, 2),
        "join_seconds": round(joined, 2),
        "entries": MapEntry.objects.filter(disease=disease).count(),
    }


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "fill":
        answer = fill(int(sys.argv[2]))
    elif mode == "publish":
        answer = publish()
    else:
        answer = withdraw()
    print(json.dumps(answer))
