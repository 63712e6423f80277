"""Community reads: memberships and member counts."""

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role, RoleCount


def membership_get(user: User, disease: Disease) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, disease=disease).first()


def membership_role_counts(disease: Disease) -> dict:
    """Members of a community by role, with the demo share, from the kept counts.

    Counts only, never who: safe for anonymous visitors. Labels are in the request's language.
    """
    by_role = dict.fromkeys(Role.values, 0)
    demo = 0
    for row in RoleCount.objects.filter(disease=disease).values("role", "is_demo", "count"):
        by_role[row["role"]] += row["count"]
        if row["is_demo"]:
            demo += row["count"]
    return {
        "total": sum(by_role.values()),
        "demo": demo,
        "roles": [
            {"role": role, "label": str(Role(role).label), "count": by_role[role]}
            for role in Role.values
        ],
    }


def membership_list_for_user(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("disease").order_by("disease__name")
    )
