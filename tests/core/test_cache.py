"""The shared caches: Redis with one client per connection pool."""

import threading

import pytest

from raremap.core.cache import ProcessCopies, RedisCache, forget_process_copies
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


# Each process's copies of what it read from the shared cache (ProcessCopies)


def test_a_copy_is_kept_until_the_time_it_was_given() -> None:
    copies: ProcessCopies[str] = ProcessCopies(entries=10, largest=100)

    copies.put("page", "the page", until=1_000.0, size=8)

    assert copies.get("page", 999.9) == "the page"
    assert copies.get("page", 1_000.0) is None
    assert copies.get("other", 0.0) is None


def test_copies_are_bounded_in_number_and_size() -> None:
    copies: ProcessCopies[str] = ProcessCopies(entries=3, largest=100)

    copies.put("large", "x" * 101, until=10.0, size=101)
    assert len(copies) == 0  # too large to keep
    for n in range(7):
        copies.put(f"page-{n}", "a page", until=10.0, size=6)
        assert 1 <= len(copies) <= 3
    assert copies.get("page-6", 0.0) == "a page"


def test_forgetting_empties_every_process_copy() -> None:
    first: ProcessCopies[int] = ProcessCopies(entries=3, largest=10)
    second: ProcessCopies[int] = ProcessCopies(entries=3, largest=10)
    first.put("a", 1, until=10.0, size=1)
    second.put("b", 2, until=10.0, size=1)

    forget_process_copies()

    assert first.get("a", 0.0) is None
    assert second.get("b", 0.0) is None
