"""Throttling: fixed windows counted where every process counts, one helper for every write.

`throttle_hit` counts an attempt and says whether it is still allowed; `throttled` wraps a view
and answers 429 with Retry-After when the limit is reached. A limit must hold however many
processes and machines serve the site, so attempts are counted in a store they all share:
Redis (an atomic INCR) when REDIS_URL is set, else the database (one INSERT … ON CONFLICT DO
UPDATE … RETURNING statement on a `LimitCount` row). When the store fails, log-in style limits
refuse (`fail_open=False`) and the others let the attempt through.
"""

import hashlib
import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from raremap.core.models import LimitCount

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    seconds: int


def client_ip(request: HttpRequest) -> str:
    """The client address, IPv6 counted per /64 (one host usually has a whole /64).

    Behind our own reverse proxy (BEHIND_PROXY), the client is the address the proxy appended
    last to X-Forwarded-For; earlier entries come from the client and are not trusted.
    """
    raw = request.META.get("REMOTE_ADDR", "") or "unknown"
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            raw = forwarded.split(",")[-1].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6 and address.ipv4_mapped:  # an IPv4 client on a dual-stack socket
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _cache_key(limit: Limit, who: str, window: int) -> str:
    return f"throttle:{limit.scope}:{window}:{who}"


def _count_in_cache(limit: Limit, who: str, window: int) -> int:
    key = _cache_key(limit, who, window)
    cache.add(key, 0, limit.seconds + 1)
    return cache.incr(key)  # atomic in Redis: every node adds to the same number


# One statement counts an attempt and says how many there were: the window's row is made with
# 1 or has 1 added, atomically in both databases, whatever other processes do at the same time
# (an UPDATE followed by a SELECT could read another process's attempt and refuse both).
COUNT_SQL = """
INSERT INTO core_limitcount (scope, who, period, count, expires_at)
VALUES (%s, %s, %s, 1, %s)
ON CONFLICT (scope, who, period) DO UPDATE SET count = core_limitcount.count + 1
RETURNING count
"""


def _count_in_database(limit: Limit, who: str, window: int) -> int:
    expires = connection.ops.adapt_datetimefield_value(_when((window + 1) * limit.seconds))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, [limit.scope, who, window, expires])
        (used,) = cursor.fetchone()
        if used == 1:  # the window's first attempt: the rows of windows that have passed go
            LimitCount.objects.filter(expires_at__lt=_when(time.time())).delete()
    return used


def throttle_hit(limit: Limit, key: str, *, fail_open: bool = True) -> int:
    """Count one attempt for `key`; return 0 if allowed, else the seconds until it is."""
    window = int(time.time() // limit.seconds)
    count = _count_in_cache if settings.REDIS_URL else _count_in_database
    try:
        used = count(limit, _digest(key), window)
    except Exception:  # the store is down: log-in style limits refuse, others let through
        logger.warning("throttle store unavailable for %s", limit.scope)
        return 0 if fail_open else limit.seconds
    if used > limit.count:
        return limit.seconds - int(time.time()) % limit.seconds
    return 0


def throttle_reset(limit: Limit, key: str) -> None:
    """Forget the attempts of `key` in the current window (after a successful log-in)."""
    window = int(time.time() // limit.seconds)
    who = _digest(key)
    try:
        if settings.REDIS_URL:
            cache.delete(_cache_key(limit, who, window))
        else:
            LimitCount.objects.filter(scope=limit.scope, who=who, period=window).delete()
    except Exception:  # the store is down: the count ends with its window
        logger.warning("throttle store unavailable for %s", limit.scope)


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "core/429.html",
        {"message": _("Too many attempts. Please wait a little and try again.")},
        status=429,
    )
    response["Retry-After"] = str(max(retry_after, 1))
    return response


def throttled(
    *limits: Limit, methods: tuple[str, ...] = ("POST",), fail_open: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Limit a view per client address (and per member when logged in) for `methods`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method in methods:
                who = client_ip(request)
                if request.user.is_authenticated:
                    who = f"user:{request.user.pk}"
                for limit in limits:
                    retry = throttle_hit(limit, who, fail_open=fail_open)
                    if retry:
                        return too_many_requests(request, retry)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
