"""Foundation benchmark: RareMap pages against nginx serving the same bytes, and search latency.

    .venv/bin/python bench/foundation.py [--seconds 10] [--connections 32] [--members 10000]

Builds a throwaway site in bench/out/data (migrate, import-catalog, seed-demo, collectstatic),
starts granian (2 workers, like bin/serve) and nginx (2 workers) on free loopback ports, and
measures each scenario with wrk. Results are ratios to nginx in the same run (DESIGN.md §9);
the table and the bars are in docs/benchmarks.md. Every process it starts is stopped on exit,
Ctrl-C or error. Not a test: numbers depend on the machine.

"Uncached" is a page rendered for every request: a second granian runs with
PAGE_CACHE_SECONDS=0, which turns the page cache off (the first anonymous visitor after expiry
also pays one look-up and one store, once a minute). The member counts on the page keep their own
one-minute cache in both cases, as in production. A request with a `messages` cookie skips the
page cache entirely (no look-up, no store); it is shown as a second, slightly cheaper row.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "bench" / "out"
DFSP = "/d/dermatofibrosarcoma-protuberans/"
SEARCH_PAGE = "/search/?q=dfsp"
API_SEARCH = "/api/v1/diseases/search?q=dfsp"
BARS = {"dfsp_uncached_pct": 1.5, "dfsp_cached_pct": 8.0, "search_p99_ms": 20.0}

# What people type: names, prefixes (the search box searches as you type), abbreviations,
# codes, typos, British spellings, Spanish, and very common words that match thousands of names.
QUERIES = [
    # names
    "dermatofibrosarcoma protuberans", "cystic fibrosis", "marfan syndrome",
    "amyotrophic lateral sclerosis", "duchenne muscular dystrophy", "huntington disease",
    "sickle cell anemia", "hemophilia a", "neurofibromatosis type 1", "tuberous sclerosis",
    "rett syndrome", "fragile x syndrome", "myasthenia gravis", "phenylketonuria",
    "fabry disease", "gaucher disease", "pompe disease", "ehlers-danlos syndrome",
    "osteogenesis imperfecta", "achondroplasia", "prader-willi syndrome", "angelman syndrome",
    "williams syndrome", "turner syndrome", "klinefelter syndrome", "noonan syndrome",
    "cri du chat", "wilson disease", "hemochromatosis", "beta thalassemia",
    "von willebrand disease", "spinal muscular atrophy", "friedreich ataxia",
    "charcot-marie-tooth disease", "systemic sclerosis", "sarcoidosis", "behcet disease",
    "kawasaki disease", "castleman disease", "erdheim-chester disease",
    "langerhans cell histiocytosis", "systemic mastocytosis", "al amyloidosis",
    "acute intermittent porphyria", "alport syndrome", "polycystic kidney disease",
    "iga nephropathy", "retinitis pigmentosa", "leber hereditary optic neuropathy",
    "stargardt disease", "usher syndrome", "achromatopsia", "oculocutaneous albinism",
    "epidermolysis bullosa", "ichthyosis", "pemphigus vulgaris", "hidradenitis suppurativa",
    "neuroblastoma", "retinoblastoma", "wilms tumor", "ewing sarcoma", "osteosarcoma",
    "gastrointestinal stromal tumor", "mesothelioma", "cholangiocarcinoma", "glioblastoma",
    "medulloblastoma", "chordoma", "long qt syndrome", "brugada syndrome",
    "hypertrophic cardiomyopathy", "pulmonary arterial hypertension",
    "primary ciliary dyskinesia", "alpha-1 antitrypsin deficiency",
    "severe combined immunodeficiency", "chronic granulomatous disease",
    "common variable immunodeficiency", "hereditary angioedema",
    "familial mediterranean fever", "mucopolysaccharidosis type 1",
    "glycogen storage disease type ii", "limb-girdle muscular dystrophy",
    "idiopathic pulmonary fibrosis", "narcolepsy", "primary sclerosing cholangitis",
    "primary biliary cholangitis", "autoimmune hepatitis", "type 2 diabetes", "asthma",
    "multiple sclerosis", "systemic lupus erythematosus", "crohn disease", "psoriasis",
    # prefixes, as typed
    "derm", "dermato", "dermatofib", "cys", "cystic f", "marf", "hunt", "duch", "neuro",
    "myo", "card", "hep", "nephr", "leuk", "lymph", "osteo", "chondro", "retin", "fibro",
    "sarc", "ehlers", "spinal mus", "muscular dys", "pulmonary", "immuno",
    # abbreviations
    "dfsp", "als", "cf", "pku", "dmd", "sma", "nf1", "tsc", "cmt", "eds", "oi", "msa", "psp",
    "ipf", "pah", "hlh", "aml", "cml", "fap", "men2", "vhl", "hht", "pnh", "ttp", "ahus", "itp",
    "lhon", "scid", "cvid", "hae", "fmf", "mps1", "lgmd",
    # codes
    "ORPHA:31112", "orpha 586", "ORPHA:558", "orphanet 803", "G71.0", "E84", "Q87.4", "C49",
    "OMIM:154700", "D018223", "icd10 G12", "E75.2", "D66", "M32",
    # typos and spelling variants
    "dermatofibrosacroma", "dermatofibrosarcoma protuberens", "cystic fibrossis", "marfans",
    "huntingtons", "duchene", "amyotrophic lateral sclerois", "myastenia gravis",
    "fenylketonuria", "ehler danlos", "neurofibromatoss", "sarcodosis", "leukaemia",
    "anaemia", "oesophageal atresia", "haemophilia", "tuberus sclerosis",
    "retinitis pigmentoza", "gauchers", "wilsons disease", "lupis", "fibromyalgia",
    "scleroderma", "mitochondrial disese", "epilepsie",
    # Spanish
    "fibrosis quística", "síndrome de marfan", "esclerosis lateral amiotrófica",
    "distrofia muscular", "enfermedad de huntington", "hemofilia", "anemia falciforme",
    # very common words
    "syndrome", "disease", "type", "deficiency", "congenital", "familial", "hereditary",
    "autosomal recessive", "type 1", "type 2", "syndrome type", "disease type", "cancer",
    "tumor", "carcinoma", "dystrophy", "ataxia", "anemia", "atrophy", "sclerosis",
    "cardiomyopathy", "epilepsy", "intellectual disability", "rare disease", "a", "s", "sy",
    "syn", "dis", "ty", "mu", "1", "2", "x", "the", "of",
]  # fmt: skip


class Processes:
    """The servers this run started; each gets its own process group, stopped on exit."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("wb") as out:
            process = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append((name, process))

    def groups(self) -> set[int]:
        return {process.pid for _name, process in self.running}

    def check(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} (see its log)")

    def stop_all(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # the group we started, by its id
        for _name, process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()


def _cpu_ticks_of_others(ours: set[int]) -> dict[tuple[int, str], int]:
    """CPU ticks (user + system) used so far by each process outside our process groups."""
    ticks: dict[tuple[int, str], int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):  # the process ended meanwhile
            continue
        fields = tail.split()
        if int(fields[2]) not in ours:  # fields[2] is the process group
            key = (int(stat.parent.name), head.split("(", 1)[1])
            ticks[key] = int(fields[11]) + int(fields[12])
    return ticks


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open until each is known): from BENCH_PORTS
    ("18300-18399") when set, so that people sharing a machine keep to their own ranges, else
    any the system gives."""
    first, _dash, last = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    candidates = iter(range(int(first), int(last) + 1)) if int(first) else None
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            sock = socket.socket()
            sockets.append(sock)
            if candidates is None:
                sock.bind(("127.0.0.1", 0))
                continue
            for port in candidates:
                try:
                    sock.bind(("127.0.0.1", port))
                    break
                except OSError:
                    continue
            else:
                raise RuntimeError(f"fewer than {count} free ports in BENCH_PORTS")
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def fetch(url: str, cookie: str = "") -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def browser_cookie(url: str, cookie: str) -> str:
    """What a browser sends from its second page on: `cookie` and the CSRF cookie the site set
    on the first (without it, every request would make a new CSRF secret)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        set_cookies = response.headers.get_all("Set-Cookie") or []
    for header in set_cookies:
        name, _, rest = header.partition("=")
        if name.strip() == "csrftoken":
            return f"{cookie}; csrftoken={rest.split(';', 1)[0]}"
    return cookie


def wait_until_up(url: str, processes: Processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check()
        try:
            if fetch(url)[0] < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def raremap(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "raremap"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"raremap {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return round(time.perf_counter() - started, 2), done.stdout.strip()


def prepare(data: Path, members: int, env: dict[str, str], reuse: bool) -> dict[str, Any]:
    if data.exists() and not reuse:
        shutil.rmtree(data)
    data.mkdir(parents=True, exist_ok=True)
    packages = data / "packages"
    if not packages.exists():
        packages.symlink_to(ROOT / "var" / "packages", target_is_directory=True)
    steps: dict[str, Any] = {}
    for name, args in [
        ("migrate", ["migrate", "--no-input", "-v", "0"]),
        ("import-catalog", ["import-catalog"]),
        ("seed-demo", ["seed-demo", "--members", str(members)]),
        ("collectstatic", ["collectstatic", "--no-input", "-v", "0"]),
    ]:
        seconds, output = raremap(env, *args)
        steps[name] = {"seconds": seconds, "output": output.splitlines()[-1] if output else ""}
        print(f"  {name}: {seconds} s  {steps[name]['output']}", flush=True)
    return steps


def run_child(script: Path, args: list[str], env: dict[str, str], log: Path) -> tuple[Any, float]:
    """Run a Python script of this checkout as a child (Django settings set); return the JSON
    on the last line of its output and its peak RSS in MB (wait4's ru_maxrss)."""
    with log.open("w") as out:
        child = subprocess.Popen(
            [str(BIN / "python"), str(script), *args],
            env={**env, "DJANGO_SETTINGS_MODULE": "raremap.settings"},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            child.kill()
            child.wait()
            raise
        child.returncode = os.waitstatus_to_exitcode(status)
    lines = log.read_text().strip().splitlines()
    if child.returncode or not lines:
        raise RuntimeError(f"{script.name} {args} failed ({child.returncode}); see {log}")
    return json.loads(lines[-1]), round(usage.ru_maxrss / 1024, 1)


NGINX_CONF = """\
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log error;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type "text/html; charset=utf-8";
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        index index.html;
    }}
}}
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, connections: int, cookie: str = "") -> dict[str, Any]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),  # type: ignore[index]
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "requests": int(re.search(r"(\d+) requests in", output)[1]),  # type: ignore[index]
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": errors[1] if errors else "",
    }


def measure_url(
    processes: Processes,
    name: str,
    url: str,
    size: int,
    seconds: int,
    connections: int,
    cookie: str = "",
) -> dict[str, Any]:
    """One scenario: a 2 s warm-up (caches, connections), then wrk, with the CPU that other
    processes on the machine took meanwhile (other work skews a run)."""
    wrk(url, 2, connections, cookie)
    processes.check()
    result: dict[str, Any] = {"scenario": name, "url": url, "cookie": cookie, "bytes": size}
    ours = processes.groups() | {os.getpgid(0)}
    before = _cpu_ticks_of_others(ours)
    result |= wrk(url, seconds, connections, cookie)
    after = _cpu_ticks_of_others(ours)
    used = {key: n - before.get(key, 0) for key, n in after.items()}
    per_second = os.sysconf("SC_CLK_TCK") * seconds
    result["other_cores"] = round(sum(used.values()) / per_second, 2)
    busiest = sorted(used.items(), key=lambda item: -item[1])[:3]
    result["other_busiest"] = {
        f"{process} ({pid})": round(n / per_second, 2) for (pid, process), n in busiest if n
    }
    return result


def search_latency(env: dict[str, str], passes: int = 3) -> dict[str, Any]:
    """disease_search over the full catalog, in this process: p50/p99/max per query."""
    os.environ.update(env, DJANGO_SETTINGS_MODULE="raremap.settings")
    import django

    django.setup()
    from raremap.catalog.selectors import disease_search

    for query in QUERIES:  # warm-up pass: SQLite's page cache, Python's imports
        disease_search(query)
    samples: list[tuple[float, str]] = []
    for _ in range(passes):
        for query in QUERIES:
            started = time.perf_counter()
            disease_search(query)
            samples.append(((time.perf_counter() - started) * 1000, query))
    times = sorted(ms for ms, _q in samples)
    slowest: dict[str, float] = {}
    for ms, query in sorted(samples, reverse=True):
        slowest.setdefault(query, round(ms, 2))
    return {
        "queries": len(QUERIES),
        "samples": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
        "max_ms": round(times[-1], 2),
        "slowest": dict(list(slowest.items())[:8]),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    data = OUT / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "PAGE_CACHE_SECONDS"}
    }
    env.update(
        RAREMAP_DATA_DIR=str(data),
        SECRET_KEY=secrets.token_urlsafe(50),
        RAREMAP_HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="ERROR",
    )
    print(f"Preparing {data} ({args.members:,} demo members)", flush=True)
    setup = prepare(data, args.members, env, args.reuse)

    processes = Processes()
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        app, miss, static = free_ports(3)
        granian = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "2", "--no-ws"]
        granian += ["--host", "127.0.0.1"]
        if args.blocking_threads:
            granian += ["--blocking-threads", str(args.blocking_threads)]
        target = "raremap.wsgi:application"
        processes.start("granian", [*granian, "--port", str(app), target], env, data / "app.log")
        miss_env = {**env, "PAGE_CACHE_SECONDS": "0"}
        processes.start(
            "granian (no page cache)",
            [*granian, "--port", str(miss), target],
            miss_env,
            data / "app-miss.log",
        )
        wait_until_up(f"http://127.0.0.1:{app}/healthz", processes)
        wait_until_up(f"http://127.0.0.1:{miss}/healthz", processes)

        status, page, headers = fetch(f"http://127.0.0.1:{app}{DFSP}")
        if status != 200:
            raise RuntimeError(f"{DFSP} answered {status}")
        if "Set-Cookie" in headers:
            notes.append("The DFSP page sets a cookie: it is never served from the page cache.")
        www = data / "www" / DFSP.strip("/")
        www.mkdir(parents=True, exist_ok=True)
        (www / "index.html").write_bytes(page)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (data / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        conf = data / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=data, port=static))
        processes.start(
            "nginx", ["nginx", "-p", str(data), "-c", str(conf)], env, data / "nginx.log"
        )
        wait_until_up(f"http://127.0.0.1:{static}/", processes)
        if fetch(f"http://127.0.0.1:{static}{DFSP}")[1] != page:
            raise RuntimeError("nginx does not serve the same bytes as the app")

        app_url, miss_url, static_url = (f"http://127.0.0.1:{port}" for port in (app, miss, static))
        scenarios = [
            ("nginx: static copy of the DFSP page", f"{static_url}{DFSP}", ""),
            ("DFSP page, uncached (page-cache miss)", f"{miss_url}{DFSP}", ""),
            ("DFSP page, page cache skipped (cookie)", f"{app_url}{DFSP}", "messages=x"),
            ("DFSP page, cached for anonymous", f"{app_url}{DFSP}", ""),
            ("search page ?q=dfsp, uncached", f"{miss_url}{SEARCH_PAGE}", ""),
            ("search page ?q=dfsp, cached", f"{app_url}{SEARCH_PAGE}", ""),
        ]
        api_status = fetch(f"{miss_url}{API_SEARCH}")[0]
        if api_status == 200:
            scenarios.append(("API search ?q=dfsp", f"{miss_url}{API_SEARCH}", ""))
        else:
            notes.append(f"API search {API_SEARCH} answered {api_status}: not measured.")

        for name, url, cookie in scenarios:
            status, body, _headers = fetch(url, cookie)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            result = measure_url(
                processes, name, url, len(body), args.seconds, args.connections, cookie
            )
            results.append(result)
            print(f"  {name}: {result['rps']:,.0f} req/s", flush=True)
            if result["non_2xx"] or "timeout" in result["socket_errors"]:
                notes.append(f"{name}: {result['non_2xx']} non-2xx, {result['socket_errors']}")
    finally:
        processes.stop_all()

    busy = [r for r in results if r["other_cores"] > 0.1]
    if busy:
        notes.append(
            "Other processes on the machine used CPU during: "
            + "; ".join(
                f"{r['scenario']} ({r['other_cores']} cores: {r['other_busiest']})" for r in busy
            )
        )
    nginx_rps = results[0]["rps"]
    for result in results:
        result["pct_of_nginx"] = round(100 * result["rps"] / nginx_rps, 2)
    print("Search latency in-process over the full catalog", flush=True)
    search = search_latency(env)
    by_name = {r["scenario"]: r for r in results}
    bars = {
        "dfsp_uncached_pct": by_name["DFSP page, uncached (page-cache miss)"]["pct_of_nginx"],
        "dfsp_cached_pct": by_name["DFSP page, cached for anonymous"]["pct_of_nginx"],
        "search_p99_ms": search["p99_ms"],
    }
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
        },
        "params": {
            "seconds": args.seconds,
            "connections": args.connections,
            "members": args.members,
            "wrk_threads": 2,
            "granian_blocking_threads": args.blocking_threads or "default",
        },
        "setup": setup,
        "http": results,
        "search": search,
        "bars": {
            key: {
                "value": value,
                "bar": BARS[key],
                "met": value < BARS[key] if key.endswith("_ms") else value >= BARS[key],
            }
            for key, value in bars.items()
        },
        "notes": notes,
    }


def report(run: dict[str, Any]) -> str:
    lines = [
        f"RareMap foundation benchmark, {run['started']}, commit {run['commit']}, "
        f"{run['machine']['cores']} cores, "
        f"{run['params']['members']:,} demo members, wrk -t2 -c{run['params']['connections']} "
        f"-d{run['params']['seconds']}s, granian --blocking-threads "
        f"{run['params']['granian_blocking_threads']}",
        "",
        f"| {'scenario':<40} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'% nginx':>7} "
        f"| {'others':>6} |",
        f"|{'-' * 42}|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|",
    ]
    for r in run["http"]:
        lines.append(
            f"| {r['scenario']:<40} | {r['rps']:>8,.0f} | {r['p50_ms']:>7.2f} | "
            f"{r['p99_ms']:>7.2f} | {r['pct_of_nginx']:>7.2f} | {r['other_cores']:>6.2f} |"
        )
    s = run["search"]
    lines += [
        "(others: cores used by other processes on the machine during the scenario)",
        "",
        f"Search in-process ({s['queries']} queries x {s['samples'] // s['queries']}): "
        f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms",
        "Slowest: " + ", ".join(f"{q!r} {ms} ms" for q, ms in s["slowest"].items()),
        "",
    ]
    labels = {
        "dfsp_uncached_pct": ("DFSP uncached", "% of nginx", ">="),
        "dfsp_cached_pct": ("DFSP cached for anonymous", "% of nginx", ">="),
        "search_p99_ms": ("search p99", "ms", "<"),
    }
    for key, bar in run["bars"].items():
        label, unit, op = labels[key]
        verdict = "met" if bar["met"] else "MISSED"
        lines.append(f"Bar: {label} {op} {bar['bar']} {unit}: {bar['value']} -> {verdict}")
    lines += [f"Note: {note}" for note in run["notes"]]
    return "\n".join(lines)


def run_and_report(
    name: str,
    measure: Callable[[argparse.Namespace], dict[str, Any]],
    report: Callable[[dict[str, Any]], str],
    args: argparse.Namespace,
) -> None:
    """Run a benchmark: check for nginx and wrk, measure, print the report and write the run to
    bench/out/<name>-<time>.json. SIGTERM ends the run like Ctrl-C does, through the finally
    blocks that stop the servers."""
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run = measure(args)
    except KeyboardInterrupt:
        sys.exit("Interrupted; the servers are stopped.")
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"{name}-{stamp}.json"
    path.write_text(json.dumps(run, indent=2, default=str) + "\n")
    print("\n" + report(run))
    print(f"\nWritten to {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--members", type=int, default=10_000, help="demo members to seed")
    parser.add_argument(
        "--reuse", action="store_true", help="keep bench/out/data from the last run"
    )
    parser.add_argument(
        "--blocking-threads",
        type=int,
        default=1,
        help="granian --blocking-threads per worker (default 1, as bin/serve; 0: granian's own)",
    )
    run_and_report("foundation", measure, report, parser.parse_args())


if __name__ == "__main__":
    main()
