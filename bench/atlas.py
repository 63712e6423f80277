"""Map benchmark: publishing the DFSP map of 1,000,000 opted-in members (time and memory in a
child process), one withdrawal from it, and the public aggregate endpoint and the map page
served by granian against nginx serving byte copies of the same responses.

    .venv/bin/python bench/atlas.py [--members 1000000] [--runs 2] [--seconds 10]
        [--connections 32] [--reuse] [--redis redis://127.0.0.1:6379]

Builds a throwaway site in bench/out/m-site (migrate, import-catalog, import-places, seed-demo
with 10,000 demo members, collectstatic), then bench/atlas_data.py adds --members opted-in
members on the DFSP map (bulk inserts; cities drawn by population, stored 55 % at the city,
25 % at the region, 20 % at the country) and one member with a session, whose cookie wrk sends.

Publishing: `map_publish(disease_id=DFSP)` (every country: what commands and the demo run)
runs --runs times, each in a fresh child process: on a new site the first publishes a map
nobody is shown on yet (every entry's published place is written), later ones republish an
unchanged map. Wall time is the call, measured in the child; peak memory is the child's
ru_maxrss (wait4). Then, in one more child, a member of the country with most entries
withdraws (`map_withdraw`, which republishes their country in the same request) and joins
again (`map_join`), and the same in a middle-sized country, while another process writes
answers on another disease every 20 ms: the report says whether any of those writes failed
("database is locked") and how long the slowest took while the map changed.

Served by granian (2 workers, 1 blocking thread, as bin/serve) with PAGE_CACHE_SECONDS=0 (the
page cache off: a page rendered for every request, docs/benchmarks.md "Uncached"), and nginx
serving a byte copy of each response at /copy/…:
(a) GET /api/v1/diseases/dermatofibrosarcoma-protuberans/map, the public aggregate, from the
    anonymous page cache of a second granian (the default PAGE_CACHE_SECONDS), as every public
    read — bar: at least 10 % of nginx serving the same JSON;
(b) GET /d/dermatofibrosarcoma-protuberans/map/ as the logged-in member — bar: at least 2 %;
(c) the same with ?country=<the country with most members> and (d) the anonymous map page,
    for information; the aggregate without the page cache too.
Each row's % is of nginx serving a copy of that row's response. Prints a table and the bars,
writes bench/out/atlas-<time>.json, stops every process it started (also on Ctrl-C or an
error). Not a test: numbers depend on the machine.
"""

import argparse
import secrets
import shutil
import subprocess
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
    run_child,
    wait_until_up,
)
from questions import site_env

DATA_SCRIPT = ROOT / "bench" / "atlas_data.py"
AGGREGATE = "/api/v1/diseases/dermatofibrosarcoma-protuberans/map"
PAGE = "/d/dermatofibrosarcoma-protuberans/map/"
BARS = {"aggregate_pct": 10.0, "member_page_pct": 2.0}
MEMBER_MARK = PAGE + "leave/"  # only a member on the map gets the form to leave it


def prepare(args: argparse.Namespace, data: Path, env: dict[str, str]) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    if args.reuse and (data / "raremap.sqlite3").exists():
        raremap(env, "migrate", "--no-input", "-v", "0")  # a kept site gets this schema
    else:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        (data / "packages").symlink_to(ROOT / "var" / "packages", target_is_directory=True)
        for name, cmd in [
            ("migrate", ["migrate", "--no-input", "-v", "0"]),
            ("import-catalog", ["import-catalog"]),
            ("import-places", ["import-places"]),
            ("seed-demo", ["seed-demo", "--members", "10000"]),
            ("collectstatic", ["collectstatic", "--no-input", "-v", "0"]),
        ]:
            seconds, output = raremap(env, *cmd)
            steps[name] = {"seconds": seconds, "output": output.splitlines()[-2:]}
            print(f"  {name}: {seconds} s", flush=True)
    fill, peak = run_child(DATA_SCRIPT, ["fill", str(args.members)], env, data / "fill.log")
    steps["fill"] = {**fill, "peak_mb": peak}
    (data / "session").write_text(fill["session"])
    print(
        f"  fill: {fill['written']:,} members added in {fill['seconds']} s "
        f"({fill['map_entries']:,} on the map, {fill['cities']:,} cities), peak {peak} MB",
        flush=True,
    )
    return steps


def publish(args: argparse.Namespace, data: Path, env: dict[str, str]) -> dict[str, Any]:
    runs = []
    for n in range(args.runs):
        answer, peak = run_child(DATA_SCRIPT, ["publish"], env, data / f"publish-{n}.log")
        runs.append({**answer, "peak_mb": peak})
        print(
            f"  publish run {n + 1}: {answer['seconds']} s, peak {peak} MB "
            f"({answer['unpublished_before']:,} unpublished before)",
            flush=True,
        )
    withdraw, peak = run_child(DATA_SCRIPT, ["withdraw"], env, data / "withdraw.log")
    withdraw["peak_mb"] = peak
    print("  " + "\n  ".join(_changes(withdraw)), flush=True)
    return {"runs": runs, "withdraw": withdraw}


def _changes(w: dict[str, Any]) -> list[str]:
    lines = [
        f"withdraw one member in {c['country']} ({c['country_entries']:,} entries): "
        f"{c['withdraw_seconds']} s; join again: {c['join_seconds']} s"
        for c in (w["largest"], w["small"])
    ]
    o = w["other_writes"]
    lines.append(
        f"meanwhile another process wrote {o['count']} answers on another disease, "
        f"{o['during_changes']} of them while the map changed: {o['failed']} failed, slowest "
        f"{o['max_ms_during_changes']} ms {o['errors'] or ''} (peak {w['peak_mb']} MB)"
    )
    return lines


def http(
    args: argparse.Namespace, data: Path, env: dict[str, str], country: str
) -> tuple[list[dict[str, Any]], list[str]]:
    session = (data / "session").read_text().strip()
    member = f"sessionid={session}"
    processes = Processes()
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        miss, cached, static = free_ports(3)
        granian = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "2", "--no-ws"]
        granian += ["--host", "127.0.0.1", "--blocking-threads", "1"]
        target = "raremap.wsgi:application"
        for name, port, server_env, log in [
            ("granian (no page cache)", miss, {**env, "PAGE_CACHE_SECONDS": "0"}, "app.log"),
            ("granian (page cache)", cached, env, "app-cached.log"),
        ]:
            processes.start(name, [*granian, "--port", str(port), target], server_env, data / log)
        for port in (miss, cached):
            wait_until_up(f"http://127.0.0.1:{port}/healthz", processes)
        app, app_cached = f"http://127.0.0.1:{miss}", f"http://127.0.0.1:{cached}"
        member = browser_cookie(f"{app}{PAGE}", member)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (data / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        (data / "www" / "copy").mkdir(parents=True, exist_ok=True)
        conf = data / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=data, port=static))
        processes.start("nginx", ["nginx", "-p", str(data), "-c", str(conf)], env, data / "n.log")
        nginx = f"http://127.0.0.1:{static}/copy"
        wait_until_up(f"{nginx}/", processes)

        # Per response: the name of its copy and the rows compared with nginx serving that copy
        # (the first row's URL and cookie fetch it). The country view goes last: if it does not
        # answer, a worker may be stuck, and later rows would not mean much.
        groups = [
            ("aggregate", [
                ("(a) aggregate API, page cache", f"{app_cached}{AGGREGATE}", ""),
                ("aggregate API, page cache off (for info)", f"{app}{AGGREGATE}", ""),
            ]),
            ("member", [
                ("(b) map page, member, uncached", f"{app}{PAGE}", member),
            ]),
            ("anonymous", [
                ("(d) map page, anonymous, uncached", f"{app}{PAGE}", ""),
            ]),
            ("member-country", [
                (f"(c) ?country={country}, member, uncached", f"{app}{PAGE}?country={country}",
                 member),
            ]),
        ]  # fmt: skip
        for copy, rows in groups:
            _name, url, cookie = rows[0]
            try:
                status, body, _headers = fetch(url, cookie)
            except TimeoutError:
                notes.append(f"{url} did not answer within 30 s: not measured, run stopped.")
                print(f"  {url}: no answer within 30 s", flush=True)
                break
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            shown = MEMBER_MARK.encode() in body
            if shown != copy.startswith("member"):
                raise RuntimeError(f"{url}: the member view is {'' if shown else 'not '}shown")
            (data / "www" / "copy" / copy).mkdir(exist_ok=True)
            (data / "www" / "copy" / copy / "index.html").write_bytes(body)
            static_url = f"{nginx}/{copy}/"
            if fetch(static_url)[1] != body:
                raise RuntimeError(f"nginx does not serve the same bytes as the app ({copy})")
            nginx_rps = 0.0
            for name, row_url, row_cookie in [(f"nginx: copy of {copy}", static_url, ""), *rows]:
                result = measure_url(
                    processes, name, row_url, len(body), args.seconds, args.connections, row_cookie
                )
                nginx_rps = nginx_rps or result["rps"]
                result["pct_of_nginx"] = round(100 * result["rps"] / nginx_rps, 2)
                results.append(result)
                print(
                    f"  {name}: {result['rps']:,.0f} req/s, p99 {result['p99_ms']} ms, "
                    f"{result['pct_of_nginx']} % of nginx, others {result['other_cores']}",
                    flush=True,
                )
                if result["non_2xx"] or result["socket_errors"]:
                    notes.append(f"{name}: {result['non_2xx']} non-2xx, {result['socket_errors']}")
    finally:
        processes.stop_all()
    return results, notes


def measure(args: argparse.Namespace) -> dict[str, Any]:
    data = OUT / "m-site"
    env = site_env(data)
    # One key kept with the site: the member's session must stay valid on reuse.
    key_file = data / "secret_key"
    reuse = args.reuse and key_file.exists()
    key = key_file.read_text().strip() if reuse else "bench-" + secrets.token_urlsafe(40)
    env.update(SECRET_KEY=key, PYTHONPATH=str(ROOT))
    if args.redis:  # the scale-out store, its own Redis database, emptied first
        env["REDIS_URL"] = f"{args.redis.rstrip('/')}/12"
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    print(f"Preparing {data} ({args.members:,} members on the DFSP map)", flush=True)
    setup = prepare(args, data, env)
    key_file.write_text(key)
    print("Publishing the DFSP map", flush=True)
    published = publish(args, data, env)
    country = published["runs"][-1]["top_countries"][0][0]
    print("Serving", flush=True)
    results, notes = http(args, data, env, country)
    busy = [r for r in results if r["other_cores"] > 0.2]
    if busy:
        notes.append(
            "Other processes used CPU during: "
            + "; ".join(f"{r['scenario']} ({r['other_cores']} cores)" for r in busy)
        )
    by = {r["scenario"]: r for r in results}
    values = {
        "aggregate_pct": by["(a) aggregate API, page cache"]["pct_of_nginx"],
        "member_page_pct": by["(b) map page, member, uncached"]["pct_of_nginx"],
    }
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "params": vars(args),
        "setup": setup,
        "publish": published,
        "country": country,
        "http": results,
        "bars": {
            key: {"value": value, "bar": BARS[key], "met": value >= BARS[key]}
            for key, value in values.items()
        },
        "notes": notes,
    }


def report(run: dict[str, Any]) -> str:
    fill = run["setup"]["fill"]
    lines = [
        f"RareMap map benchmark, {run['started']}, commit {run['commit']}",
        f"fill: {fill['written']:,} members added in {fill['seconds']} s, peak {fill['peak_mb']} "
        f"MB; {fill['map_entries']:,} entries on the DFSP map over {fill['cities']:,} cities",
    ]
    for n, r in enumerate(run["publish"]["runs"], start=1):
        lines.append(
            f"publish run {n}: {r['seconds']} s, peak {r['peak_mb']} MB (after setup "
            f"{r['baseline_maxrss_mb']} MB); {r['shown']:,} of {r['entries']:,} shown, "
            f"{r['cells']:,} cells in {r['countries']} countries"
        )
    lines += _changes(run["publish"]["withdraw"])
    lines += [
        "",
        f"| {'scenario':<40} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'% nginx':>7} "
        f"| {'others':>6} |",
        f"|{'-' * 42}|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|",
    ]
    for r in run["http"]:
        lines.append(
            f"| {r['scenario'][:40]:<40} | {r['rps']:>8,.0f} | {r['p50_ms']:>7.2f} | "
            f"{r['p99_ms']:>7.2f} | {r['pct_of_nginx']:>7.2f} | {r['other_cores']:>6.2f} |"
        )
    lines.append("(others: cores used by other processes on the machine during the scenario)")
    for key, bar in run["bars"].items():
        verdict = "met" if bar["met"] else "MISSED"
        lines.append(f"{key}: {bar['value']} (bar {bar['bar']}): {verdict}")
    lines += [f"note: {note}" for note in run["notes"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000, help="members on the map")
    parser.add_argument("--runs", type=int, default=2, help="publishes, each in a child")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--reuse", action="store_true", help="keep the site of the last run")
    parser.add_argument(
        "--redis", metavar="URL", help="Redis as the shared cache (redis://127.0.0.1:6379)"
    )
    run_and_report("atlas", measure, report, parser.parse_args())


if __name__ == "__main__":
    main()
