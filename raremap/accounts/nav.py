"""The counts in the page header (unread notifications, new messages).

Apps that own something to count register, once (in their AppConfig.ready), a function that
reads their counts for a member's id in one query and returns them by name. A member's counts
are read the first time a page asks for them and kept on the member for the request.
"""

from collections.abc import Callable

from raremap.accounts.models import User

CountsRead = Callable[[int], dict[str, int]]
_READS: list[CountsRead] = []


def register(read: CountsRead) -> None:
    _READS.append(read)


def nav_counts(user: User) -> dict[str, int]:
    """The header's counts for a member ({} for everyone else)."""
    if not user.is_authenticated:
        return {}
    counts = getattr(user, "nav_counts", None)
    if counts is None:
        counts = {}
        for read in _READS:
            counts |= read(user.pk)
        user.nav_counts = counts  # type: ignore[attr-defined]
    return counts
