"""The shared cache: Django's file cache culled on some writes, not on all (the embedded site),
and Django's Redis cache without a new client per call (several app nodes).

Django's FileBasedCache lists its whole folder on every write to decide whether to cull it:
with 20,000 entries that listing took 114 ms here, on each page stored. This cache lists it
on one write in CULL_EVERY (chosen at random, so every process takes its share) — 0.6 ms a
write on average — and may hold up to a few hundred entries over MAX_ENTRIES meanwhile.
"""

import random
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

CULL_EVERY = 200


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
