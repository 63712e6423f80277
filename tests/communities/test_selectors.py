"""Community reads: role counts (cached, by language) and a member's communities."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.translation import trans_real
from pytest_django import DjangoAssertNumQueries

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from raremap.communities.selectors import (
    _role_labels,
    membership_get,
    membership_list_for_user,
    membership_role_counts,
)
from tests.factories import MembershipFactory, UserFactory
from tests.rows import values_of


def test_role_counts_have_every_role_in_order(dfsp: Disease) -> None:
    MembershipFactory(disease=dfsp, role=Role.RESEARCHER)
    MembershipFactory(disease=dfsp, role=Role.PATIENT, user=UserFactory(is_demo=True))

    counts = membership_role_counts(dfsp)

    assert counts == {
        "total": 2,
        "demo": 1,
        "roles": [
            {"role": "patient", "label": "Person with the disease", "count": 1},
            {"role": "relative", "label": "Relative or friend", "count": 0},
            {"role": "caregiver", "label": "Caregiver", "count": 0},
            {"role": "organisation", "label": "Organisation", "count": 0},
            {"role": "adviser", "label": "Adviser (volunteers to be contacted)", "count": 0},
            {"role": "professional", "label": "Healthcare professional", "count": 0},
            {"role": "researcher", "label": "Researcher", "count": 1},
        ],
    }


@pytest.mark.parametrize("members", [1, 30])
def test_role_counts_read_the_kept_counts_in_one_query(
    dfsp: Disease, django_assert_num_queries: DjangoAssertNumQueries, members: int
) -> None:
    for _ in range(members):
        MembershipFactory(disease=dfsp)

    with django_assert_num_queries(1):
        counts = membership_role_counts(dfsp)

    assert counts["total"] == members


@pytest.fixture
def spanish_caregiver() -> Iterator[None]:
    """One Spanish translation, whatever the state of the compiled catalog."""
    catalog = trans_real.translation("es")._catalog._catalogs[0]
    before = catalog.get("Caregiver")
    catalog["Caregiver"] = "Cuidador o cuidadora"
    _role_labels.cache_clear()  # labels are remembered per language and process
    yield
    if before is None:
        del catalog["Caregiver"]
    else:
        catalog["Caregiver"] = before
    _role_labels.cache_clear()


@pytest.mark.usefixtures("spanish_caregiver")
def test_cached_counts_are_labelled_in_the_language_of_each_request(dfsp: Disease) -> None:
    def caregiver_label() -> str:
        return membership_role_counts(dfsp)["roles"][2]["label"]

    with translation.override("es"):
        first = caregiver_label()  # fills the cache while Spanish is active
    with translation.override("en"):
        english = caregiver_label()
    with translation.override("es"):
        spanish = caregiver_label()

    assert (first, english, spanish) == (
        "Cuidador o cuidadora",
        "Caregiver",
        "Cuidador o cuidadora",
    )


def test_membership_get_for_anonymous_is_none(dfsp: Disease) -> None:
    MembershipFactory(disease=dfsp)

    assert membership_get(AnonymousUser(), dfsp) is None


def test_membership_get_finds_only_ones_own(
    member: User, other_member: User, dfsp: Disease
) -> None:
    mine = MembershipFactory(user=member, disease=dfsp)

    assert (membership_get(member, dfsp), membership_get(other_member, dfsp)) == (mine, None)


def test_membership_get_reads_what_the_orm_reads(
    member: User, other_member: User, dfsp: Disease
) -> None:
    """membership_get is written out in SQL; the ORM query it stands for gives the same."""
    MembershipFactory(user=member, disease=dfsp, role=Role.CAREGIVER)
    MembershipFactory(user=other_member, disease=Disease.objects.exclude(pk=dfsp.pk).first())

    for user in (member, other_member):
        orm = Membership.objects.filter(user=user, disease=dfsp).first()
        assert values_of(membership_get(user, dfsp)) == values_of(orm)
    assert values_of(membership_get(member, dfsp))[3] == ("role", "caregiver", str)


def test_membership_list_is_ordered_by_disease_name(member: User) -> None:
    diseases = list(Disease.objects.order_by("-name")[:3])
    for disease in diseases:
        MembershipFactory(user=member, disease=disease)

    listed = [m.disease.name for m in membership_list_for_user(member)]

    assert listed == sorted(d.name for d in diseases)
