"""The map's privacy invariants over generated maps (hypothesis), through the real pages and
API: what is said about a member depends only on their published place (and their name and
role); pins are the same on every request; every shown count is 0 or at least k; and the
schema holds no member coordinates."""

import re

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap.accounts.services import token_create
from raremap.atlas.models import MapEntry, Place
from raremap.atlas.services import map_join
from raremap.communities.models import Role
from tests.factories import MembershipFactory, UserFactory

PLACE_NAMES = ["lyon", "grenoble", "paris", "ara", "idf", "france", "madrid", "spain"]
members = st.lists(
    st.tuples(st.sampled_from(PLACE_NAMES), st.sampled_from([Role.PATIENT, Role.ADVISER])),
    min_size=1,
    max_size=12,
)
hypothesis_settings = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Rollback(Exception):
    pass


def build_map(dfsp, places, chosen):  # type: ignore[no-untyped-def]
    """Members on the DFSP map at the chosen places, and a viewer in the community."""
    people = []
    for n, (place_name, role) in enumerate(chosen):
        user = UserFactory(reputation=10, display_name=f"Person{n:02d}x", profile_public=True)
        MembershipFactory(user=user, disease=dfsp, role=role)
        place = getattr(places, place_name)
        map_join(user=user, disease=dfsp, place=place, precision=place.kind, consent=True)
        people.append(user)
    viewer = UserFactory(reputation=10, display_name="Viewer")
    MembershipFactory(user=viewer, disease=dfsp)
    client = Client()
    client.force_login(viewer)
    return people, client, token_create(user=viewer, name="t")[1]


def in_a_rollback(test):  # type: ignore[no-untyped-def]
    """Run one generated example in a transaction that is rolled back."""

    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            with transaction.atomic():
                test(*args, **kwargs)
                raise Rollback
        except Rollback:
            pass

    return run


def person_items(html: str, people: list) -> dict[str, str]:
    """Each listed person's HTML with their identity (name, profile id) replaced, by name."""
    ids = {user.display_name: user.public_id for user in people}
    items = {}
    for item in html.split('<li class="card person">')[1:]:
        item = item.split("</li>")[0]
        name = re.search(r"Person\d\dx", item)
        if name:
            items[name[0]] = item.replace(name[0], "NAME").replace(ids[name[0]], "ID")
    return items


@pytest.mark.django_db
@hypothesis_settings
@given(chosen=members, k=st.integers(min_value=2, max_value=3))
def test_output_about_a_member_is_a_function_of_their_published_place(
    dfsp, places, settings, chosen, k
):
    settings.MAP_K = k

    @in_a_rollback
    def check() -> None:
        people, client, secret = build_map(dfsp, places, chosen)
        published = dict(
            MapEntry.objects.filter(disease=dfsp).values_list(
                "membership__user__display_name", "published_place"
            )
        )
        seen: dict[tuple, str] = {}
        seen_api: dict[tuple, dict] = {}
        for place in Place.objects.filter(pk__in={p for p in published.values() if p}):
            html = client.get(
                reverse("atlas:people", args=[dfsp.slug]), {"place": place.pk}
            ).content.decode()
            api = client.get(
                f"/api/v1/diseases/{dfsp.slug}/people?place={place.pk}",
                headers={"Authorization": f"Bearer {secret}"},
            ).json()["results"]
            for name, item in person_items(html, people).items():
                user = next(u for u in people if u.display_name == name)
                role = user.memberships.get().role
                key = (place.pk, published[name], role)
                assert seen.setdefault(key, item) == item
            for record in api:
                name = record.pop("display_name")
                key = (place.pk, published[name], record["role"])
                assert seen_api.setdefault(key, record) == record
                assert record["shown_at"]["id"] == published[name]
        # Nobody unpublished is listed anywhere.
        for name, place_id in published.items():
            if place_id is None:
                assert all(name not in item for item in seen.values())

    check()


@pytest.mark.django_db
@hypothesis_settings
@given(chosen=members, k=st.integers(min_value=2, max_value=3))
def test_pins_are_byte_identical_on_every_request(dfsp, places, settings, chosen, k):
    settings.MAP_K = k

    @in_a_rollback
    def check() -> None:
        _people, client, _secret = build_map(dfsp, places, chosen)
        for query in ({}, {"country": "FR"}):
            first = client.get(reverse("atlas:map", args=[dfsp.slug]), query)
            if first.status_code == 404:  # France has no one shown
                continue
            second = client.get(reverse("atlas:map", args=[dfsp.slug]), query)
            svg = re.compile(r"<svg.*</svg>", re.S)
            assert svg.search(first.content.decode())[0] == svg.search(second.content.decode())[0]

    check()


@pytest.mark.django_db
@hypothesis_settings
@given(chosen=members, k=st.integers(min_value=2, max_value=4))
def test_every_shown_count_is_zero_or_at_least_k(dfsp, places, settings, chosen, k):
    settings.MAP_K = k

    @in_a_rollback
    def check() -> None:
        _people, client, secret = build_map(dfsp, places, chosen)
        data = client.get(f"/api/v1/diseases/{dfsp.slug}/map").json()
        counts = [data["total"]]
        counts += [row["count"] for row in data["roles"]]
        counts += [row["count"] for row in data["countries"]]
        for code in ("FR", "ES"):
            rows = client.get(
                f"/api/v1/diseases/{dfsp.slug}/map/places?country={code}",
                headers={"Authorization": f"Bearer {secret}"},
            ).json()
            counts += [row["count"] for row in rows]
        assert all(n == 0 or n >= k for n in counts)
        # Nothing hidden can be derived: the shown parts add up to the total.
        assert sum(row["count"] for row in data["roles"]) == data["total"]
        assert sum(row["count"] for row in data["countries"]) == data["total"]
        roles = [row["role"] for row in data["roles"]]
        assert len(roles) == len(set(roles))

    check()


COORDINATE_WORDS = re.compile(r"lat|lon|lng|coord|geo|address|street|postcode|zip|gps", re.I)


def _linked_to_members(model: type[models.Model]) -> bool:
    user_model = apps.get_model(django_settings.AUTH_USER_MODEL)
    targets = {user_model, apps.get_model("communities", "Membership")}
    return model in targets or any(
        field.is_relation and field.related_model in targets
        for field in model._meta.get_fields()
        if field.concrete
    )


def test_no_model_linked_to_a_member_holds_coordinates_or_an_address():
    checked = 0
    for model in apps.get_models():
        if not _linked_to_members(model):
            continue
        checked += 1
        for field in model._meta.concrete_fields:
            assert not COORDINATE_WORDS.search(field.name), f"{model.__name__}.{field.name}"
    assert checked >= 10
    # Gazetteer places have coordinates (public data) and no link to anyone.
    assert not _linked_to_members(Place)


def test_no_endpoint_accepts_coordinates(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        assert not COORDINATE_WORDS.search(path)
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert not COORDINATE_WORDS.search(parameter["name"]), (path, parameter)
