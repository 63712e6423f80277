"""Which shared cache for the embedded site: files, or Django's database cache on SQLite.

    .venv/bin/python bench/cache_store.py [--rounds 2000]

The embedded default (SQLite, no extra service) needs a cache that every process of
`bin/serve` shares. Django offers two without a server: FileBasedCache and DatabaseCache. This
measures, in one process, a read and a write of what RareMap keeps — a kept question page (a
pickled KeptPage of ~30 KB) and a small value (member counts) — with each, and with Redis where
one runs, as ratios to a read of the per-process memory cache (LocMemCache, which is not
shared and only the yardstick). It also measures what a cache write costs a member's write
that waits for SQLite's one write lock at the same time. Not a test: numbers depend on the
machine; docs/architecture.md ("Caching") has a run.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(data_dir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", "bench-cache-store-0123456789abcdefghijklmnopqrstuv")
    os.environ["RAREMAP_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raremap.settings")
    import django

    django.setup()


def _per_call(function: Any, rounds: int) -> float:
    """Microseconds per call (the best of three runs of `rounds` calls)."""
    best = float("inf")
    for _run in range(3):
        start = time.perf_counter()
        for n in range(rounds):
            function(n)
        best = min(best, (time.perf_counter() - start) / rounds)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="raremap-bench-cache-"))
    _setup(data_dir)

    from django.core.cache.backends.db import DatabaseCache
    from django.core.cache.backends.locmem import LocMemCache
    from django.core.management import call_command
    from django.db import connection

    from raremap.core.cache import FileCache, RedisCache
    from raremap.core.shell import KeptPage

    call_command("migrate", verbosity=0)
    call_command("createcachetable", "bench_cache", verbosity=0)
    body = "".join(
        f"<article><p>Answer {n}: {'member text ' * 60}</p><!--@vote:{n}-->v<!--/@vote:{n}-->"
        "</article>"
        for n in range(30)
    )
    page = KeptPage.parse(body)
    small = [{"role": "patient", "is_demo": False, "count": 12}] * 7
    stores: dict[str, Any] = {
        "memory (per process)": LocMemCache("bench", {}),
        "files": FileCache(str(data_dir / "cache"), {"OPTIONS": {"MAX_ENTRIES": 20_000}}),
        "database (SQLite)": DatabaseCache("bench_cache", {"OPTIONS": {"MAX_ENTRIES": 20_000}}),
    }
    try:
        redis = RedisCache("redis://127.0.0.1:6379/13", {})
        redis.set("ping", 1)
        stores["Redis"] = redis
    except Exception:  # no Redis here: the two embedded choices are what matter
        print("(no Redis on 127.0.0.1:6379: measured without it)")

    rows = []
    for name, store in stores.items():
        for what, value in (("kept-page", page), ("counts", small)):
            store.set(what, value, 600)
            read = _per_call(lambda _n, s=store, w=what: s.get(w), args.rounds)
            write = _per_call(
                lambda n, s=store, w=what, v=value: s.set(f"{w}:{n % 50}", v, 600),
                max(args.rounds // 10, 20),
            )
            rows.append((name, what, read, write))

    # A member's write while another process writes the cache: each database-cache write
    # takes SQLite's write lock (and counts the table), files do not.
    def member_writes() -> float:
        from raremap.core.models import LimitCount

        later = datetime(2030, 1, 1, tzinfo=UTC)
        start = time.perf_counter()
        for n in range(200):
            LimitCount.objects.create(scope="bench", who=str(n), period=n, expires_at=later)
        return (time.perf_counter() - start) / 200 * 1e6

    contention = {}
    for name in ("files", "database (SQLite)"):
        store, stop = stores[name], threading.Event()

        def writer(store: Any = store, stop: threading.Event = stop) -> None:
            from django.db import connections

            n = 0
            while not stop.is_set():
                store.set(f"busy:{n % 200}", page, 600)
                n += 1
            connections.close_all()

        thread = threading.Thread(target=writer)
        thread.start()
        contention[name] = member_writes()
        stop.set()
        thread.join()
        from raremap.core.models import LimitCount

        LimitCount.objects.filter(scope="bench").delete()
    connection.close()

    yardstick = rows[0][2]
    print(f"{'store':22} {'value':10} {'read µs':>9} {'× memory':>9} {'write µs':>9}")
    for name, what, read, write in rows:
        print(f"{name:22} {what:10} {read:9.1f} {read / yardstick:9.1f} {write:9.1f}")
    print()
    for name, micros in contention.items():
        print(f"a member's write while {name} are written: {micros:8.1f} µs")


if __name__ == "__main__":
    main()
