"""The map pages as visitors and members use them."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from raremap.atlas import selectors
from raremap.atlas.models import MapEntry, Precision
from raremap.communities.models import Role
from tests.accounts.helpers import text_of
from tests.kept import (
    account_links,
    assert_csrf_of,
    assert_no_csrf_of,
    count_renders,
    csrf_secret,
    csrf_tokens,
)


@pytest.fixture
def dfsp_map(dfsp, places, map_member, settings):  # type: ignore[no-untyped-def]
    settings.MAP_K = 2
    entries = [
        map_member(dfsp, places.lyon, display_name="Lyon One"),
        map_member(dfsp, places.lyon, display_name="Lyon Two", role=Role.RELATIVE),
        map_member(dfsp, places.paris, display_name="Lonely Paris"),  # → France
        map_member(dfsp, places.france, display_name="France Only"),
    ]
    return entries


def map_url(dfsp, **query: str) -> str:
    url = reverse("atlas:map", args=[dfsp.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_anonymous_visitors_see_counts_by_country_and_no_one(client, dfsp, dfsp_map):
    page = client.get(map_url(dfsp))
    assert page.status_code == 200
    html = page.content.decode()
    assert "There are 4 people in the map." in html
    assert "<svg" in html
    assert "Lyon" not in html
    assert "Lyon One" not in html
    assert 'class="markers"' not in html
    # A country view is for members: anonymous visitors get the same world page.
    assert "Lyon" not in client.get(map_url(dfsp, country="FR")).content.decode()


def test_members_see_markers_and_people_in_places(member_client, trusted, dfsp, dfsp_map, places):
    world = member_client.get(map_url(dfsp)).content.decode()
    assert 'class="markers"' in world
    assert "?country=FR" in world
    country = member_client.get(map_url(dfsp, country="FR")).content.decode()
    assert "Lyon" in country
    assert "Paris" not in country  # one member chose Paris: shown at France only
    people_url = reverse("atlas:people", args=[dfsp.slug])
    lyon = member_client.get(people_url, {"place": places.lyon.pk}).content.decode()
    assert "Lyon One" in lyon
    assert "Lyon Two" in lyon
    assert "France Only" not in lyon
    france = member_client.get(people_url, {"place": places.france.pk}).content.decode()
    for name in ("Lyon One", "Lyon Two", "Lonely Paris", "France Only"):
        assert name in france
    relatives = member_client.get(people_url, {"place": places.france.pk, "role": Role.RELATIVE})
    assert "Lyon Two" in relatives.content.decode()
    assert "Lyon One" not in relatives.content.decode()


def test_people_lists_are_for_members_of_the_community(
    client, member_client, dfsp, dfsp_map, places
):
    url = reverse("atlas:people", args=[dfsp.slug]) + f"?place={places.lyon.pk}"
    assert client.get(url).status_code == 302  # to log in
    assert member_client.get(url).status_code == 404  # logged in, not in the community
    assert member_client.get(map_url(dfsp, country="FR")).content.decode().count("Lyon") == 0


def test_opting_in_through_the_form_without_javascript(member_client, trusted, dfsp, places):
    url = reverse("atlas:map-join", args=[dfsp.slug])
    form = member_client.get(url)
    assert form.status_code == 200
    assert "Consent text version" in form.content.decode()
    found = member_client.post(url, {"q": "lyo", "find": "1", "precision": Precision.CITY})
    assert f'value="{places.lyon.pk}"' in found.content.decode()
    refused = member_client.post(url, {"place": places.lyon.pk, "precision": Precision.CITY})
    assert refused.status_code == 400
    assert "agree to be shown" in refused.content.decode()
    done = member_client.post(
        url, {"place": places.lyon.pk, "precision": Precision.REGION, "consent": "on"}
    )
    assert done.status_code == 302
    entry = MapEntry.objects.get(membership__user=trusted)
    assert entry.place == places.ara


def test_find_without_javascript_searches_and_keeps_what_was_entered(
    member_client, trusted, dfsp, places
):
    url = reverse("atlas:map-join", args=[dfsp.slug])
    entered = {"place": places.lyon.pk, "precision": Precision.REGION, "consent": "on"}

    found = member_client.post(url, {**entered, "q": "paris", "find": "1"})

    html = found.content.decode()
    assert found.status_code == 200
    assert 'role="alert"' not in html  # no error for a form not sent yet
    assert f'value="{places.paris.pk}"> Paris, Île-de-France, France' in html
    # The place chosen before, the precision and the consent box are still as entered.
    assert f'value="{places.lyon.pk}" checked> Keep: Lyon, Auvergne-Rhône-Alpes, France' in html
    assert f'value="{Precision.REGION}" id="id_precision_1" required checked>' in html
    assert 'name="consent" id="id_consent" checked' in html
    assert not MapEntry.objects.exists()
    # Nothing ticked yet: nothing is ticked after "Find" either, and still no error.
    bare = member_client.post(url, {"q": "lyo", "find": "1"})
    assert bare.status_code == 200
    assert 'role="alert"' not in bare.content.decode()
    assert "checked" not in bare.content.decode().split('name="consent"')[1].split(">")[0]


def test_find_with_htmx_asks_the_place_search_only(member_client, trusted, dfsp, places):
    html = member_client.get(reverse("atlas:map-join", args=[dfsp.slug])).content.decode()

    find = html.split('name="find"')[1].split(">")[0]
    assert 'hx-get="/places/search/"' in find
    assert 'hx-params="q,place"' in find
    assert 'hx-include="#place-q, #place-choices [name=place]:checked"' in find
    assert 'hx-target="#place-choices"' in find


def test_a_new_member_is_told_before_trying_how_many_answers_they_need(
    member, member_client, dfsp, settings
):
    from tests.factories import MembershipFactory

    MembershipFactory(user=member, disease=dfsp)
    settings.NEW_MEMBER_ANSWERS = 2
    rule = (
        "You can put yourself on the map once you have taken part in the community: write 2 "
        "more answers to its questions, or reach 10 reputation points."
    )

    map_page = member_client.get(map_url(dfsp)).content.decode()
    join_page = member_client.get(reverse("atlas:map-join", args=[dfsp.slug])).content.decode()

    assert rule in map_page
    assert "Put me on the map" not in map_page
    assert rule in join_page
    assert 'name="find"' not in join_page  # no form that can only be refused
    spanish = member_client.get("/es" + map_url(dfsp)).content.decode()
    assert "Podrás aparecer en el mapa cuando hayas participado en la comunidad" in spanish


def test_withdrawing_is_one_post(member_client, trusted, dfsp, places):
    from raremap.atlas.services import map_join

    map_join(user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True)
    url = reverse("atlas:map-withdraw", args=[dfsp.slug])
    assert member_client.get(url).status_code == 405
    assert member_client.post(url).status_code == 302
    assert not MapEntry.objects.filter(membership__user=trusted).exists()


def test_the_form_never_takes_coordinates_or_addresses(member_client, trusted, dfsp):
    from raremap.atlas.forms import MapJoinForm

    fields = set(MapJoinForm(needs_consent=True).fields)
    assert fields == {"place", "precision", "consent"}


def test_privacy_page_shows_what_others_see(member_client, trusted, dfsp, places, dfsp_map):
    from raremap.atlas.services import map_join

    map_join(user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True)
    html = member_client.get(reverse("atlas:privacy")).content.decode()
    assert "Quiet Heron" in html  # how others see the member's name
    assert "Lyon" in html


def test_the_public_aggregate_api(client, dfsp, dfsp_map):
    response = client.get(f"/api/v1/diseases/{dfsp.slug}/map")
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 4
    assert data["countries"] == [{"country": "FR", "count": 4}]
    assert all(row["count"] >= data["k"] for row in data["roles"])
    assert "Lyon" not in response.content.decode()


def test_member_apis_need_a_token_and_the_community(
    client, member, trusted, dfsp, dfsp_map, places
):
    from raremap.accounts.services import token_create

    url = f"/api/v1/diseases/{dfsp.slug}/people?place={places.lyon.pk}"
    assert client.get(url).status_code == 401
    secret = token_create(user=member, name="script")[1]
    auth = {"Authorization": f"Bearer {secret}"}
    people = client.get(url, headers=auth).json()
    assert {p["display_name"] for p in people["results"]} == {"Lyon One", "Lyon Two"}
    places_out = client.get(f"/api/v1/diseases/{dfsp.slug}/map/places?country=FR", headers=auth)
    assert {(p["place"]["name"], p["count"]) for p in places_out.json()} == {
        ("Lyon", 2),
        ("France", 2),
    }
    other = f"/api/v1/diseases/{dfsp.slug}/people?place={places.lyon.pk}"
    trusted.memberships.all().delete()
    assert client.get(other, headers=auth).status_code == 404


@pytest.mark.parametrize("size", [4, 20])
def test_the_map_page_query_count_does_not_grow_with_the_map(
    size,
    client,
    member_client,
    trusted,
    dfsp,
    places,
    map_member,
    settings,
    django_assert_max_num_queries,
):
    settings.MAP_K = 2
    cities = [places.lyon, places.grenoble, places.paris, places.madrid]
    for n in range(size):
        map_member(dfsp, cities[n % len(cities)])
    for view in ({}, {"country": "FR"}):
        member_client.get(map_url(dfsp, **view))  # warm: rendered parts and snapshot cached
        # the session with the member, the header's counts, membership, own entry
        with django_assert_max_num_queries(4):
            assert member_client.get(map_url(dfsp, **view)).status_code == 200
    client.get(map_url(dfsp))
    with django_assert_max_num_queries(0):
        assert client.get(map_url(dfsp)).status_code == 200


def test_map_shown_place_id_reads_what_the_orm_reads(trusted, dfsp, places, dfsp_map, settings):
    """map_shown_place_id is written out in SQL: for a member off the map, on it but not shown
    yet, and shown, it gives what the ORM reads."""
    from raremap.atlas.selectors import map_shown_place_id
    from raremap.atlas.services import map_join
    from raremap.communities.selectors import membership_get

    def orm(membership):
        row = MapEntry.objects.filter(pk=membership.pk).values_list("published_place_id").first()
        return row is not None, row[0] if row else None

    membership = membership_get(trusted, dfsp)
    shown = dfsp_map[0].membership  # "Lyon One", shown in Lyon
    assert map_shown_place_id(membership) == orm(membership) == (False, None)
    assert map_shown_place_id(shown) == orm(shown) == (True, places.lyon.pk)
    settings.MAP_K = 10  # too few members in Spain to show anyone there
    city = Precision.CITY
    map_join(user=trusted, disease=dfsp, place=places.madrid, precision=city, consent=True)
    assert map_shown_place_id(membership) == orm(membership) == (True, None)
    assert map_shown_place_id(None) == (False, None)


def test_a_member_on_the_map_finds_people_at_each_level_of_their_place(
    member_client, trusted, dfsp, places, dfsp_map
):
    from raremap.atlas.services import map_join

    map_join(user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True)
    html = member_client.get(map_url(dfsp)).content.decode()
    assert "Others see you in Lyon" in html
    people = reverse("atlas:people", args=[dfsp.slug])
    for place in (places.lyon, places.ara, places.france):
        assert f"{people}?place={place.pk}" in html


def test_a_member_who_blocked_the_viewer_is_not_in_their_people_lists(
    member_client, trusted, dfsp, dfsp_map, places
):
    from raremap.connections.services import block_create

    blocker = dfsp_map[0].membership.user  # "Lyon One"
    block_create(blocker=blocker, blocked=trusted)
    url = reverse("atlas:people", args=[dfsp.slug])
    lyon = member_client.get(url, {"place": places.lyon.pk}).content.decode()
    assert "Lyon One" not in lyon
    assert "Lyon Two" in lyon
    assert "/connections/member/" in lyon  # the others can be asked to connect


def test_the_openapi_document_has_the_map_paths(client):
    document = client.get("/api/v1/openapi.json").json()
    operations = {
        (path, "security" in operation)
        for path, item in document["paths"].items()
        for operation in item.values()
        if "/map" in path or path.endswith("/people")
    }
    assert operations == {
        ("/api/v1/diseases/{slug}/map", False),
        ("/api/v1/diseases/{slug}/map/places", True),
        ("/api/v1/diseases/{slug}/people", True),
    }


def test_one_kept_map_page_shows_each_member_only_their_own_region(
    member_client, other_client, client, trusted, other_member, dfsp, dfsp_map, places, monkeypatch
):
    """Member A (on the map in Lyon) and member B (in the community, not on the map) get the
    same kept members' view, each with their own `you` region, header and CSRF token; a visitor
    gets the counts-only view with none of theirs."""
    from raremap.atlas.services import map_join
    from tests.factories import MembershipFactory

    MembershipFactory(user=other_member, disease=dfsp)
    map_join(user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True)
    renders = count_renders(monkeypatch, "raremap.atlas.fragments")

    page_a = member_client.get(map_url(dfsp)).content.decode()
    page_b = other_client.get(map_url(dfsp)).content.decode()
    anonymous = client.get(map_url(dfsp), headers={"Cookie": "messages=x"}).content.decode()
    again_a = member_client.get(map_url(dfsp)).content.decode()

    # One kept page for the members' world view, one for the visitors' view.
    assert renders.templates == ["atlas/map.html", "atlas/map.html"]
    withdraw = reverse("atlas:map-withdraw", args=[dfsp.slug])
    assert "Others see you in Lyon" in page_a
    assert withdraw in page_a
    assert "Others see you" not in page_b
    assert withdraw not in page_b
    assert "You are not on this map." in page_b
    assert "You are not on this map." not in page_a + again_a
    assert "Others see you" not in anonymous
    assert "Log in to see members" in anonymous
    assert "Quiet Heron" in account_links(page_a)
    assert "Brisk Otter" in account_links(page_b)
    assert "Quiet Heron" not in page_b + anonymous
    tokens_a = assert_csrf_of(page_a, member_client)
    tokens_b = assert_csrf_of(page_b, other_client)
    assert (len(tokens_a), len(tokens_b)) == (2, 1)  # A's withdraw form; the log-out form
    assert_no_csrf_of(page_b, tokens_a, csrf_secret(member_client))
    assert_no_csrf_of(again_a, tokens_b, csrf_secret(other_client))
    assert csrf_tokens(anonymous) == []
    assert_no_csrf_of(anonymous, tokens_a, csrf_secret(member_client))


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Updated {when}, from the places members chose to share."),
        (
            "es",
            "Actualizado el {when}, a partir de los lugares que los miembros eligieron compartir.",
        ),
    ],
)
def test_the_map_says_when_it_was_updated_in_the_format_of_the_page(
    client, dfsp, dfsp_map, language, sentence
):
    computed_at = selectors.map_summary(dfsp).computed_at
    with translation.override(language):
        url = map_url(dfsp)
        when = date_format(computed_at, "DATETIME_FORMAT")

    page = text_of(client.get(url))

    assert sentence.format(when=when) in page
    assert "m.." not in page


@pytest.mark.parametrize("query", ["", "?place=", "?role=patient"])
def test_people_without_a_place_leads_members_to_the_map(
    member_client, trusted, dfsp, dfsp_map, query
):
    url = reverse("atlas:people", args=[dfsp.slug]) + query

    response = member_client.get(url, follow=True)

    assert response.redirect_chain == [(map_url(dfsp), 302)]
    assert "To see who is in a place, choose a country on the map, then a place." in text_of(
        response
    )


def test_people_without_a_place_sends_others_to_the_public_map(
    client, member_client, dfsp, dfsp_map
):
    url = reverse("atlas:people", args=[dfsp.slug])

    outsider = member_client.get(url, follow=True)  # logged in, not in the community

    assert outsider.redirect_chain == [(map_url(dfsp), 302)]
    assert "choose a country on the map" not in text_of(outsider)
    assert client.get(url)["Location"] == f"/accounts/login/?next={url}"


def test_people_of_a_disease_that_does_not_exist_is_not_found(member_client, trusted):
    assert member_client.get("/d/no-such-disease/people/").status_code == 404
