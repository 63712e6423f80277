"""Test doubles for the network boundary (the only things our tests mock)."""

from django.core.cache.backends.base import BaseCache


class BrokenCache(BaseCache):
    """A cache whose server is down: every call raises, as the Redis backend does."""

    def __init__(self) -> None:
        super().__init__({})

    def _down(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError("cache server unavailable")

    add = get = set = incr = delete = touch = has_key = clear = _down
