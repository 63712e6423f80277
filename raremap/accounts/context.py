"""Context processor: the header's counts (raremap.accounts.nav), asked for only when shown."""

from functools import cache, partial

from django.http import HttpRequest

from raremap.accounts.nav import nav_counts


def nav(request: HttpRequest) -> dict[str, object]:
    counts = cache(partial(nav_counts, request.user))
    return {"nav_count": lambda name: counts()[name]}
