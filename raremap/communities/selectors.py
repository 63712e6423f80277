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
    """Members of a community by role, with the demo share; the numbers cached for a minute.

    Counts only, never who: safe for anonymous visitors. Labels are added after the cache,
    in the language of the request (one cached entry serves every language).
    """
    key = f"community:role-counts:{disease.pk}"  # services and demo.py delete it on change
    cached = cache.get(key)
    if cached is None:
        rows = (
            Membership.objects.filter(disease=disease, user__is_active=True)
            .values("role", "user__is_demo")
            .annotate(n=Count("id"))
        )
        by_role = dict.fromkeys(Role.values, 0)
        demo = 0
        for row in rows:
            by_role[row["role"]] += row["n"]  # the database allows only Role values
            if row["user__is_demo"]:
                demo += row["n"]
        cached = {"by_role": by_role, "demo": demo}
        cache.set(key, cached, ROLE_COUNTS_SECONDS)
    by_role = cached["by_role"]
    return {
        "total": sum(by_role.values()),
        "demo": cached["demo"],
        "roles": [
            {"role": role, "label": str(Role(role).label), "count": by_role[role]}
            for role in Role.values
        ],
    }


def membership_list_for_user(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("disease").order_by("disease__name")
    )
