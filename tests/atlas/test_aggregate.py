"""The public aggregate of a map, kept by the anonymous page cache like every public read,
and the snapshot's parts in the cache, which the publisher replaces."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from raremap.accounts.services import token_create
from raremap.atlas import selectors, services
from raremap.atlas.models import MapCountry, MapEntry, MapSnapshot
from raremap.communities.models import Role
from tests.caches import empty_caches
from tests.factories import MembershipFactory

HEADERS = (
    "Content-Type",
    "Content-Length",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def aggregate_url(dfsp) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/diseases/{dfsp.slug}/map"


@pytest.fixture
def dfsp_map(dfsp, places, map_member, settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.MAP_K = 2
    with django_capture_on_commit_callbacks(execute=True):
        entries = [
            map_member(dfsp, places.lyon, display_name="Secret Name"),
            map_member(dfsp, places.lyon, role=Role.RELATIVE),
            map_member(dfsp, places.madrid),
        ]
    return entries


def test_a_stored_aggregate_is_answered_without_a_query_with_every_header(client, dfsp, dfsp_map):
    first = client.get(aggregate_url(dfsp))  # through the whole stack, then kept
    with CaptureQueriesContext(connection) as queries:
        second = client.get(aggregate_url(dfsp))
    assert len(queries) == 0
    assert second.content == first.content
    assert {h: second.get(h) for h in HEADERS} == {h: first.get(h) for h in HEADERS}
    assert second["Content-Type"] == "application/json"
    assert second["Cache-Control"] == "public, max-age=60"
    assert "default-src" in second["Content-Security-Policy"]
    assert second["X-Content-Type-Options"] == "nosniff"
    assert second.json() == {
        "k": 2,
        "total": 2,
        "demo": False,
        "updated_at": second.json()["updated_at"],
        "roles": [{"role": "other", "count": 2}],
        "countries": [{"country": "FR", "count": 2}],
    }
    assert b"Secret Name" not in second.content
    assert b"Lyon" not in second.content


def test_token_clients_and_members_get_the_same_json_uncached_and_not_stored(
    client, member, dfsp, dfsp_map
):
    anonymous = client.get(aggregate_url(dfsp))
    secret = token_create(user=member, name="script")[1]
    with CaptureQueriesContext(connection) as queries:
        token = client.get(aggregate_url(dfsp), headers={"Authorization": f"Bearer {secret}"})
    assert len(queries) > 0  # not the anonymous copy: answered for this client
    assert token.content == anonymous.content
    assert token["Cache-Control"] == "no-store, private"
    client.force_login(member)
    logged_in = client.get(aggregate_url(dfsp))
    assert logged_in.content == anonymous.content
    assert logged_in["Cache-Control"] == "no-store, private"


def test_the_publisher_puts_the_new_snapshot_in_the_cache(
    client, member, dfsp, dfsp_map, places, map_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        map_member(dfsp, places.madrid)
    with CaptureQueriesContext(connection) as queries:
        snapshot = selectors.snapshot_get(dfsp.pk)
    assert len(queries) == 0  # refreshed by the publisher, not rebuilt by this read
    assert snapshot["countries"] == [("ES", 2), ("FR", 2)]
    client.force_login(member)
    assert client.get(aggregate_url(dfsp)).json()["countries"] == [
        {"country": "ES", "count": 2},
        {"country": "FR", "count": 2},
    ]


def test_anonymous_visitors_see_a_publish_once_their_copy_expires(
    client, dfsp, dfsp_map, places, map_member, django_capture_on_commit_callbacks
):
    before = client.get(aggregate_url(dfsp)).json()
    with django_capture_on_commit_callbacks(execute=True):
        map_member(dfsp, places.madrid)
    kept = client.get(aggregate_url(dfsp)).json()
    empty_caches()  # PAGE_CACHE_SECONDS later
    after = client.get(aggregate_url(dfsp)).json()
    assert kept == before
    assert [c["country"] for c in after["countries"]] == ["ES", "FR"]


def test_a_publish_forgets_the_snapshot_at_once(client, dfsp, dfsp_map, places):
    assert selectors.snapshot_get(dfsp.pk)["total"] == 2
    services.map_withdraw(user=dfsp_map[0].membership.user, disease=dfsp)  # not committed yet
    # The cached snapshot went with the publish: this read goes to the database.
    assert selectors.snapshot_get(dfsp.pk)["total"] == 0


def test_unknown_maps_are_404_and_not_stored(client, dfsp):
    url = "/api/v1/diseases/no-such-disease/map"
    assert client.get(url).status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 404
    assert len(queries) > 0


def test_a_map_without_a_snapshot_yet_answers_zeroes(client, dfsp):
    data = client.get(aggregate_url(dfsp)).json()
    assert (data["total"], data["roles"], data["countries"]) == (0, [], [])


def test_counts_pages_never_read_the_cells(dfsp, dfsp_map, places):
    snapshot = selectors.snapshot_get(dfsp.pk)
    assert "cells" not in snapshot
    assert "cells" not in MapSnapshot.objects.get(disease=dfsp).data
    assert selectors.country_cells(dfsp.pk, "FR") == [(places.lyon.pk, 2)]
    assert selectors.country_cells(dfsp.pk, "ES") == []  # one member: not shown
    with CaptureQueriesContext(connection) as queries:
        assert selectors.country_cells(dfsp.pk, "FR") == [(places.lyon.pk, 2)]
    assert len(queries) == 0


def test_where_a_member_is_shown_is_one_narrow_query(member, dfsp, dfsp_map, places):
    member.reputation = 10
    member.save(update_fields=["reputation"])
    membership = MembershipFactory(user=member, disease=dfsp)
    services.map_join(
        user=member, disease=dfsp, place=places.lyon, precision=places.lyon.kind, consent=True
    )
    with CaptureQueriesContext(connection) as queries:
        on_map, place_id = selectors.map_shown_place_id(membership)
    assert len(queries) == 1
    assert "consent" not in queries[0]["sql"]
    assert (on_map, place_id) == (True, places.lyon.pk)

    with CaptureQueriesContext(connection) as queries:
        place = selectors.place_with_parents(place_id)
        label = selectors.place_label(place)
        chain = [p.pk for p in selectors.place_chain(place)]
    assert len(queries) == 1
    assert label == "Lyon, Auvergne-Rhône-Alpes, France"
    assert chain == [places.france.pk, places.ara.pk, places.lyon.pk]
    assert selectors.map_shown_place_id(None) == (False, None)


def test_the_migration_fills_countries_and_per_country_rows(dfsp, places, dfsp_map):
    """The data migration (0003) from what is published: the rows the publisher writes."""
    migration = importlib.import_module("raremap.atlas.migrations.0003_map_country")
    written = {
        row.country_id: (row.count, row.roles, row.demo, row.cells)
        for row in MapCountry.objects.all()
    }
    MapEntry.objects.update(country=places.spain)
    MapCountry.objects.all().delete()
    snapshot = MapSnapshot.objects.get(disease=dfsp)
    snapshot.data["cells"] = [[places.lyon.pk, 2]]
    snapshot.save()

    migration.fill_countries(apps, None)
    migration.fill_map_countries(apps, None)

    countries = dict(MapEntry.objects.values_list("membership__user__display_name", "country"))
    assert countries["Secret Name"] == places.france.pk
    assert sorted(countries.values()) == sorted([places.france.pk] * 2 + [places.spain.pk])
    assert {
        row.country_id: (row.count, row.roles, row.demo, row.cells)
        for row in MapCountry.objects.all()
    } == written
    assert "cells" not in MapSnapshot.objects.get(disease=dfsp).data


def test_a_member_moving_abroad_republishes_both_countries(dfsp, places, map_member, settings):
    settings.MAP_K = 2
    movers = [map_member(dfsp, places.lyon) for _ in range(2)]
    map_member(dfsp, places.madrid)
    entry = movers[0]
    MapEntry.objects.filter(pk=entry.pk).update(
        place_changed_at=entry.place_changed_at.replace(year=2000)
    )
    user = entry.membership.user
    services.map_join(user=user, disease=dfsp, place=places.madrid, precision=2, consent=True)
    rows = dict(MapCountry.objects.values_list("country__code", "count"))
    assert rows == {"ES": 2}  # the Lyon member left alone in France is no longer shown
    movers[1].refresh_from_db()
    assert movers[1].published_place is None
    assert selectors.snapshot_get(dfsp.pk)["countries"] == [("ES", 2)]
    # Roles are suppressed on the map-wide sums: one patient role of 2.
    assert selectors.snapshot_get(dfsp.pk)["roles"] == [(Role.PATIENT.value, 2)]
