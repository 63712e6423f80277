"""The counts in the page header (unread notifications, new messages), read with the member.

Apps that own something to count register it once (in their AppConfig.ready): a function that
takes an expression for the member's id and returns the queryset of what to count. The
session read (raremap.accounts.sessions) then selects every count in the same query as the
session and the member, so a member's page pays nothing more for its header; `nav_counts`
answers for a member who was not read that way (tests, API tokens).
"""

from collections.abc import Callable

from django.db.models import Expression, F, Func, IntegerField, OuterRef, QuerySet, Subquery

from raremap.accounts.models import User

CountQuery = Callable[[Expression], QuerySet]
_COUNTS: dict[str, CountQuery] = {}


def register(name: str, count: CountQuery) -> None:
    _COUNTS[name] = count


def names() -> tuple[str, ...]:
    return tuple(_COUNTS)


def _counted(queryset: QuerySet) -> Subquery:
    # COUNT(*) over the filtered rows, as a scalar subquery (no GROUP BY: one row, 0 if none).
    return Subquery(
        queryset.order_by().values(_n=Func(F("pk"), function="COUNT")).values("_n"),
        output_field=IntegerField(),
    )


def count_annotations(user_id: Expression) -> dict[str, Subquery]:
    """One subquery per registered count, for the member whose id `user_id` gives."""
    return {f"nav_{name}": _counted(count(user_id)) for name, count in _COUNTS.items()}


def nav_counts(user: User) -> dict[str, int]:
    """The header's counts for a member (0 for everyone else)."""
    if not user.is_authenticated:
        return dict.fromkeys(_COUNTS, 0)
    counts = getattr(user, "nav_counts", None)
    if counts is None:
        row = User.objects.filter(pk=user.pk).values(**count_annotations(OuterRef("pk"))).first()
        counts = {name: (row or {}).get(f"nav_{name}") or 0 for name in _COUNTS}
        user.nav_counts = counts  # type: ignore[attr-defined]
    return counts
