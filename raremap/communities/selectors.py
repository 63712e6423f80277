"""Community reads: memberships and member counts."""

from django.core.cache import cache
from django.db.models import Count

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role

ROLE_COUNTS_SECONDS = 60


def membership_get(user: User, disease: Disease) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, disease=disease).first()


def membership_role_counts(disease: Disease) -> dict:
    """Members of a community by role, with the demo share; cached for a minute.

    Counts only, never who: safe for anonymous visitors.
    """
    key = f"community:role-counts:{disease.pk}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            Membership.objects.filter(disease=disease, user__is_active=True)
            .values("role", "user__is_demo")
            .annotate(n=Count("id"))
        )
        by_role = {role: 0 for role in Role.values}
        demo = 0
        for row in rows:
            by_role[row["role"]] += row["n"]
            if row["user__is_demo"]:
                demo += row["n"]
        counts = {
            "total": sum(by_role.values()),
            "demo": demo,
            "roles": [
                {"role": role, "label": str(Role(role).label), "count": by_role[role]}
                for role in Role.values
            ],
        }
        cache.set(key, counts, ROLE_COUNTS_SECONDS)
    return counts


def membership_list_for_user(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("disease").order_by("disease__name")
    )
