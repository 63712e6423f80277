"""The k rule over generated maps (hypothesis): the privacy properties of docs/map.md."""

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from raremap.atlas.generalise import OTHER, Chosen, cell_counts, publish, suppress_small

# A small world: 2 countries (1, 2), each with 2 regions (11, 12 / 21, 22), each with 2 cities
# (111, 112, …), and one city hanging straight from each country (101 / 201: region unknown).
REGIONS = {1: [11, 12], 2: [21, 22]}
CITIES = {11: [111, 112], 12: [121, 122], 21: [211, 212], 22: [221, 222]}
LOOSE_CITY = {1: 101, 2: 201}


@st.composite
def choices(draw: st.DrawFn) -> tuple[int | None, int | None, int]:
    """(region, city, country) as a member may choose them, at any precision."""
    country = draw(st.sampled_from([1, 2]))
    precision = draw(st.sampled_from(["country", "region", "city", "loose city"]))
    if precision == "country":
        return None, None, country
    region = draw(st.sampled_from(REGIONS[country]))
    if precision == "region":
        return region, None, country
    if precision == "loose city":
        return None, LOOSE_CITY[country], country
    return region, draw(st.sampled_from(CITIES[region])), country


maps = st.lists(choices(), max_size=60).map(
    lambda rows: [Chosen(i, country=c, region=r, city=t) for i, (r, t, c) in enumerate(rows)]
)
ks = st.integers(min_value=1, max_value=7)


def chain(entry: Chosen) -> list[int]:
    return [p for p in (entry.city, entry.region, entry.country) if p is not None]


@settings(max_examples=300, deadline=None)
@given(maps, ks)
def test_every_published_place_holds_at_least_k_members(entries, k):
    for place, count in cell_counts(publish(entries, k)).items():
        assert count >= k, place


@settings(max_examples=300, deadline=None)
@given(maps, ks)
def test_a_member_is_shown_only_at_a_place_they_chose_or_a_coarser_one(entries, k):
    published = publish(entries, k)
    assert set(published) == {e.entry_id for e in entries}
    for entry in entries:
        assert published[entry.entry_id] in [*chain(entry), None]


@settings(max_examples=300, deadline=None)
@given(maps, ks)
def test_the_chosen_place_is_kept_when_k_members_chose_it(entries, k):
    published = publish(entries, k)
    chose = Counter(chain(e)[0] for e in entries)
    for entry in entries:
        if chose[chain(entry)[0]] >= k:
            assert published[entry.entry_id] == chain(entry)[0]


@settings(max_examples=300, deadline=None)
@given(maps, ks)
def test_members_who_chose_the_same_places_get_the_same_result(entries, k):
    published = publish(entries, k)
    by_choice: dict[tuple, set] = {}
    for entry in entries:
        key = (entry.country, entry.region, entry.city)
        by_choice.setdefault(key, set()).add(published[entry.entry_id])
    assert all(len(results) == 1 for results in by_choice.values())


@settings(max_examples=200, deadline=None)
@given(maps, ks, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_order_or_ids(entries, k, rnd: random.Random):
    published = publish(entries, k)
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    renumbered = [
        Chosen(1000 + e.entry_id, country=e.country, region=e.region, city=e.city) for e in shuffled
    ]
    again = publish(renumbered, k)
    assert {e: again[1000 + e] for e in published} == published


def test_a_city_below_k_moves_up_and_a_country_below_k_is_not_shown():
    lyon = [Chosen(i, country=1, region=11, city=111) for i in range(3)]
    region = [Chosen(10 + i, country=1, region=11) for i in range(2)]
    paris = [Chosen(20 + i, country=1, region=12, city=121) for i in range(5)]
    lonely = [Chosen(30, country=2, region=21, city=211)]
    published = publish(lyon + region + paris + lonely, 5)
    assert {published[e.entry_id] for e in lyon + region} == {11}  # 3 + 2 share the region
    assert {published[e.entry_id] for e in paris} == {121}
    assert published[30] is None


group_counts = st.dictionaries(
    st.sampled_from(["patient", "relative", "caregiver", "adviser", "researcher"]),
    st.integers(min_value=0, max_value=20),
)


@settings(max_examples=500, deadline=None)
@given(group_counts, ks)
def test_role_counts_shown_are_at_least_k_and_none_can_be_derived(counts, k):
    rows = suppress_small(counts, k)
    total = sum(counts.values())
    for _group, n in rows:
        assert n >= k
    if total < k:  # a published map never has fewer than k members; nothing is shown
        assert rows == []
        return
    assert sum(n for _group, n in rows) == total
    shown = {group for group, _n in rows if group != OTHER}
    hidden = [group for group, n in counts.items() if n > 0 and group not in shown]
    # Hidden groups are either none, or at least two behind one "other" count: subtracting
    # the shown counts from the total gives their sum, never one of them.
    assert len(hidden) != 1
    assert all(counts[group] >= k for group in shown)


def test_role_counts_worked_example():
    # researcher (2) alone would be derivable as total − shown: the smallest shown joins it.
    assert suppress_small({"patient": 10, "relative": 6, "researcher": 2}, 5) == [
        ("patient", 10),
        (OTHER, 8),
    ]
    assert suppress_small({"patient": 10, "relative": 6}, 5) == [("patient", 10), ("relative", 6)]
