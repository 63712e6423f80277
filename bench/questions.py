"""Question page benchmark: the DFSP best-treatments page (30 answers) against nginx serving the
same bytes, as a logged-in member (with their votes) and as anonymous visitors, on a small
database and on one with 1,000,000 answers over 10,000 questions.

    .venv/bin/python bench/questions.py [--seconds 10] [--connections 32] [--answers 1000000]
        [--questions 10000] [--reuse] [--redis redis://127.0.0.1:6379]

Builds two throwaway sites: bench/out/q-small (migrate, import-catalog, seed-demo, collectstatic;
the demo community has 30+ answers on DFSP best-treatments) and bench/out/q-large (a copy of the
small one plus --answers answers spread over --questions questions of other diseases, written
with bulk inserts). A member of the DFSP community who voted on every answer of the page gets a
session; wrk sends its cookie (and the CSRF cookie a browser has). "Uncached" is a page
rendered for every request (PAGE_CACHE_SECONDS=0: the page cache off), as in
bench/foundation.py. The p99 bar (large / small database) is measured over 2 connections,
where p99 is the request's own tail rather than time in a queue. Prints a table and the bars,
writes bench/out/questions-<time>.json, and stops every process it started. Not a test: numbers
depend on the machine.
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from foundation import (
    BIN,
    NGINX_CONF,
    OUT,
    ROOT,
    Processes,
    browser_cookie,
    fetch,
    free_ports,
    measure_url,
    raremap,
    run_and_report,
    wait_until_up,
)

PAGE = "/d/dermatofibrosarcoma-protuberans/q/best-treatments/"
# The member bar is 1.5 % since the reads stopped being compiled by a hand-written SQL writer
# (it was 2 % with it): plain Django plus written-out statements, as the design asks.
BARS = {"member_uncached_pct": 1.5, "anonymous_cached_pct": 10.0, "large_small_p99": 1.3}
LATENCY_CONNECTIONS = 2
LATENCY_SMALL = "member, latency, 2 connections (small db)"
LATENCY_LARGE = "member, latency, 2 connections (large db)"


def fill(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "python"), str(ROOT / "bench" / "question_data.py"), *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "raremap.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"fill {args} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def site_env(data: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "PAGE_CACHE_SECONDS"}
    }
    env.update(
        RAREMAP_DATA_DIR=str(data),
        RAREMAP_HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="ERROR",
        RAREMAP_TASKS="immediate",
    )
    return env


def prepare(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    small, large = OUT / "q-small", OUT / "q-large"
    steps: dict[str, Any] = {}
    # One secret for both sites, kept with them: the member's session must be valid on each.
    reuse = args.reuse and (small / "session").exists() and (small / "secret_key").exists()
    key = (small / "secret_key").read_text() if reuse else "bench-" + secrets.token_urlsafe(40)
    small_env, large_env = site_env(small), site_env(large)
    if args.redis:  # the scale-out store: each site its own Redis database, emptied first
        for env, number in ((small_env, 10), (large_env, 11)):
            env["REDIS_URL"] = f"{args.redis.rstrip('/')}/{number}"
            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    small_env["SECRET_KEY"] = large_env["SECRET_KEY"] = key
    if reuse:  # kept sites still get the schema of this checkout
        for env in (small_env, large_env):
            raremap(env, "migrate", "--no-input", "-v", "0")
    else:
        shutil.rmtree(small, ignore_errors=True)
        small.mkdir(parents=True)
        (small / "secret_key").write_text(key)
        (small / "packages").symlink_to(ROOT / "var" / "packages", target_is_directory=True)
        for name, cmd in [
            ("migrate", ["migrate", "--no-input", "-v", "0"]),
            ("import-catalog", ["import-catalog"]),
            ("seed-demo", ["seed-demo", "--members", "10000"]),
            ("collectstatic", ["collectstatic", "--no-input", "-v", "0"]),
        ]:
            seconds, _output = raremap(small_env, *cmd)
            steps[name] = seconds
            print(f"  {name}: {seconds} s", flush=True)
        (small / "session").write_text(fill(small_env, "small", "0", "0"))
    if not (reuse and (large / "raremap.sqlite3").exists()):
        shutil.rmtree(large, ignore_errors=True)
        large.mkdir(parents=True)
        (large / "packages").symlink_to(ROOT / "var" / "packages", target_is_directory=True)
        shutil.copy(small / "raremap.sqlite3", large / "raremap.sqlite3")
        shutil.copytree(small / "static", large / "static")
        steps["fill-large"] = fill(large_env, "large", str(args.answers), str(args.questions))
        print(f"  large: {steps['fill-large']}", flush=True)
    return steps, small_env, large_env


def measure(args: argparse.Namespace) -> dict[str, Any]:
    print("Preparing the small and large sites", flush=True)
    setup, small_env, large_env = prepare(args)
    session = (OUT / "q-small" / "session").read_text().strip()
    member = f"sessionid={session}"
    processes = Processes()
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    data = OUT / "q-small"
    try:
        cached, miss, large, static = free_ports(4)
        granian = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "2", "--no-ws"]
        granian += ["--host", "127.0.0.1", "--blocking-threads", "1"]
        target = "raremap.wsgi:application"
        for name, port, env, log in [
            ("granian", cached, small_env, "app.log"),
            ("granian (no page cache)", miss, {**small_env, "PAGE_CACHE_SECONDS": "0"}, "miss.log"),
            ("granian (large)", large, {**large_env, "PAGE_CACHE_SECONDS": "0"}, "large.log"),
        ]:
            processes.start(name, [*granian, "--port", str(port), target], env, data / log)
        for port in (cached, miss, large):
            wait_until_up(f"http://127.0.0.1:{port}/healthz", processes)

        status, page, _headers = fetch(f"http://127.0.0.1:{cached}{PAGE}")
        if status != 200:
            raise RuntimeError(f"{PAGE} answered {status}")
        www = data / "www" / PAGE.strip("/")
        www.mkdir(parents=True, exist_ok=True)
        (www / "index.html").write_bytes(page)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (data / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        conf = data / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=data, port=static))
        nginx = ["nginx", "-p", str(data), "-c", str(conf)]
        processes.start("nginx", nginx, small_env, data / "nginx.log")
        wait_until_up(f"http://127.0.0.1:{static}/", processes)

        member = browser_cookie(f"http://127.0.0.1:{miss}{PAGE}", member)
        member_page = fetch(f"http://127.0.0.1:{miss}{PAGE}", member)[1].decode()
        pressed = member_page.count('aria-pressed="true"')
        answers = member_page.count('class="answer"')
        if answers < 30 or pressed < 29:
            raise RuntimeError(f"member page shows {answers} answers, {pressed} own votes")
        scenarios = [
            ("nginx: static copy of the question page", f"http://127.0.0.1:{static}{PAGE}", ""),
            ("member, uncached (small db)", f"http://127.0.0.1:{miss}{PAGE}", member),
            ("anonymous, uncached (small db)", f"http://127.0.0.1:{miss}{PAGE}", ""),
            ("anonymous, cached (small db)", f"http://127.0.0.1:{cached}{PAGE}", ""),
            ("member, uncached (large db)", f"http://127.0.0.1:{large}{PAGE}", member),
            ("anonymous, uncached (large db)", f"http://127.0.0.1:{large}{PAGE}", ""),
            # Latency without a queue: two connections keep each worker busy with one request
            # at a time, so p99 is the request's own tail, not how long it waited in line.
            (LATENCY_SMALL, f"http://127.0.0.1:{miss}{PAGE}", member, LATENCY_CONNECTIONS),
            (LATENCY_LARGE, f"http://127.0.0.1:{large}{PAGE}", member, LATENCY_CONNECTIONS),
        ]
        for name, url, cookie, *connections in scenarios:
            status, body, _headers = fetch(url, cookie)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            result = measure_url(
                processes,
                name,
                url,
                len(body),
                args.seconds,
                connections[0] if connections else args.connections,
                cookie,
            )
            results.append(result)
            print(f"  {name}: {result['rps']:,.0f} req/s, p99 {result['p99_ms']} ms", flush=True)
            if result["non_2xx"] or result["socket_errors"]:
                notes.append(f"{name}: {result['non_2xx']} non-2xx, {result['socket_errors']}")
    finally:
        processes.stop_all()
    nginx = results[0]["rps"]
    for result in results:
        result["pct_of_nginx"] = round(100 * result["rps"] / nginx, 2)
    by = {r["scenario"]: r for r in results}
    bars = {
        "member_uncached_pct": by["member, uncached (small db)"]["pct_of_nginx"],
        "anonymous_cached_pct": by["anonymous, cached (small db)"]["pct_of_nginx"],
        "large_small_p99": round(by[LATENCY_LARGE]["p99_ms"] / by[LATENCY_SMALL]["p99_ms"], 2),
    }
    # For information: the same ratio at saturation, where p99 is mostly time in the queue.
    saturated = by["member, uncached (large db)"]["p99_ms"]
    saturated /= by["member, uncached (small db)"]["p99_ms"]
    notes.append(f"p99 large/small at saturation (mostly time in the queue): {saturated:.2f}")
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "params": vars(args),
        "setup": setup,
        "http": results,
        "bars": {
            key: {
                "value": value,
                "bar": BARS[key],
                "met": value <= BARS[key] if key == "large_small_p99" else value >= BARS[key],
            }
            for key, value in bars.items()
        },
        "notes": notes,
    }


def report(run: dict[str, Any]) -> str:
    lines = [
        f"RareMap question page benchmark, {run['started']}, commit {run['commit']}",
        f"{'scenario':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'% nginx':>8} {'others':>7}",
    ]
    for r in run["http"]:
        lines.append(
            f"{r['scenario']:40} {r['rps']:>9,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{r['pct_of_nginx']:>8.2f} {r['other_cores']:>7.2f}"
        )
    for key, bar in run["bars"].items():
        lines.append(
            f"{key}: {bar['value']} (bar {bar['bar']}): {'met' if bar['met'] else 'MISSED'}"
        )
    lines += [f"note: {note}" for note in run["notes"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep the sites of the last run")
    parser.add_argument(
        "--redis", metavar="URL", help="Redis as the shared cache (redis://127.0.0.1:6379)"
    )
    run_and_report("questions", measure, report, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
