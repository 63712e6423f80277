"""The kept disease page (raremap.catalog.fragments, raremap.core.shell): rendered once for
everyone, it shows each viewer only their own community card, header and CSRF token, and a
change of the community's counts makes a new one."""

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities import services
from raremap.communities.models import Role
from tests.factories import MembershipFactory
from tests.kept import (
    NO_PAGE_CACHE,
    account_links,
    assert_csrf_of,
    assert_no_csrf_of,
    count_renders,
    csrf_secret,
    csrf_tokens,
    spy_cache_reads,
)

pytestmark = pytest.mark.django_db

PAGE = "/d/dermatofibrosarcoma-protuberans/"


def test_one_kept_page_shows_each_viewer_only_their_own_community_card(
    member_client: Client,
    other_client: Client,
    client: Client,
    member: User,
    dfsp: Disease,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A (a member, as a relative), B (logged in, not a member), a visitor and A again."""
    MembershipFactory(user=member, disease=dfsp, role=Role.RELATIVE)
    renders = count_renders(monkeypatch, "raremap.catalog.fragments")

    page_a = member_client.get(PAGE).content.decode()
    page_b = other_client.get(PAGE).content.decode()
    anonymous = client.get(PAGE, headers=NO_PAGE_CACHE).content.decode()
    again_a = member_client.get(PAGE).content.decode()

    assert renders.templates == ["catalog/disease_detail.html"]
    assert "You are a member as: Relative or friend." in page_a
    assert '<option value="relative" selected>' in page_a
    assert "Leave this community" in page_a
    assert "You are a member as" not in page_b + anonymous
    assert "I am a…" in page_b
    assert "Leave this community" not in page_b
    assert "I am a…" not in anonymous
    assert f'href="/accounts/signup/?next={PAGE}"' in anonymous
    assert "Quiet Heron" in account_links(page_a)
    assert "Brisk Otter" in account_links(page_b)
    assert "Quiet Heron" not in page_b + anonymous
    tokens_a = assert_csrf_of(page_a, member_client)
    tokens_b = assert_csrf_of(page_b, other_client)
    assert (len(tokens_a), len(tokens_b)) == (3, 2)  # log-out; change role, leave | join
    assert_no_csrf_of(page_b, tokens_a, csrf_secret(member_client))
    assert_no_csrf_of(again_a, tokens_b, csrf_secret(other_client))
    assert csrf_tokens(anonymous) == []
    assert_csrf_of(again_a, member_client)


def test_a_new_member_makes_a_new_kept_page(
    member_client: Client, client: Client, member: User, dfsp: Disease
) -> None:
    before = client.get(PAGE, headers=NO_PAGE_CACHE).content.decode()

    services.membership_join(user=member, disease=dfsp, role=Role.PATIENT)

    after = client.get(PAGE, headers=NO_PAGE_CACHE).content.decode()
    mine = member_client.get(PAGE).content.decode()
    assert "0 members" in before
    assert "1 member" in after
    assert "Person with the disease" in after
    assert "You are a member as: Person with the disease." in mine


def test_the_disease_page_reads_its_community_counts_in_one_round_trip(
    member_client: Client, member: User, dfsp: Disease, monkeypatch: pytest.MonkeyPatch
) -> None:
    from raremap.communities.selectors import counts_cache_key
    from raremap.questions.selectors import question_rows_cache_key

    MembershipFactory(user=member, disease=dfsp)
    assert member_client.get(PAGE).status_code == 200  # the counts are cached now
    reads = spy_cache_reads(monkeypatch)

    page = member_client.get(PAGE)

    assert page.status_code == 200
    assert len(reads.many) == 1
    wanted = {counts_cache_key(dfsp.pk), question_rows_cache_key(dfsp.pk)}
    assert wanted <= reads.many[0]
    assert wanted.isdisjoint(reads.alone)
