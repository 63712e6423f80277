"""Community services: join, change role, leave, and the counts they invalidate."""

import pytest
from django.core.cache import cache

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from raremap.communities.selectors import membership_role_counts
from raremap.communities.services import membership_join, membership_leave


def by_role(disease: Disease) -> dict[str, int]:
    return {
        row["role"]: row["count"]
        for row in membership_role_counts(disease)["roles"]
        if row["count"]
    }


def test_join_creates_one_membership(member: User, dfsp: Disease) -> None:
    membership = membership_join(user=member, disease=dfsp, role=Role.ADVISER)

    assert (membership.user, membership.disease, membership.role) == (member, dfsp, "adviser")
    assert Membership.objects.count() == 1


def test_join_again_changes_the_role_of_the_same_row(member: User, dfsp: Disease) -> None:
    first = membership_join(user=member, disease=dfsp, role=Role.PATIENT)

    second = membership_join(user=member, disease=dfsp, role=Role.CAREGIVER)

    assert (second.pk, Membership.objects.get().role) == (first.pk, "caregiver")


def test_leave_says_whether_there_was_a_membership(member: User, dfsp: Disease) -> None:
    membership_join(user=member, disease=dfsp, role=Role.PATIENT)

    assert [
        membership_leave(user=member, disease=dfsp),
        membership_leave(user=member, disease=dfsp),
    ] == [True, False]
    assert Membership.objects.count() == 0


def test_join_change_and_leave_refresh_the_cached_counts(member: User, dfsp: Disease) -> None:
    assert by_role(dfsp) == {}  # now cached

    membership_join(user=member, disease=dfsp, role=Role.PATIENT)
    after_join = by_role(dfsp)
    membership_join(user=member, disease=dfsp, role=Role.RELATIVE)
    after_change = by_role(dfsp)
    membership_leave(user=member, disease=dfsp)

    assert (after_join, after_change, by_role(dfsp)) == ({"patient": 1}, {"relative": 1}, {})


def test_counts_of_other_diseases_stay_cached(member: User, dfsp: Disease) -> None:
    other = Disease.objects.exclude(pk=dfsp.pk).order_by("pk").first()
    membership_role_counts(other)

    membership_join(user=member, disease=dfsp, role=Role.PATIENT)

    assert cache.get(f"community:role-counts:{other.pk}") is not None
    assert cache.get(f"community:role-counts:{dfsp.pk}") is None


@pytest.mark.usefixtures("dfsp")
def test_a_removed_member_is_not_counted(member: User, dfsp: Disease) -> None:
    membership_join(user=member, disease=dfsp, role=Role.PATIENT)
    User.objects.filter(pk=member.pk).update(is_active=False)
    cache.clear()

    assert membership_role_counts(dfsp)["total"] == 0
