"""The shared caches: Redis with one client per connection pool."""

import threading

import pytest

from raremap.core.cache import RedisCache
from tests.conftest import REDIS_TEST_URL, redis_reachable


@pytest.fixture
def store() -> RedisCache:
    if not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    store = RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": "test-cache-client"})
    yield store
    store.delete_many([f"key-{n}" for n in range(20)])


def test_the_redis_client_is_made_once_per_pool(store: RedisCache) -> None:
    first = store._cache.get_client(write=True)

    store.set("key-0", {"counts": [1, 2]}, 60)

    assert store._cache.get_client("key-0") is first
    assert store.get("key-0") == {"counts": [1, 2]}


def test_threads_share_the_client_and_each_reads_its_own_value(store: RedisCache) -> None:
    read: dict[int, object] = {}

    def one(n: int) -> None:
        store.set(f"key-{n}", n * 10, 60)
        read[n] = store.get(f"key-{n}")

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert read == {n: n * 10 for n in range(20)}
