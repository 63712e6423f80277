"""Where one page's time goes: requests through the real WSGI handler, in this process.

    .venv/bin/python bench/profile_page.py [PATH] [--requests 300] [--cookie messages=x]
        [--persistent] [--profile 25] [--sort tottime] [--data bench/out/data]
        [--time raremap.questions.views:question_detail,…]

Uses the site that bench/foundation.py built (bench/out/data). Each request goes through
`raremap.wsgi.application` and is closed like a server closes it, so Django's end-of-request
work (closing the database connection when CONN_MAX_AGE is 0) is included. Prints the mean
time per request split into: opening the database connection, SQL (driver and database),
template rendering, and the rest (middleware, view code, ORM query building). `--persistent`
keeps the connection open across requests (CONN_MAX_AGE=None) to show what that would save.
"""

import argparse
import cProfile
import importlib
import io
import os
import pstats
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "out" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="/d/dermatofibrosarcoma-protuberans/")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cookie", default="messages=x", help="'' to use the page cache")
    parser.add_argument("--persistent", action="store_true", help="CONN_MAX_AGE=None")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="top N functions")
    parser.add_argument("--data", type=Path, default=DATA, help="a site's data directory")
    parser.add_argument("--sort", default="tottime", help="profile order (cumulative, …)")
    parser.add_argument(
        "--time",
        default="",
        metavar="MODULE:NAME,…",
        help="also time these functions (inclusive), e.g. raremap.core.shell:KeptPage.fill",
    )
    args = parser.parse_args()
    data = args.data.resolve()
    if not (data / "raremap.sqlite3").exists():
        sys.exit(f"No site in {data}: run bench/foundation.py (or bin/serve with --data var).")
    # The site's own key where it has one: session cookies of its members stay valid.
    key_file = data / "secret_key"
    key = key_file.read_text().strip() if key_file.exists() else secrets.token_urlsafe(50)
    os.environ.update(
        RAREMAP_DATA_DIR=str(data),
        SECRET_KEY=key,
        RAREMAP_HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="raremap.settings",
    )
    os.environ.pop("DATABASE_URL", None)
    import django
    from django.conf import settings

    django.setup()
    if args.persistent:
        settings.DATABASES["default"]["CONN_MAX_AGE"] = None
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.template.backends.jinja2 import Template

    from raremap.wsgi import application

    spent: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)

    def timed(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[name] += time.perf_counter() - started
                counts[name] += 1

        return wrapper

    BaseDatabaseWrapper.connect = timed("connect", BaseDatabaseWrapper.connect)  # type: ignore[method-assign]
    Template.render = timed("template", Template.render)  # type: ignore[method-assign]
    extra = [name for name in args.time.split(",") if name]
    for name in extra:
        module_name, _, attribute = name.partition(":")
        owner = importlib.import_module(module_name)
        *parents, last = attribute.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, last, timed(name, getattr(owner, last)))

    def sql(execute, query, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            spent["sql"] += time.perf_counter() - started
            counts["sql"] += 1

    path, _, query = args.path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": None,
    }
    if args.cookie:
        environ["HTTP_COOKIE"] = args.cookie
    status: list[str] = []

    def request() -> None:
        response = application(
            {**environ, "wsgi.input": io.BytesIO()}, lambda s, h, *e: status.append(s)
        )
        b"".join(response)
        response.close()

    for _ in range(20):  # warm-up: imports, template compilation, count cache
        request()
    if not status[-1].startswith("200"):
        sys.exit(f"{args.path} answered {status[-1]}")
    spent.clear()
    counts.clear()
    profiler = cProfile.Profile() if args.profile else None
    with connection.execute_wrapper(sql):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            request()
        if profiler:
            profiler.disable()
        total = time.perf_counter() - started
    n = args.requests
    print(f"{args.path} cookie={args.cookie!r} persistent={args.persistent}: {n} requests")
    print(f"  total      {total / n * 1000:6.2f} ms/request  ({n / total:,.0f} requests/s, 1 core)")
    for name in ("connect", "sql", "template"):
        print(
            f"  {name:<10} {spent[name] / n * 1000:6.2f} ms  ({counts[name] / n:.1f} per request)"
        )
    for name in extra:
        print(f"  {name}: {spent[name] / n * 1000:.3f} ms ({counts[name] / n:.1f} per request)")
    rest = total - sum(v for k, v in spent.items() if k not in extra)
    print(f"  rest       {rest / n * 1000:6.2f} ms  (middleware, view, ORM query building)")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)


if __name__ == "__main__":
    main()
