"""Treatment benchmark: (a) the ranking recompute over 2,000,000 reports, timed in a child
process with its peak memory; (b) the DFSP treatments page, uncached, against nginx serving the
same bytes.

    .venv/bin/python bench/treatments.py [--reports 2000000] [--diseases 200] [--treatments 40]
        [--members 10000] [--runs 2] [--seconds 10] [--connections 32] [--reuse]

Builds a throwaway site in bench/out/t-site (migrate, import-catalog, seed-demo with --members
demo members, which also writes the demo treatment reports, collectstatic), then adds --reports
reports spread evenly over --diseases diseases (DFSP left out: its page shows the demo's reports
on a large database) × --treatments treatments made for the benchmark, by demo members reused
across pairs, with one executemany per 50,000 rows (`raremap.communities.demo._insert`).

(a) `rankings_recompute()` (raremap.treatments.ranking, all diseases) runs --runs times, each in
a fresh child process: the first fills an empty ranking table, later ones replace it. Wall time
is the call itself, measured in the child; peak memory is the child's ru_maxrss from wait4.
Bars: < 60 s and < 1 GB.

(b) /d/dermatofibrosarcoma-protuberans/treatments/ through granian (2 workers, 1 thread, as
bin/serve) with PAGE_CACHE_SECONDS=0, against nginx serving a byte copy; the API ranking and the
CSV export of the same disease are measured too (no bars). Bar: the page ≥ 2 % of nginx.

Children and servers run the code of this checkout (PYTHONPATH), whichever .venv runs them.
When the recompute or the page is missing, the run says so and measures what exists. Prints a
table and the bars, writes bench/out/treatments-<time>.json, stops every process it started.
Not a test: numbers depend on the machine.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

DFSP_CODE = "ORPHA:31112"
PAGE = "/d/dermatofibrosarcoma-protuberans/treatments/"
API = "/api/v1/diseases/dermatofibrosarcoma-protuberans/treatments"
EXPORT = "/d/dermatofibrosarcoma-protuberans/treatments/export.csv"
# The bar is the page uncached; a member's page (never in the full-page cache) is held
# to the same bar.
BARS = {
    "recompute_seconds": 60.0,
    "recompute_peak_mb": 1024.0,
    "page_uncached_pct": 2.0,
    "page_member_pct": 2.0,
}
BENCH_SLUG = "bench-treatment-{:03d}"
ROWS_PER_INSERT = 50_000
# Effectiveness score weights (1…5) a pair draws from: strong, moderate, mixed, weak.
PROFILES = ((1, 1, 3, 8, 12), (2, 4, 8, 6, 2), (5, 6, 5, 5, 4), (10, 8, 4, 2, 1))


# --- children (run with Django set up, in this checkout's site) -------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raremap.settings")
    import django

    django.setup()


def child_fill(reports: int, diseases: int, treatments: int) -> dict[str, Any]:
    """Add the benchmark's reports (unless they are there); return what was written."""
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from raremap.accounts.models import User
    from raremap.catalog.models import Disease
    from raremap.communities.demo import _insert, _large_page_cache
    from raremap.treatments.models import Treatment, TreatmentReport

    started = time.perf_counter()
    slugs = [BENCH_SLUG.format(n) for n in range(treatments)]
    for n, slug in enumerate(slugs):
        Treatment.objects.get_or_create(
            slug=slug,
            defaults={"name": f"Bench treatment {n:03d}", "kind": "drug", "source": "bench"},
        )
    treatment_ids = list(
        Treatment.objects.filter(slug__in=slugs).order_by("slug").values_list("pk", flat=True)
    )
    disease_ids = list(
        Disease.objects.filter(is_obsolete=False)
        .exclude(primary_code=DFSP_CODE)
        .order_by("pk")
        .values_list("pk", flat=True)[:diseases]
    )
    members = list(User.objects.filter(is_demo=True).order_by("pk").values_list("pk", flat=True))
    pairs = [(d, t) for d in disease_ids for t in treatment_ids]
    per_pair = -(-reports // len(pairs))
    if per_pair > len(members):
        raise SystemExit(f"{per_pair} reports a pair need as many demo members: {len(members)}")
    existing = TreatmentReport.objects.filter(treatment_id__in=treatment_ids).count()
    if existing >= reports:
        return {"written": 0, "existing": existing, "seconds": 0.0}
    TreatmentReport.objects.filter(treatment_id__in=treatment_ids).delete()
    now = timezone.now()
    written = 0
    rows: list[tuple] = []

    def flush() -> None:
        with transaction.atomic():
            _insert(
                TreatmentReport,
                ("user", "disease", "treatment", "reported_for", "effectiveness"),
                rows,
                side_effect_burden=2,
                is_demo=True,
                created_at=now,
                updated_at=now,
            )
        rows.clear()

    with _large_page_cache():
        for index, (disease_id, treatment_id) in enumerate(pairs):
            rng = random.Random(index)
            weights = PROFILES[index % len(PROFILES)]
            count = min(per_pair, reports - written)
            if count <= 0:
                break
            scores = rng.choices(range(1, 6), weights, k=count)
            first = rng.randrange(len(members))  # members reused, distinct within a pair
            for j, score in enumerate(scores):
                user = members[(first + j) % len(members)]
                reported_for = "self" if j % 5 else "relative"
                rows.append((user, disease_id, treatment_id, reported_for, score))
            written += count
            if len(rows) >= ROWS_PER_INSERT:
                flush()
        if rows:
            flush()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "written": written,
        "pairs": len(pairs),
        "per_pair": per_pair,
        "members": len(members),
        "seconds": round(time.perf_counter() - started, 1),
    }


def child_recompute() -> dict[str, Any]:
    """Time rankings_recompute() over every disease, in this process."""
    _setup()
    import resource

    from raremap.treatments.models import TreatmentRanking, TreatmentReport

    try:
        from raremap.treatments.ranking import rankings_recompute
    except ImportError as error:
        return {"error": f"no recompute: {error}"}
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = rankings_recompute()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "returned": rows,
        "rankings": TreatmentRanking.objects.count(),
        "reports": TreatmentReport.objects.count(),
        "baseline_maxrss_mb": round(baseline / 1024, 1),
    }


def child_session() -> dict[str, Any]:
    """A logged-in session for a patient member of the DFSP community (made once)."""
    _setup()
    from raremap.accounts.models import User
    from raremap.accounts.sessions import session_for
    from raremap.catalog.models import Disease
    from raremap.communities.models import Membership, Role

    user, _ = User.objects.get_or_create(
        email="bench-treatments@bench.invalid",
        defaults={"display_name": "Bench Reporter", "is_demo": True},
    )
    dfsp = Disease.objects.get(primary_code=DFSP_CODE)
    Membership.objects.get_or_create(user=user, disease=dfsp, defaults={"role": Role.PATIENT})
    return {"session": session_for(user)}


# --- the parent --------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, data: Path, env: dict[str, str]) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    if not (args.reuse and (data / "raremap.sqlite3").exists()):
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        (data / "packages").symlink_to(ROOT / "var" / "packages", target_is_directory=True)
        for name, cmd in [
            ("migrate", ["migrate", "--no-input", "-v", "0"]),
            ("import-catalog", ["import-catalog"]),
            ("seed-demo", ["seed-demo", "--members", str(args.members)]),
            ("collectstatic", ["collectstatic", "--no-input", "-v", "0"]),
        ]:
            seconds, output = raremap(env, *cmd)
            steps[name] = {"seconds": seconds, "output": output.splitlines()[-3:]}
            print(f"  {name}: {seconds} s", flush=True)
    fill, rss = run_child(
        Path(__file__).resolve(),
        ["--child", "fill", str(args.reports), str(args.diseases), str(args.treatments)],
        env,
        data / "fill.log",
    )
    steps["fill"] = {**fill, "peak_mb": rss}
    print(f"  fill: {fill}", flush=True)
    return steps


def recompute(args: argparse.Namespace, data: Path, env: dict[str, str]) -> dict[str, Any]:
    runs = []
    for n in range(args.runs):
        answer, peak = run_child(
            Path(__file__).resolve(), ["--child", "recompute"], env, data / f"recompute-{n}.log"
        )
        if "error" in answer:
            print(f"  recompute: {answer['error']}", flush=True)
            return {"error": answer["error"], "runs": []}
        runs.append({**answer, "peak_mb": peak})
        print(f"  recompute run {n + 1}: {answer['seconds']} s, peak {peak} MB", flush=True)
    return {
        "runs": runs,
        "seconds": max(r["seconds"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def http(args: argparse.Namespace, data: Path, env: dict[str, str]) -> tuple[list, list]:
    processes = Processes()
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        miss, static = free_ports(2)
        granian = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "2", "--no-ws"]
        granian += ["--host", "127.0.0.1", "--blocking-threads", "1", "--port", str(miss)]
        miss_env = {**env, "PAGE_CACHE_SECONDS": "0"}
        processes.start(
            "granian (no page cache)",
            [*granian, "raremap.wsgi:application"],
            miss_env,
            data / "app.log",
        )
        wait_until_up(f"http://127.0.0.1:{miss}/healthz", processes)
        app = f"http://127.0.0.1:{miss}"
        status, page, _headers = fetch(f"{app}{PAGE}")
        reference = PAGE
        session, _rss = run_child(
            Path(__file__).resolve(), ["--child", "session"], env, data / "session.log"
        )
        member = browser_cookie(f"{app}{PAGE}", f"sessionid={session['session']}")
        if status != 200:
            notes.append(f"{PAGE} answered {status}: the page is not measured.")
            status, page, _headers = fetch(f"{app}{API}")
            reference = API
            if status != 200:
                raise RuntimeError(f"{API} answered {status}")
        www = data / "www" / reference.strip("/")
        www.mkdir(parents=True, exist_ok=True)
        (www / "index.html").write_bytes(page)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (data / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        conf = data / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=data, port=static))
        processes.start("nginx", ["nginx", "-p", str(data), "-c", str(conf)], env, data / "n.log")
        nginx_url = f"http://127.0.0.1:{static}/{reference.strip('/')}/"
        wait_until_up(nginx_url, processes)
        if fetch(nginx_url)[1] != page:
            raise RuntimeError("nginx does not serve the same bytes as the app")
        scenarios = [(f"nginx: static copy of {reference}", nginx_url, "")]
        if reference == PAGE:
            scenarios.append(("DFSP treatments page, uncached", f"{app}{PAGE}", ""))
            scenarios.append(("DFSP treatments page, member", f"{app}{PAGE}", member))
        scenarios += [
            ("API ranking, uncached", f"{app}{API}", ""),
            ("CSV export of DFSP (streamed)", f"{app}{EXPORT}", ""),
        ]
        for name, url, cookie in scenarios:
            status, body, _headers = fetch(url, cookie)
            if status != 200:
                notes.append(f"{name}: {url} answered {status}, not measured.")
                continue
            result = measure_url(
                processes, name, url, len(body), args.seconds, args.connections, cookie
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
    return results, notes


def measure(args: argparse.Namespace) -> dict[str, Any]:
    data = OUT / "t-site"
    env = site_env(data)
    env.update(SECRET_KEY="bench-" + secrets.token_urlsafe(40), PYTHONPATH=str(ROOT))
    print(f"Preparing {data}", flush=True)
    setup = prepare(args, data, env)
    print("Recomputing the rankings", flush=True)
    ranking = recompute(args, data, env)
    print("Serving", flush=True)
    results, notes = http(args, data, env)
    if "error" in ranking:
        notes.append(f"recompute not measured: {ranking['error']}")
    by = {r["scenario"]: r for r in results}
    page = by.get("DFSP treatments page, uncached")
    member = by.get("DFSP treatments page, member")
    values = {
        "recompute_seconds": ranking.get("seconds"),
        "recompute_peak_mb": ranking.get("peak_mb"),
        "page_uncached_pct": page["pct_of_nginx"] if page else None,
        "page_member_pct": member["pct_of_nginx"] if member else None,
    }
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "params": vars(args),
        "setup": setup,
        "recompute": ranking,
        "http": results,
        "bars": {
            key: {
                "value": value,
                "bar": BARS[key],
                "met": None
                if value is None
                else (value >= BARS[key] if key.endswith("_pct") else value < BARS[key]),
            }
            for key, value in values.items()
        },
        "notes": notes,
    }


def report(run: dict[str, Any]) -> str:
    fill = run["setup"]["fill"]
    lines = [
        f"RareMap treatment benchmark, {run['started']}, commit {run['commit']}",
        f"reports added: {fill.get('written', 0):,} in {fill.get('seconds')} s "
        f"({fill.get('pairs', '?')} pairs)",
    ]
    for n, r in enumerate(run["recompute"].get("runs", []), start=1):
        lines.append(
            f"recompute run {n}: {r['seconds']} s, peak {r['peak_mb']} MB "
            f"(after setup {r['baseline_maxrss_mb']} MB), {r['rankings']:,} rankings "
            f"from {r['reports']:,} reports"
        )
    lines.append(
        f"{'scenario':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'% nginx':>8} {'others':>7}"
    )
    for r in run["http"]:
        lines.append(
            f"{r['scenario'][:40]:40} {r['rps']:>9,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{r['pct_of_nginx']:>8.2f} {r['other_cores']:>7.2f}"
        )
    for key, bar in run["bars"].items():
        verdict = "not measured" if bar["met"] is None else ("met" if bar["met"] else "MISSED")
        lines.append(f"{key}: {bar['value']} (bar {bar['bar']}): {verdict}")
    lines += [f"note: {note}" for note in run["notes"]]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))  # this checkout's raremap, not an installed one
        kind, rest = sys.argv[2], sys.argv[3:]
        children = {"fill": child_fill, "recompute": child_recompute, "session": child_session}
        answer = children[kind](*map(int, rest))
        print(json.dumps(answer))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=2_000_000)
    parser.add_argument("--diseases", type=int, default=200)
    parser.add_argument("--treatments", type=int, default=40)
    parser.add_argument("--members", type=int, default=10_000, help="demo members to seed")
    parser.add_argument("--runs", type=int, default=2, help="recompute runs, each in a child")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--reuse", action="store_true", help="keep the site of the last run")
    run_and_report("treatments", measure, report, parser.parse_args())


if __name__ == "__main__":
    main()
