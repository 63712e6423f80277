"""Publishing per country gives exactly what publishing the whole map gives (hypothesis): after
any sequence of opt-ins, moves (also between countries), withdrawals, role changes, members
leaving and accounts closed — each republishing only the countries it touches — every entry's
published place, the snapshot and the per-country rows are what a full republish makes."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap.accounts.services import user_deactivate
from raremap.atlas import services
from raremap.atlas.models import MapConsent, MapCountry, MapEntry, MapSnapshot
from raremap.communities.models import Role
from raremap.communities.services import membership_join, membership_leave
from tests.factories import MembershipFactory, UserFactory

PLACE_NAMES = ["lyon", "grenoble", "paris", "ara", "idf", "france", "madrid", "spain"]
MEMBERS = 8
ROLES = [Role.PATIENT, Role.RELATIVE, Role.ADVISER]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("place"), st.integers(0, MEMBERS - 1), st.sampled_from(PLACE_NAMES)),
        st.tuples(st.just("withdraw"), st.integers(0, MEMBERS - 1)),
        st.tuples(st.just("role"), st.integers(0, MEMBERS - 1), st.sampled_from(ROLES)),
        st.tuples(st.just("leave"), st.integers(0, MEMBERS - 1)),
        st.tuples(st.just("close"), st.integers(0, MEMBERS - 1)),
    ),
    min_size=1,
    max_size=25,
)


class Rollback(Exception):
    pass


def published_state(dfsp) -> dict:  # type: ignore[no-untyped-def]
    """Everything the publisher writes for a map, but its version and time."""
    snapshot = MapSnapshot.objects.get(disease=dfsp)
    return {
        "entries": dict(
            MapEntry.objects.filter(disease=dfsp).values_list("pk", "published_place_id")
        ),
        "snapshot": snapshot.data,
        "countries": {
            row.country_id: (row.count, row.roles, row.demo, row.cells)
            for row in MapCountry.objects.filter(disease=dfsp)
        },
    }


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.lists(st.sampled_from(PLACE_NAMES), min_size=MEMBERS, max_size=MEMBERS),
    actions=steps,
    k=st.integers(min_value=1, max_value=3),
)
def test_publishing_per_country_equals_a_full_republish(
    dfsp, places, settings, django_capture_on_commit_callbacks, start, actions, k
):
    settings.MAP_K = k
    try:
        with transaction.atomic():
            users = [UserFactory(reputation=10, is_demo=n % 3 == 0) for n in range(MEMBERS)]
            for user in users:
                MembershipFactory(user=user, disease=dfsp, role=Role.PATIENT)
            services.map_publish(disease_id=dfsp.pk)  # the map exists, empty
            # Everyone opts in first (one at a time, each a publish), then anything happens.
            opt_ins = [("place", n, name) for n, name in enumerate(start)]
            for action, n, *arg in opt_ins + actions:
                user = users[n]
                entry = MapEntry.objects.filter(membership__user=user, disease=dfsp).first()
                # The receivers republish when the change commits: run what they left.
                with django_capture_on_commit_callbacks(execute=True):
                    if action == "place" and user.is_active and user.memberships.exists():
                        if entry is not None:  # allowed to move: the week has passed
                            MapEntry.objects.filter(pk=entry.pk).update(
                                place_changed_at=entry.place_changed_at - timedelta(days=8)
                            )
                        # ...and since a member left the map (joining again is a move).
                        MapConsent.objects.filter(user=user, withdrawn_at__isnull=False).update(
                            place_changed_at=timezone.now() - timedelta(days=8)
                        )
                        place = getattr(places, arg[0])
                        services.map_join(
                            user=user, disease=dfsp, place=place, precision=place.kind, consent=True
                        )
                    elif action == "withdraw":
                        services.map_withdraw(user=user, disease=dfsp)
                    elif action == "role" and user.is_active and user.memberships.exists():
                        membership_join(user=user, disease=dfsp, role=arg[0])
                    elif action == "leave":
                        membership_leave(user=user, disease=dfsp)
                    elif action == "close" and user.is_active:
                        user_deactivate(user=user)
                incremental = published_state(dfsp)
                with transaction.atomic():
                    services.map_publish(disease_id=dfsp.pk)  # every country, from scratch
                    assert published_state(dfsp) == incremental, (action, n, arg)
                    transaction.set_rollback(True)
            raise Rollback
    except Rollback:
        pass
