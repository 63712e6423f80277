"""The database keeps one membership per member and disease, with a known role."""

import pytest
from django.db import IntegrityError, transaction

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role


def test_one_membership_per_member_and_disease(member: User, dfsp: Disease) -> None:
    Membership.objects.create(user=member, disease=dfsp, role=Role.PATIENT)

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=member, disease=dfsp, role=Role.RELATIVE)

    assert list(Membership.objects.filter(user=member).values_list("role", flat=True)) == [
        "patient"
    ]


def test_same_member_may_join_another_disease(member: User, dfsp: Disease) -> None:
    other = Disease.objects.exclude(pk=dfsp.pk).order_by("pk").first()
    Membership.objects.create(user=member, disease=dfsp, role=Role.PATIENT)

    Membership.objects.create(user=member, disease=other, role=Role.RESEARCHER)

    assert Membership.objects.filter(user=member).count() == 2


@pytest.mark.parametrize("role", ["", "king", "Patient"])
def test_unknown_role_is_refused_by_the_database(member: User, dfsp: Disease, role: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=member, disease=dfsp, role=role)

    assert Membership.objects.count() == 0


def test_memberships_go_with_the_account(member: User, dfsp: Disease) -> None:
    Membership.objects.create(user=member, disease=dfsp, role=Role.PATIENT)

    member.delete()

    assert Membership.objects.count() == 0
