"""Community reads: memberships and member counts."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Sum
from django.utils.translation import get_language, override

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import CLAIMED_ROLES, Membership, Role, RoleCount, RoleVerification

# Every member's disease, question, treatments and map page reads the membership: written out
# in SQL, as the ORM takes ten times longer to build the query than to run it
# (docs/architecture.md). tests/communities/test_selectors.py compares it with the ORM.
MEMBERSHIP_SQL = "SELECT * FROM communities_membership WHERE user_id = %s AND disease_id = %s"


def membership_get(user: User, disease: Disease) -> Membership | None:
    if not user.is_authenticated:
        return None
    return next(iter(Membership.objects.raw(MEMBERSHIP_SQL, [user.pk, disease.pk])), None)


COUNTS_SECONDS = 10 * 60
LARGEST_LIMIT = 12  # communities whose order is cached: a few more than a page shows


@lru_cache(maxsize=16)
def _role_labels(language: str) -> tuple[tuple[str, str], ...]:
    with override(language):
        return tuple((role, str(Role(role).label)) for role in Role.values)


def counts_cache_key(disease_id: int) -> str:
    return f"communities:counts:{disease_id}"


def membership_role_counts(disease: Disease, *, cached: list | None = None) -> dict:
    """Members of a community by role, with the demo share, from the kept counts.

    Counts only, never who: safe for anonymous visitors. Labels are in the request's language.
    The rows are cached per disease (`counts_cache_key`; `cached`: what a caller read from it
    together with other entries); the membership services forget them when they change.
    """
    rows = cached if cached is not None else cache.get(counts_cache_key(disease.pk))
    if rows is None:
        rows = list(RoleCount.objects.filter(disease=disease).values("role", "is_demo", "count"))
        cache.set(counts_cache_key(disease.pk), rows, COUNTS_SECONDS)
    by_role = dict.fromkeys(Role.values, 0)
    demo = 0
    for row in rows:
        by_role[row["role"]] += row["count"]
        if row["is_demo"]:
            demo += row["count"]
    return {
        "total": sum(by_role.values()),
        "demo": demo,
        "roles": [
            {"role": role, "label": label, "count": by_role[role]}
            for role, label in _role_labels(get_language())
        ],
    }


@dataclass(frozen=True)
class CommunitySize:
    """A community and its members, as its disease page counts them."""

    disease: Disease  # slug, names and abbreviation only
    total: int
    demo: int  # demo members among them


LARGEST_KEY = "communities:largest:2"  # 2: rows hold the names in other languages
LARGEST_SECONDS = 10 * 60


def community_list_largest(*, limit: int = 6) -> list[CommunitySize]:
    """The communities with the most members, largest first (demo members counted, and said).

    Which communities: read from the kept counts and cached for LARGEST_SECONDS (the order may
    lag that long). Their numbers: `membership_role_counts`, the disease page's own, so the
    two pages never show different counts for one community."""
    rows: list[tuple[int, str, str, str, dict[str, str]]] | None = cache.get(LARGEST_KEY)
    if rows is None:
        ranked = list(
            RoleCount.objects.values("disease_id")
            .annotate(n=Sum("count"))
            .filter(n__gt=0)
            .order_by("-n", "disease_id")
            .values_list("disease_id", flat=True)[:LARGEST_LIMIT]
        )
        names = Disease.objects.only("slug", "name", "abbreviation", "local_names").in_bulk(ranked)
        rows = [
            (pk, names[pk].slug, names[pk].name, names[pk].abbreviation, names[pk].local_names)
            for pk in ranked
            if pk in names
        ]
        cache.set(LARGEST_KEY, rows, LARGEST_SECONDS)
    sizes = []
    for pk, slug, name, abbreviation, local_names in rows:
        disease = Disease(
            pk=pk, slug=slug, name=name, abbreviation=abbreviation, local_names=local_names
        )
        counts = membership_role_counts(disease)
        if counts["total"]:  # the last members left after the order was cached
            sizes.append(CommunitySize(disease, counts["total"], counts["demo"]))
    sizes.sort(key=lambda size: (-size.total, size.disease.name))
    return sizes[:limit]


def membership_demo_exists() -> bool:
    """Whether the site counts demo members anywhere (one read of the small counts table): pages
    that add up what members did say that the numbers include the demo community."""
    return RoleCount.objects.filter(is_demo=True, count__gt=0).exists()


def membership_list_for_user(user: User) -> list[Membership]:
    """The member's communities, each with its `role_standing` (verified or self-declared)."""
    return mark_role_standing(
        list(
            Membership.objects.filter(user=user).select_related("disease").order_by("disease__name")
        )
    )


def mark_role_standing(memberships: list[Membership]) -> list[Membership]:
    """Set `role_standing` on each membership ("verified", "self-declared" or ""): one query."""
    verified = verified_roles(m.user_id for m in memberships if m.role in CLAIMED_ROLES)
    for m in memberships:
        m.role_standing = role_standing(m.role, (m.user_id, m.role) in verified)  # type: ignore[attr-defined]
    return memberships


def role_standing(role: str, verified: bool) -> str:
    """How a role is shown: "verified" or "self-declared" for a claimed role, "" for others."""
    if role not in CLAIMED_ROLES:
        return ""
    return "verified" if verified else "self-declared"


def verified_roles(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(member, role) pairs a moderator has verified and not revoked, among these members."""
    ids = set(user_ids)
    if not ids:
        return set()
    return set(
        RoleVerification.objects.filter(user__in=ids, revoked_at=None).values_list("user", "role")
    )


def is_verified(user: User, role: str) -> bool:
    return bool(
        user.is_authenticated
        and RoleVerification.objects.filter(user=user, role=role, revoked_at=None).exists()
    )


def role_claims(*, limit: int = 200) -> list[Membership]:
    """Memberships in a claimed role whose role no moderator has verified, newest first: what
    the moderators' verification page lists (one row per member and role)."""
    verified = RoleVerification.objects.filter(
        user=OuterRef("user"), role=OuterRef("role"), revoked_at=None
    )
    rows = (
        Membership.objects.filter(role__in=CLAIMED_ROLES, user__is_active=True, user__is_demo=False)
        .exclude(Exists(verified))
        .select_related("user", "disease")
        .order_by("-joined_at")[: limit * 4]
    )
    claims: dict[tuple[int, str], Membership] = {}
    for membership in rows:
        claims.setdefault((membership.user_id, membership.role), membership)
    return list(claims.values())[:limit]


def role_verifications(*, limit: int = 200) -> list[RoleVerification]:
    """Verifications in force, newest first (moderators revoke them from this list)."""
    return list(
        RoleVerification.objects.filter(revoked_at=None)
        .select_related("user", "verified_by")
        .order_by("-verified_at")[:limit]
    )
