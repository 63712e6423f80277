"""The map against fake accounts: only established entries count toward k, and leaving the map
and joining again counts as a change of place (docs/map.md, "Established members")."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from raremap.atlas.models import MapConsent, MapEntry, Precision
from raremap.atlas.services import map_join, map_withdraw
from raremap.atlas.tasks import map_publish_task

K = 5
DAYS = 14


@pytest.fixture(autouse=True)
def _real_rule(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MAP_K = K
    settings.MAP_ESTABLISHED_DAYS = DAYS


def settle(*entries: MapEntry, days: int = DAYS + 1) -> None:
    """As if the entries had been at their places for `days` days."""
    MapEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
        place_changed_at=timezone.now() - timedelta(days=days)
    )


def what_the_attacker_sees(fake: MapEntry, dfsp, places) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(fake.membership.user)
    people = reverse("atlas:people", args=[dfsp.slug])
    pages = [
        client.get(people, {"place": places.lyon.pk}),
        client.get(people, {"place": places.ara.pk}),
        client.get(people, {"place": places.france.pk}),
        client.get(reverse("atlas:map", args=[dfsp.slug]), {"country": "FR"}),
        client.get(f"/api/v1/diseases/{dfsp.slug}/map/places", {"country": "FR"}),
    ]
    return "\n".join(page.content.decode() for page in pages)


@pytest.mark.parametrize("real", [1, K - 1])
def test_up_to_k_minus_one_fresh_accounts_never_reveal_a_real_members_cell(
    real: int, dfsp, places, map_member
) -> None:  # type: ignore[no-untyped-def]
    # Real members who have been in Lyon for weeks: fewer than k, so Lyon is not shown.
    members = [map_member(dfsp, places.lyon, display_name=f"Real Lyon {i}") for i in range(real)]
    settle(*members)
    call_command("publish-maps", verbosity=0)
    # One person makes the accounts that would bring Lyon to k (the map's every other rule
    # holds for them: they have taken part and confirmed their address).
    fakes = [
        map_member(dfsp, places.lyon, display_name=f"Fake {i}", email=f"fake{i}@attacker.example")
        for i in range(K - real)
    ]

    for entry in MapEntry.objects.all():
        assert entry.published_place_id != places.lyon.pk
    seen = what_the_attacker_sees(fakes[0], dfsp, places)
    for i in range(real):
        assert f"Real Lyon {i}" not in seen
    assert f'"id": {places.lyon.pk}' not in seen

    # Once the accounts have been there MAP_ESTABLISHED_DAYS they count (what remains possible,
    # said on the privacy page): the task queued for that day publishes them.
    settle(*fakes)
    map_publish_task.call(dfsp.pk, [places.france.pk])
    assert set(MapEntry.objects.values_list("published_place_id", flat=True)) == {places.lyon.pk}


def test_a_new_entry_is_shown_where_established_members_allow(dfsp, places, map_member) -> None:  # type: ignore[no-untyped-def]
    settled = [map_member(dfsp, places.lyon) for _ in range(K)]
    settle(*settled)
    call_command("publish-maps", verbosity=0)

    newcomer = map_member(dfsp, places.lyon)
    elsewhere = map_member(dfsp, places.grenoble)

    assert newcomer.published_place == places.lyon  # among k established members
    # Grenoble, its region and the members who rise to France count no one established.
    assert elsewhere.published_place is None
    assert MapEntry.objects.get(pk=settled[0].pk).published_place == places.lyon


def test_joining_queues_a_publish_for_the_day_the_entry_counts(
    dfsp, places, map_member, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        map_member(dfsp, places.lyon)

    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "raremap.atlas.tasks.map_publish_task"
    assert queued.args_kwargs["args"] == [dfsp.pk, [places.france.pk]]
    assert timedelta(days=DAYS) < queued.run_after - before < timedelta(days=DAYS, minutes=2)


def test_leaving_and_joining_again_counts_as_a_change_of_place(
    dfsp, places, map_member, settings
) -> None:  # type: ignore[no-untyped-def]
    entry = map_member(dfsp, places.lyon)
    user = entry.membership.user
    assert map_withdraw(user=user, disease=dfsp)

    with pytest.raises(ValidationError, match="change your place again in 7 days"):
        map_join(
            user=user, disease=dfsp, place=places.paris, precision=Precision.CITY, consent=True
        )

    MapConsent.objects.filter(user=user).update(
        place_changed_at=timezone.now() - timedelta(days=settings.MAP_PLACE_CHANGE_DAYS)
    )
    again = map_join(
        user=user, disease=dfsp, place=places.paris, precision=Precision.CITY, consent=True
    )
    # A new place: its own wait before it counts toward k.
    assert timezone.now() - again.place_changed_at < timedelta(minutes=1)


def test_the_privacy_page_says_what_remains_possible(member_client) -> None:  # type: ignore[no-untyped-def]
    html = member_client.get(reverse("atlas:privacy")).content.decode()

    assert f"have been at their place for {DAYS} days count toward that number" in html
    assert f"someone who keeps {K - 1} accounts" in html
