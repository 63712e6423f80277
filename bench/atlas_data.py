"""Data and timed calls for bench/atlas.py, in the site that DJANGO_SETTINGS_MODULE and
RAREMAP_DATA_DIR point at (run by the benchmark as a child process, not by hand). Each mode
prints one line of JSON last.

    atlas_data.py fill N     N opted-in members on the DFSP map (and the member with a session)
    atlas_data.py publish    time map_publish() of the whole DFSP map (every country)
    atlas_data.py withdraw   time map_withdraw() of one member, then map_join() back: a member
                             of the country with most entries (the most a change can cost),
                             then one of a small country; while they run, another process
                             writes answers on another disease (`write-loop`)
    atlas_data.py write-loop STOP_FILE   answers on another disease until STOP_FILE exists

The fill writes users (is_demo, like the demo seeder), DFSP memberships with the demo's role
mix, map consents and map entries, one executemany (COPY on PostgreSQL) per table and chunk of
CHUNK members (`raremap.communities.demo._insert`). Each member's place is a gazetteer city
drawn by population, stored at the precision the member chose: 55 % city, 25 % region (only
where the city has a region, else the country), 20 % country. Member i is a function of i, and
a second run adds only the members above those already there.
"""

import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

django.setup()  # before the models are imported: this file runs as a script
from django.contrib.auth.hashers import make_password
from django.db import OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from raremap.accounts.models import User
from raremap.accounts.sessions import session_for
from raremap.atlas.models import MapConsent, MapCountry, MapEntry, Place, Precision
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
    countries = [gazetteer.places[c][Precision.COUNTRY] for c in cities]
    _insert(
        MapEntry,
        ("membership", "disease", "place", "country", "consent"),
        [
            (memberships[user], disease_id, place, country, consents[user])
            for user, place, country in zip(user_ids, places, countries, strict=True)
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
            country_id=gazetteer.places[gazetteer.largest][Precision.COUNTRY],
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
        "cells": sum(
            len(cells)
            for cells in MapCountry.objects.filter(disease=disease).values_list("cells", flat=True)
        ),
        "top_countries": countries[:5],
        "snapshot_bytes": len(json.dumps(data)),
        "baseline_maxrss_mb": baseline,
    }


def _withdraw_and_join(disease: Disease, country_id: int) -> dict:
    """Withdraw the first bench member stored in the country and put them back, timing both."""
    entry = (
        MapEntry.objects.filter(
            disease=disease, country_id=country_id, membership__user__email__startswith="map-"
        )
        .exclude(membership__user__email=MEMBER_EMAIL)
        .select_related("place__parent__parent", "membership__user")
        .order_by("pk")
        .first()
    )
    user, place = entry.membership.user, entry.place
    started = time.perf_counter()
    window = [time.time()]
    map_withdraw(user=user, disease=disease)
    withdrawn = time.perf_counter() - started
    started = time.perf_counter()
    map_join(user=user, disease=disease, place=place, precision=place.kind, consent=True)
    joined = time.perf_counter() - started
    window.append(time.time())
    return {
        "country": place.country_code,
        "country_entries": MapEntry.objects.filter(disease=disease, country_id=country_id).count(),
        "withdraw_seconds": round(withdrawn, 3),
        "join_seconds": round(joined, 3),
        "window": window,
    }


def withdraw() -> dict:
    """Withdraw a member and put them back, in the largest country and in a small one, while
    another process writes answers on another disease (did any of its writes fail?)."""
    disease = Disease.objects.get(primary_code=DFSP_CODE)
    by_size = list(
        MapEntry.objects.filter(disease=disease)
        .values_list("country_id")
        .annotate(n=Count("*"))
        .order_by("-n", "country_id")
    )
    largest, small = by_size[0][0], by_size[len(by_size) // 2][0]
    stop = Path(tempfile.mkdtemp()) / "stop"
    # Tasks queued in the database, as on a site with a worker: each write is its transaction.
    writer = subprocess.Popen(
        [sys.executable, __file__, "write-loop", str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "RAREMAP_TASKS": "database"},
    )
    try:
        assert writer.stdout is not None
        if writer.stdout.readline().strip() != "ready":
            raise SystemExit("the writer did not start")
        time.sleep(0.5)  # a few writes before, as on a live site
        changes = [_withdraw_and_join(disease, country) for country in (largest, small)]
        time.sleep(0.5)
    finally:
        stop.touch()
        out, _err = writer.communicate(timeout=60)
    writes = json.loads(out.strip().splitlines()[-1])
    during = [
        w
        for w in writes.pop("writes")
        if any(c["window"][0] <= w[1] and w[0] <= c["window"][1] for c in changes)
    ]
    for change in changes:
        change.pop("window")
    return {
        "largest": changes[0],
        "small": changes[1],
        # For the report's old columns: the worst case.
        "withdraw_seconds": changes[0]["withdraw_seconds"],
        "join_seconds": changes[0]["join_seconds"],
        "entries": MapEntry.objects.filter(disease=disease).count(),
        "other_writes": {
            **writes,
            "during_changes": len(during),
            "max_ms_during_changes": max(
                (round(1000 * (e - s), 1) for s, e, _ok in during), default=0
            ),
        },
    }


def write_loop(stop: Path) -> dict:
    """Write answers on another disease's question until `stop` exists: what any member does
    while a map changes. Counts the writes that failed (SQLite: "database is locked" after the
    busy timeout) and removes the answers it wrote."""
    from django_tasks_db.models import DBTaskResult

    from raremap.questions.models import Answer
    from raremap.questions.services import answer_create, question_ensure
    from raremap.questions.standard import STANDARD_QUESTIONS

    other = Disease.objects.exclude(primary_code=DFSP_CODE).order_by("pk").first()
    question = question_ensure(disease=other, slug=STANDARD_QUESTIONS[0].slug)
    author = User.objects.get(email=MEMBER_EMAIL)
    writes, failures, written = [], [], []

    def write(n: int) -> None:
        started = time.time()
        try:
            answer = answer_create(user=author, question=question, body=f"Bench answer {n}.")
        except OperationalError as error:
            failures.append(str(error))
            writes.append((started, time.time(), False))
        else:
            written.append(answer.pk)
            writes.append((started, time.time(), True))

    since = timezone.now()
    write(0)  # warm: the first answer loads what answers need
    writes.clear()
    print("ready", flush=True)
    n = 1
    while not stop.exists():
        write(n)
        n += 1
        time.sleep(0.02)
    Answer.objects.filter(pk__in=written).delete()
    DBTaskResult.objects.filter(enqueued_at__gte=since).delete()  # no worker runs here
    latencies = sorted(end - start for start, end, _ok in writes)
    return {
        "writes": writes,
        "count": len(writes),
        "failed": len(failures),
        "errors": sorted(set(failures)),
        "max_ms": round(1000 * latencies[-1], 1) if latencies else 0,
    }


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "fill":
        answer = fill(int(sys.argv[2]))
    elif mode == "publish":
        answer = publish()
    elif mode == "write-loop":
        answer = write_loop(Path(sys.argv[2]))
    else:
        answer = withdraw()
    print(json.dumps(answer))
