"""The shared cache: Django's file cache culled on some writes, not on all (the embedded site),
and Django's Redis cache without a new client per call (several app nodes).

Django's FileBasedCache lists its whole folder on every write to decide whether to cull it:
with 20,000 entries that listing took 114 ms here, on each page stored. This cache lists it
on one write in CULL_EVERY (chosen at random, so every process takes its share) — 0.6 ms a
write on average — and may hold up to a few hundred entries over MAX_ENTRIES meanwhile.
"""

import random
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

CULL_EVERY = 200

Value = TypeVar("Value")
_EVERY_COPIES: list["ProcessCopies[Any]"] = []


class ProcessCopies(Generic[Value]):
    """This process's copies of what it read from the shared cache, each until a time its
    caller gives, which is never past the shared entry's own end: every process serves what the
    shared cache holds, and a copy only saves reading it again (a read from Redis cost more
    than the rest of a cached page: docs/benchmarks.md). Only for entries that are never
    invalidated (they expire, or their key changes with their content).

    Bounded, also against a visitor who asks for many different addresses: `entries` copies of
    `largest` bytes at most. When full it is emptied whole, and rarely: simpler than an LRU,
    and safe between threads.
    """

    def __init__(self, *, entries: int, largest: int) -> None:
        self.entries = entries
        self.largest = largest
        self._copies: dict[str, tuple[float, Value]] = {}
        _EVERY_COPIES.append(self)

    def get(self, key: str, now: float) -> Value | None:
        kept = self._copies.get(key)
        if kept is None or kept[0] <= now:
            return None
        return kept[1]

    def put(self, key: str, value: Value, *, until: float, size: int) -> None:
        if size > self.largest:
            return
        if len(self._copies) >= self.entries:
            self._copies.clear()
        self._copies[key] = (until, value)

    def read(
        self, key: str, seconds: int, make: Callable[[], Value], size: Callable[[Value], int]
    ) -> Value:
        """The shared entry under `key`, which must change with its content: made by `make` and
        stored for `seconds` when missing, copied here until the shared entry's end (the
        shared cache holds it with that time)."""
        now = time.time()
        value = self.get(key, now)
        if value is None:
            stored: tuple[float, Value] | None = cache.get(key)
            if stored is None:
                stored = (now + seconds, make())
                cache.set(key, stored, seconds)
            expires, value = stored
            self.put(key, value, until=expires, size=size(value))
        return value

    def __len__(self) -> int:
        return len(self._copies)


def forget_process_copies() -> None:
    """Empty this process's copies (tests; the shared cache empties itself by expiry)."""
    for copies in _EVERY_COPIES:
        copies._copies.clear()


class FileCache(FileBasedCache):
    def _cull(self) -> None:
        if random.randrange(CULL_EVERY) == 0:  # a share of the work, not a secret
            super()._cull()


class _RedisClient(RedisCacheClient):
    """Django's Redis client builds a `redis.Redis` for every call: 250 µs with redis-py 8
    (its response callbacks are set up anew), several times the command itself. One per pool
    serves every thread (commands take a connection from the pool), so it is kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with one client per connection pool (see _RedisClient)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _RedisClient
