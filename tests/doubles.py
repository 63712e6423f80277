"""Test doubles for the network boundary (the only things our tests mock)."""

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache


class BrokenCache(BaseCache):
    """A cache whose server is down: every call raises, as the Redis backend does."""

    def __init__(self) -> None:
        super().__init__({})

    def _down(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError("cache server unavailable")

    add = get = set = incr = delete = touch = has_key = clear = _down


def unreachable_redis() -> RedisCache:
    """A Redis cache whose server is not there (nothing listens on port 1): every call fails
    as it does when the shared store is down."""
    return RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
