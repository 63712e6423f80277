"""Community services: join, change role, leave, and the member counts they keep."""

import pytest

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role, RoleCount
from raremap.communities.selectors import membership_role_counts
from raremap.communities.services import membership_join, membership_leave, role_counts_recompute
from tests.factories import UserFactory


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


def test_counts_are_kept_per_role_and_demo(member: User, dfsp: Disease) -> None:
    demo = UserFactory(is_demo=True)
    membership_join(user=member, disease=dfsp, role=Role.PATIENT)
    membership_join(user=demo, disease=dfsp, role=Role.PATIENT)
    membership_join(user=member, disease=dfsp, role=Role.CAREGIVER)

    rows = set(RoleCount.objects.filter(disease=dfsp).values_list("role", "is_demo", "count"))

    assert rows == {("patient", False, 0), ("patient", True, 1), ("caregiver", False, 1)}


def test_recompute_agrees_with_the_kept_counts(member: User, dfsp: Disease) -> None:
    membership_join(user=member, disease=dfsp, role=Role.PATIENT)
    membership_join(user=UserFactory(), disease=dfsp, role=Role.RELATIVE)
    kept = membership_role_counts(dfsp)

    role_counts_recompute(disease_ids=[dfsp.pk])

    assert membership_role_counts(dfsp) == kept


@pytest.mark.usefixtures("dfsp")
def test_a_removed_member_is_not_counted(member: User, dfsp: Disease) -> None:
    membership_join(user=member, disease=dfsp, role=Role.PATIENT)
    User.objects.filter(pk=member.pk).update(is_active=False)
    role_counts_recompute(disease_ids=[dfsp.pk])  # what deactivating an account does

    assert membership_role_counts(dfsp)["total"] == 0


def test_an_inactive_members_role_change_counts_nobody(member: User, dfsp: Disease) -> None:
    membership_join(user=member, disease=dfsp, role=Role.PATIENT)
    membership_join(user=UserFactory(), disease=dfsp, role=Role.PATIENT)
    User.objects.filter(pk=member.pk).update(is_active=False)
    role_counts_recompute(disease_ids=[dfsp.pk])
    member.refresh_from_db()

    membership_join(user=member, disease=dfsp, role=Role.CAREGIVER)

    counts = membership_role_counts(dfsp)
    assert counts["total"] == 1
    role_counts_recompute(disease_ids=[dfsp.pk])
    assert membership_role_counts(dfsp) == counts
