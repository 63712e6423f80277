"""Cluster benchmark: RareMap on two app nodes behind nginx (PostgreSQL, Redis), or on the
embedded default (`--embedded`: SQLite, no Redis, one granian with two workers, as bin/serve),
under a mixed workload of people, with one node and one task worker killed mid-run.

    .venv/bin/python bench/cluster.py [--seconds 60] [--embedded] [--json]

Everything runs on this machine and talks to 127.0.0.1 only. The cluster set-up: PostgreSQL
(the cluster on 5432, started with pg_ctlcluster if it is down; database `cluster_bench`,
prepared once — migrate, the three imports, seed-demo — and reused), Redis (127.0.0.1:6379,
db 4, emptied at start; a redis-server of our own on 18499 if none runs), two granian nodes
(18401, 18402; one worker each: the machine has two cores), two task workers, and nginx on
18400 balancing round robin over the nodes, nodes and nginx configured as docs/deploy.md has
them. Embedded: a copy of a prepared SQLite site in a temporary data directory, granian with
two workers on 18410 (bin/serve's flags), one task worker.

The workload: members (made for the run, logged in through the log-in form) answer, vote,
report treatments, join the map, ask to connect, send messages and read pages; visitors read;
every few seconds someone signs up, confirms with the link written to the mail directory and
joins the DFSP community. Each browser has a source address of its own in 127.0.0.0/8 (the
site limits per client address). At 40 % of the run one node (embedded: one granian worker
child) and one task worker are killed with SIGKILL and restarted a few seconds later.

Afterwards: every acknowledged write is looked up in the database (lost, duplicated); 5xx
outside the kill window; the background tasks; whether each limit held across nodes (the
log-in of one address, sign-ups and log-ins per address, messages per member, hammered
through the front); whether each node shows the same counts as the database; throughput and
latency (bar: p99 < 50 ms for answer, vote and message writes). Prints a report, writes
bench/out/cluster-<time>.json (and prints the JSON with --json), and stops every process it
started, also on Ctrl-C or an error. Not a test: numbers depend on the machine.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cluster_client import (
    MEMBER_PAGES,
    VISITOR_PAGES,
    Browser,
    Member,
    Record,
    Response,
    Site,
    sign_up,
    visitor_step,
)
from foundation import BIN, OUT, ROOT, Processes, raremap, run_and_report, wait_until_up

FRONT, NODES, EMBEDDED_PORT, OWN_REDIS_PORT = 18400, (18401, 18402), 18410, 18499
DATABASE = "cluster_bench"
REDIS_DB = 4
WRITE_BAR_MS = 50.0
BAR_KINDS = ("answer", "vote", "message")
HASHING = ("login", "activate", "signup")  # requests that hash a password (~0.5 s of CPU)
PREPARE = [
    ("migrate", ["migrate", "--no-input", "-v", "0"]),
    ("import-catalog", ["import-catalog"]),
    ("import-treatments", ["import-treatments"]),
    ("import-places", ["import-places"]),
    ("seed-demo", ["seed-demo"]),
    ("collectstatic", ["collectstatic", "--no-input", "-v", "0"]),
]

NGINX_CONF = """\
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    log_format timed '$msec $status $upstream_addr $upstream_status $request_time "$request"';
    access_log {dir}/nginx-access.log timed;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    # As docs/deploy.md has it, on plain HTTP and loopback addresses.
    upstream raremap {{
        zone raremap 64k;  # one round robin for both nginx workers
        server 127.0.0.1:{node1} max_fails=3 fail_timeout=10s;
        server 127.0.0.1:{node2} max_fails=3 fail_timeout=10s;
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://raremap;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_read_timeout 60s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Supervisor(Processes):
    """Processes.start with names kept, so that one can be killed and started again."""

    def __init__(self) -> None:
        super().__init__()
        self.specs: dict[str, tuple[list[str], dict[str, str], Path]] = {}
        self.starts: dict[str, int] = {}

    def launch(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.specs[name] = (args, env, log)
        self.starts[name] = 1
        self.start(name, args, env, log)

    def process(self, name: str) -> subprocess.Popen:
        return [p for n, p in self.running if n == name][-1]

    def kill(self, name: str) -> None:
        """SIGKILL the process group we started (a node: granian and its worker)."""
        process = self.process(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def relaunch(self, name: str) -> None:
        args, env, log = self.specs[name]
        self.starts[name] += 1
        self.start(name, args, env, log.with_suffix(f".{self.starts[name]}.log"))

    def check_named(self, names: list[str]) -> None:
        for name in names:
            process = self.process(name)
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} (see its log)")


class Addresses:
    """Source addresses for browsers: 127.A.B.n, a block of its own for each run."""

    def __init__(self, rng: random.Random) -> None:
        self.a, self.b, self.n = rng.randint(2, 250), rng.randint(0, 250), 0
        self.lock = threading.Lock()

    def next(self) -> str:
        with self.lock:
            self.n += 1
            if self.n > 250:
                self.b, self.n = (self.b + 1) % 256, 1
            return f"127.{self.a}.{self.b}.{self.n}"


def _tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True)


def postgres_up() -> str:
    """The PostgreSQL cluster on 5432 answering, started with pg_ctlcluster if it is down."""
    if _tool("pg_isready", "-h", "127.0.0.1", "-p", "5432").returncode == 0:
        return "running"
    for line in _tool("pg_lsclusters", "--no-header").stdout.splitlines():
        version, name, port, *_rest = line.split()
        if port == "5432":
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
            for _ in range(50):
                if _tool("pg_isready", "-h", "127.0.0.1", "-p", "5432").returncode == 0:
                    return f"started {version}/{name}"
                time.sleep(0.2)
    raise RuntimeError("PostgreSQL on 127.0.0.1:5432 is not running and could not be started")


def redis_url(processes: Supervisor, run_dir: Path) -> str:
    """db 4 of the Redis on 6379, or of a redis-server of our own; emptied (ours alone)."""
    port = 6379
    if _tool("redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping").stdout.strip() != "PONG":
        port = OWN_REDIS_PORT
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        processes.launch("redis", [*args, "--appendonly", "no"], {}, run_dir / "redis.log")
        for _ in range(50):
            if _tool("redis-cli", "-p", str(port), "ping").stdout.strip() == "PONG":
                break
            time.sleep(0.1)
    # Our database number only: the limit counters and pages of earlier runs go.
    _tool("redis-cli", "-h", "127.0.0.1", "-p", str(port), "-n", str(REDIS_DB), "flushdb")
    return f"redis://127.0.0.1:{port}/{REDIS_DB}"


def base_env(data: Path, key: str, stuck: int = 600, log: str = "ERROR") -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "PAGE_CACHE_SECONDS", "BEHIND_PROXY"}
    }
    env.update(
        RAREMAP_DATA_DIR=str(data),
        SECRET_KEY=key,
        RAREMAP_HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL=log,
        RAREMAP_TASKS="database",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        # How soon `raremap worker` takes back a task whose worker died (600 s by default).
        TASK_STUCK_SECONDS=str(stuck),
    )
    return env


def prepare(site: Path, env: dict[str, str]) -> dict[str, float]:
    """The prepared site in `site` (every step is a no-op when done: reruns are quick)."""
    site.mkdir(parents=True, exist_ok=True)
    if not (site / "packages").exists():
        (site / "packages").symlink_to(ROOT / "var" / "packages", target_is_directory=True)
    steps = {}
    for name, args in PREPARE:
        steps[name], _output = raremap(env, *args)
        print(f"  {name}: {steps[name]} s", flush=True)
    return steps


def run_dir_for(site: Path, embedded: bool) -> Path:
    """A temporary data directory for one run: its own mail (and SQLite copy), the prepared
    static files and data packages linked."""
    run = Path(tempfile.mkdtemp(prefix="raremap-cluster-"))
    for name in ("static", "packages"):
        (run / name).symlink_to(site / name, target_is_directory=True)
    (run / "mail").mkdir()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "tmp" / sub).mkdir(parents=True)
    if embedded:  # a consistent copy, whatever the WAL holds
        source = sqlite3.connect(site / "raremap.sqlite3")
        target = sqlite3.connect(run / "raremap.sqlite3")
        with target:
            source.backup(target)
        source.close()
        target.close()
    return run


def child(script: str, env: dict[str, str], *args: str) -> Any:
    """Run a bench/<script> with Django set up; the JSON on its last line."""
    done = subprocess.run(
        [str(BIN / "python"), str(ROOT / "bench" / script), *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "raremap.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"{script} {args[0]} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker_command(env: dict[str, str]) -> list[str]:
    """`raremap worker` where the project has it, else django-tasks-db's `db_worker`."""
    names = raremap(env, "help", "--commands")[1].split()
    if "worker" in names:
        return [str(BIN / "raremap"), "worker"]
    return [str(BIN / "raremap"), "db_worker", "--interval", "1"]


def granian(port: int, workers: int, threads: int = 1) -> list[str]:
    """granian as bin/serve and docs/deploy.md start it (a dead worker is started again)."""
    args = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads)]
    args += ["--no-ws"]
    return [*args, "--respawn-failed-workers", "raremap.wsgi:application"]


def cpu_ticks(roles: dict[int, str]) -> dict[tuple[int, str, str], int]:
    """CPU ticks used so far by every process, keyed by pid, name and role: the role of its
    process group in `roles` (ours), "postgres" for a backend of our database, else "others"."""
    ticks: dict[tuple[int, str, str], int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):  # the process ended meanwhile
            continue
        fields = tail.split()
        role = roles.get(int(fields[2])) or ("postgres" if DATABASE.encode() in command else "")
        key = (int(stat.parent.name), head.split("(", 1)[1], role or "others")
        ticks[key] = int(fields[11]) + int(fields[12])
    return ticks


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


# --- the run --------------------------------------------------------------------------------


class Run:
    """One run: the processes, the browsers, the record."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.embedded: bool = args.embedded
        self.rng = random.Random(args.seed)
        self.tag = secrets.token_hex(3)
        self.record = Record(self.tag)
        self.phase = ["setup"]
        self.addresses = Addresses(self.rng)
        self.processes = Supervisor()
        self.stop = threading.Event()
        self.events: list[tuple[float, str]] = []
        self.kill_window: tuple[float, float] | None = None
        self.t0 = 0.0
        self.front = EMBEDDED_PORT if self.embedded else FRONT
        self.nodes = [EMBEDDED_PORT] if self.embedded else list(NODES)
        self.notes: list[str] = []
        self.killed_wall: datetime | None = None

    def event(self, text: str) -> None:
        self.events.append((round(time.monotonic() - self.t0, 1), text))
        print(f"  {self.events[-1][0]:6.1f} s  {text}", flush=True)

    def browser(self) -> Browser:
        return Browser(self.front, self.addresses.next(), self.record, self.phase)

    # --- set-up ---

    def start(self) -> tuple[dict[str, Any], dict[str, str]]:
        setup: dict[str, Any] = {}
        key = "cluster-bench-" + secrets.token_urlsafe(32)
        if self.embedded:
            site = OUT / "cluster-sqlite"
            print(f"Preparing the embedded site in {site}", flush=True)
            setup["prepare"] = prepare(site, base_env(site, key))
            self.run_dir = run_dir_for(site, embedded=True)
            env = base_env(self.run_dir, key, self.args.task_stuck_seconds, self.args.log_level)
        else:
            setup["postgres"] = postgres_up()
            made = _tool("createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE)
            if made.returncode and "already exists" not in made.stderr:
                raise RuntimeError(f"createdb {DATABASE}: {made.stderr}")
            site = OUT / "cluster-pg"
            database = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
            print(f"Preparing database {DATABASE} (static files in {site})", flush=True)
            setup["prepare"] = prepare(site, {**base_env(site, key), "DATABASE_URL": database})
            self.run_dir = run_dir_for(site, embedded=False)
            env = base_env(self.run_dir, key, self.args.task_stuck_seconds, self.args.log_level)
            env["DATABASE_URL"] = database
            env["REDIS_URL"] = redis_url(self.processes, self.run_dir)
            env["BEHIND_PROXY"] = "1"
        print(f"Run {self.tag} in {self.run_dir}", flush=True)
        started = time.perf_counter()
        members = child("cluster_data.py", env, "members", self.tag, str(self.member_count))
        setup["members_seconds"] = round(time.perf_counter() - started, 2)
        self.worker = worker_command(env)
        if self.args.worker_nice:  # background work yields the CPU to the web requests
            self.worker = ["nice", "-n", str(self.args.worker_nice), *self.worker]
        if self.embedded:
            app = granian(EMBEDDED_PORT, 2, self.args.threads or 1)
            self.processes.launch("granian", app, env, self.run_dir / "granian.log")
            self.processes.launch("worker1", self.worker, env, self.run_dir / "worker1.log")
        else:
            for n, port in enumerate(NODES, 1):  # docs/deploy.md's flags
                app = granian(port, self.args.node_workers, self.args.threads or 2)
                self.processes.launch(f"node{n}", app, env, self.run_dir / f"node{n}.log")
                self.processes.launch(
                    f"worker{n}", self.worker, env, self.run_dir / f"worker{n}.log"
                )
            conf = self.run_dir / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(dir=self.run_dir, port=FRONT, node1=NODES[0], node2=NODES[1])
            )
            nginx = ["nginx", "-p", str(self.run_dir), "-c", str(conf)]
            self.processes.launch("nginx", nginx, env, self.run_dir / "nginx.log")
        for port in [*self.nodes, self.front]:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", self.processes)
        setup["worker"] = " ".join(Path(part).name for part in self.worker)
        self.setup = setup
        return members, env

    def roles(self) -> dict[int, str]:
        """Our process groups by role (every one started so far, killed ones included)."""
        roles = {os.getpgid(0): "bench client"}
        for name, process in self.processes.running:
            roles[process.pid] = name.rstrip("0123456789")
        return roles

    @property
    def member_count(self) -> int:
        return self.args.clients * self.args.members_per_client

    # --- the workload ---

    def kill_and_restart(self) -> None:
        """At kill_at of the run: SIGKILL a node (embedded: a granian worker child) and a task
        worker; start them again down_seconds later; the window ends once the node answers."""
        if self.stop.wait(self.args.seconds * self.args.kill_at):
            return
        killed_at = time.monotonic()
        self.killed_wall = datetime.now(UTC)
        # Open until the node answers again (or the run ends first).
        self.kill_window = (killed_at - self.t0, float("inf"))
        if self.embedded:
            main = self.processes.process("granian")
            worker = children(main.pid)[0]
            os.kill(worker, signal.SIGKILL)
            self.event(f"SIGKILL granian worker child {worker} (of granian {main.pid})")
        else:
            self.processes.kill("node1")
            self.event("SIGKILL node1 (granian and its worker)")
        self.processes.kill("worker1")
        self.event("SIGKILL task worker1")
        if self.stop.wait(self.args.down_seconds):
            return
        if self.embedded:
            main = self.processes.process("granian")
            if main.poll() is not None:
                self.event(f"granian had exited ({main.returncode}): starting it again")
                self.notes.append(
                    "granian shut down when one worker was killed (bin/serve respawns "
                    "workers: it should not): the site was down until it was started again."
                )
                self.processes.relaunch("granian")
            else:
                self.event(f"granian is running with workers {children(main.pid)}")
        else:
            self.processes.relaunch("node1")
            self.event("node1 started again")
        self.processes.relaunch("worker1")
        self.event("task worker1 started again")
        port = EMBEDDED_PORT if self.embedded else NODES[0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not self.stop.is_set():
            probe = Browser(port, "127.0.0.1", Record("probe"), ["probe"])
            if probe.get("/healthz", "probe").status == 200:
                break
            time.sleep(0.1)
        self.event("the node answers again")
        # One second more: requests already on their way when it came back.
        self.kill_window = (killed_at - self.t0, time.monotonic() - self.t0 + 1.0)

    def think(self) -> bool:
        """Wait like a person between two pages; False once the run is over."""
        pause = self.args.think_ms / 1000 * self.rng.uniform(0.5, 1.5)
        return not self.stop.wait(pause)

    def member_loop(self, people: list[Member], shared: list[int]) -> None:
        turn = 0
        while self.think():
            people[turn % len(people)].step(shared)
            turn += 1

    def visitor_loop(self, seed: int) -> None:
        rng = random.Random(seed)
        browser = self.browser()
        while self.think():
            visitor_step(browser, self.site, rng)

    def signup_loop(self) -> None:
        n = 0
        while not self.stop.wait(self.args.signup_every) and n < 100:
            sign_up(self.browser(), self.site, self.tag, n, time.monotonic() + 10)
            n += 1

    def workload(self, data: dict[str, Any]) -> list[Member]:
        self.site = Site(
            disease=data["disease"],
            question=data["question"],
            questions=data["questions"],
            password=data["password"],
            answers=data["answers"],
            treatments=data["treatments"],
            places=data["places"],
            mail=self.run_dir / "mail",
            notice_version=data["notice_version"],
        )
        people = data["members"]
        partner = {}
        for pair, conversation in data["conversations"].items():
            a, b = (int(x) for x in pair.split("-"))
            partner[a] = partner[b] = conversation
        members = []
        print(f"Logging in {len(people)} members through the front", flush=True)
        self.phase[0] = "warm-up"
        for n, me in enumerate(people):
            # Each asks members further down the list (never their partner): no pair twice.
            others = [o for o in people[n + 2 :] if partner.get(o["id"]) != partner.get(me["id"])]
            member = Member(
                self.browser(),
                me,
                self.site,
                partner.get(me["id"], ""),
                others[:3],
                random.Random(self.args.seed + n),
            )
            status = member.browser.log_in(me["email"], self.site.password)
            if status != 302:
                raise RuntimeError(f"log-in of {me['email']} failed: {status}")
            members.append(member)
        warm = self.browser()
        for page in VISITOR_PAGES:  # the kept pages and caches exist before the clock starts
            warm.get(
                page.format(question=self.site.question_path, disease=self.site.disease), "warm"
            )
        # Each member reads each of their pages once, through the front: both nodes have
        # served members (database connections open, member fragments rendered) before the
        # clock starts, as nodes that have run a while have. Reads only: no write is made
        # outside the run. The node restarted mid-run starts cold, and is measured so.
        for member in members:
            for page in MEMBER_PAGES:
                path = page.format(question=self.site.question_path, disease=self.site.disease)
                member.browser.get(path, "warm")

        print(f"Workload for {self.args.seconds} s", flush=True)
        before = cpu_ticks(self.roles())
        self.phase[0] = "run"
        self.t0 = time.monotonic()
        self.run_started = datetime.now(UTC)
        shared: list[int] = []
        threads = [threading.Thread(target=self.kill_and_restart, daemon=True)]
        per = self.args.members_per_client
        for n in range(self.args.clients):
            group = members[n * per : (n + 1) * per]
            threads.append(
                threading.Thread(target=self.member_loop, args=(group, shared), daemon=True)
            )
        for n in range(self.args.visitors):
            threads.append(
                threading.Thread(target=self.visitor_loop, args=(1000 + n,), daemon=True)
            )
        threads.append(threading.Thread(target=self.signup_loop, daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(self.args.seconds)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=40)
        self.run_seconds = time.monotonic() - self.t0
        self.phase[0] = "after"
        used = {k: n - before.get(k, 0) for k, n in cpu_ticks(self.roles()).items()}
        per_second = os.sysconf("SC_CLK_TCK") * self.run_seconds
        cores: dict[str, float] = {}
        for (_pid, _name, role), n in used.items():
            cores[role] = cores.get(role, 0) + n / per_second
        others = [(k, n) for k, n in used.items() if k[2] == "others" and n]
        busiest = sorted(others, key=lambda item: -item[1])[:3]
        self.cpu = {
            "cores_by_role": {role: round(n, 2) for role, n in sorted(cores.items())},
            "others_cores": round(cores.get("others", 0), 2),
            "others_busiest": {
                f"{name} ({pid})": round(n / per_second, 2) for (pid, name, _r), n in busiest
            },
        }
        return members

    # --- after the run ---

    def node_reads(self, session: str, answers: list[int]) -> dict[str, dict[str, list[Any]]]:
        """The counts each node shows, read on the node itself (not through nginx), as a
        member (no page cache) and as a visitor (the page cache may answer)."""
        disease, question = self.site.disease, self.site.question
        reads = {
            "answer_count": (f"/api/v1/diseases/{disease}/questions/{question}", "answer_count"),
            "members_total": (f"/api/v1/diseases/{disease}", "members.total"),
            **{f"score:{a}": (f"/api/v1/answers/{a}", "score") for a in answers},
        }
        seen: dict[str, dict[str, list[Any]]] = {}
        tries = 8 if self.embedded else 1  # two workers behind one port: several connections
        for who, cookie in (("member", session), ("visitor", "")):
            for name, (path, field) in reads.items():
                row = seen.setdefault(f"{name} ({who})", {})
                for n, port in enumerate(self.nodes, 1):
                    values = set()
                    for _ in range(tries):
                        browser = Browser(port, self.addresses.next(), Record("reads"), ["reads"])
                        if cookie:
                            browser.cookies["sessionid"] = cookie
                        answer = browser.get(path, "reads")
                        value: Any = answer.status
                        if answer.status == 200:
                            value = json.loads(answer.body)
                            for part in field.split("."):
                                value = value[part]
                        values.add(value)
                    label = "workers" if self.embedded else f"node{n}"
                    row[label] = sorted(values, key=str)
        return seen

    def hammer(self, name: str, limit: int, attempts: int, send: Any) -> dict[str, Any]:
        """Send `attempts` requests through the front; how many got through before 429."""
        allowed, first_refusal, by_node, statuses = 0, None, {}, {}
        for n in range(attempts):
            answer: Response = send(n)
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            if answer.status == 429:
                first_refusal = n if first_refusal is None else first_refusal
                continue
            allowed += 1
            node = answer.node or "(one port)"
            by_node[node] = by_node.get(node, 0) + 1
        result = {
            "limit": name,
            "stated": limit,
            "attempts": attempts,
            "allowed": allowed,
            "first_429_at": first_refusal,
            "by_node": by_node,
            "statuses": statuses,
            "held": allowed <= limit,
        }
        print(f"  {name}: {allowed} of {attempts} allowed (limit {limit})", flush=True)
        return result

    def limits(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        results = []
        stated = data["limits"]
        account = data["hammer"]["members"][2]["email"]
        b = self.browser()
        b.get("/accounts/login/", "limits")

        def wrong_password(n: int) -> Response:
            form = {"email": account, "password": f"not the password {n}"}
            return b.post("/accounts/login/", "limits", form)

        results.append(
            self.hammer(
                "log-in, one address",
                stated["login_account"],
                stated["login_account"] * 3,
                wrong_password,
            )
        )
        b = self.browser()
        b.get("/accounts/login/", "limits")

        def many_addresses(n: int) -> Response:
            # An empty password: counted like any attempt, without hashing.
            form = {"email": f"cluster-{self.tag}-nobody{n}@bench.invalid", "password": ""}
            return b.post("/accounts/login/", "limits", form)

        results.append(
            self.hammer(
                "log-in, one client address",
                stated["login_ip"],
                stated["login_ip"] * 2 + 10,
                many_addresses,
            )
        )
        b = self.browser()
        b.get("/accounts/signup/", "limits")

        def signup(n: int) -> Response:
            form = {"email": "not an address", "display_name": "x", "password": ""}
            return b.post("/accounts/signup/", "limits", form)

        results.append(
            self.hammer(
                "sign-up, one client address", stated["signup_ip"], stated["signup_ip"] * 3, signup
            )
        )
        b = self.browser()
        sender = data["hammer"]["members"][0]
        status = b.log_in(sender["email"], self.site.password)
        if status != 302:
            raise RuntimeError(f"log-in of the message sender failed: {status}")
        conversation = data["hammer"]["conversation"]
        b.get(f"/messages/{conversation}/", "limits")

        def message(n: int) -> Response:
            form = {"body": f"Limit check {n}"}
            path = f"/messages/{conversation}/send/"
            return b.post(path, "limits", form, headers={"HX-Request": "true"})

        results.append(
            self.hammer("messages, one member", stated["messages"], stated["messages"] * 2, message)
        )
        return results


# --- numbers --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def _overlaps(sample: Any, others: list[Any]) -> bool:
    end = sample.started + sample.ms / 1000
    return any(
        o.started < end and sample.started < o.started + o.ms / 1000 and o.node == sample.node
        for o in others
    )


def latency(run: Run) -> dict[str, Any]:
    samples = [s for s in run.record.samples if s.phase == "run"]
    window = run.kill_window or (float("inf"), float("inf"))

    def inside(sample: Any) -> bool:
        """Whether the request was on its way at some time in the window (one sent just
        before the kill may be answered 502 by nginx)."""
        start = sample.started - run.t0
        return start <= window[1] and start + sample.ms / 1000 >= window[0]

    hashing = [s for s in samples if s.kind in HASHING]
    kinds: dict[str, Any] = {}
    for kind in sorted({s.kind for s in samples}):
        mine = [s for s in samples if s.kind == kind]
        good = [s for s in mine if 200 <= s.status < 400 and not inside(s)]
        row: dict[str, Any] = {
            "requests": len(mine),
            "ok": sum(1 for s in mine if 200 <= s.status < 400),
            "per_second": round(len(mine) / run.run_seconds, 1),
            "status_4xx": sum(1 for s in mine if 400 <= s.status < 500 and s.status != 429),
            "status_429": sum(1 for s in mine if s.status == 429),
        }
        if good:
            ms = [s.ms for s in good]
            row |= {"p50_ms": _percentile(ms, 0.5), "p99_ms": _percentile(ms, 0.99)}
            row["max_ms"] = round(max(ms), 1)
            clear = [s.ms for s in good if not _overlaps(s, hashing)]
            if clear and kind in BAR_KINDS:
                row["p99_not_behind_hash_ms"] = _percentile(clear, 0.99)
                row["behind_hash"] = len(good) - len(clear)
            if kind in BAR_KINDS:  # when and where the tail happened
                row["slowest"] = [
                    f"{s.ms:.1f} ms at {s.started - run.t0:.1f} s via {s.node or '-'}"
                    for s in sorted(good, key=lambda s: -s.ms)[:4]
                ]
        kinds[kind] = row
    failures = [s for s in samples if s.status == 0 or s.status >= 500]
    outside = [s for s in failures if not inside(s)]
    by_node: dict[str, int] = {}
    for s in samples:
        by_node[s.node or "(none)"] = by_node.get(s.node or "(none)", 0) + 1
    reads = [s for s in samples if s.kind.startswith("read")]
    return {
        "kinds": kinds,
        "requests": len(samples),
        "per_second": round(len(samples) / run.run_seconds, 1),
        "reads_per_second": round(len(reads) / run.run_seconds, 1),
        "writes_per_second": round((len(samples) - len(reads)) / run.run_seconds, 1),
        "failures_inside_kill_window": len(failures) - len(outside),
        "failures_outside_kill_window": len(outside),
        "failures_outside_examples": [
            f"{s.kind} {s.status or s.error} at {s.started - run.t0:.1f} s via {s.node or '-'}"
            for s in outside[:8]
        ],
        "failure_statuses_inside": sorted(
            {str(s.status or s.error) for s in failures if inside(s)}
        ),
        "by_node": by_node,
    }


def consistency(reads: dict[str, dict[str, list[Any]]], truth: dict[str, Any]) -> list[dict]:
    rows = []
    for name, per_node in reads.items():
        key, who = name.split(" (")
        who = who.rstrip(")")
        expected = (
            truth["scores"].get(key.split(":")[1]) if key.startswith("score:") else truth[key]
        )
        values = [v for node in per_node.values() for v in node]
        rows.append(
            {
                "value": key,
                "as": who,
                "database": expected,
                "nodes": per_node,
                "same_on_every_node": len({json.dumps(v) for v in values}) == 1,
                "equals_database": all(v == expected for v in values),
            }
        )
    return rows


def measure(args: argparse.Namespace) -> dict[str, Any]:
    run = Run(args)
    result: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "setup_kind": "embedded" if args.embedded else "cluster",
        "params": {k: v for k, v in vars(args).items() if k != "json"},
    }
    keep_dir = True
    try:
        data, env = run.start()
        result["setup"] = run.setup
        members = run.workload(data)
        result["events"] = run.events
        result["kill_window"] = run.kill_window
        print("Reading the counts on each node", flush=True)
        session = members[0].browser.cookies.get("sessionid", "")
        bench_answers = [a["id"] for a in run.record.acks["answers"][:3]]
        reads_now = run.node_reads(session, bench_answers)
        print("Hammering the limits through the front", flush=True)
        limits = run.limits(data)
        acks = {
            "tag": run.tag,
            "started": run.run_started.isoformat(),
            **run.record.acks,
            # Sessions the bench ended itself (log-out) are gone by design.
            "sessions": sorted(
                {s["key"] for s in run.record.acks["sessions"]}
                - {s["key"] for s in run.record.acks["sessions_ended"]}
            ),
            "drain_seconds": args.drain,
            "killed": run.killed_wall.isoformat() if run.killed_wall else None,
            "read_answers": bench_answers,
        }
        acks_file = run.run_dir / "acks.json"
        acks_file.write_text(json.dumps(acks))
        print("Checking the database", flush=True)
        checked = child("cluster_data.py", env, "check", str(acks_file))
        result["writes"] = {k: v for k, v in checked.items() if k not in ("tasks", "truth")}
        result["tasks"] = checked["tasks"]
        result["truth"] = checked["truth"]
        rows = consistency(reads_now, checked["truth"])
        waited = 0
        if any(not (r["same_on_every_node"] and r["equals_database"]) for r in rows) and args.lag:
            print(f"Counts differ: reading again after {args.lag} s", flush=True)
            time.sleep(args.lag)
            waited = args.lag
            rows_later = consistency(run.node_reads(session, bench_answers), checked["truth"])
            for row, later in zip(rows, rows_later, strict=True):
                row["after_lag"] = later["nodes"]
                row["same_after_lag"] = later["same_on_every_node"] and later["equals_database"]
        result["consistency"] = {"rows": rows, "waited_seconds": waited}
        result["limits"] = limits
        result["not_acknowledged"] = dict(sorted(run.record.refused.items()))
        result["http"] = latency(run)
        result["cpu"] = run.cpu
        if run.cpu["others_cores"] > 0.2:
            run.notes.append(
                f"Other processes used {run.cpu['others_cores']} cores during the run "
                f"({run.cpu['others_busiest']}): latency is not comparable with a quiet run."
            )
        result["notes"] = run.notes
        # The logs stay when something needs explaining (a 5xx: its traceback is there).
        writes = result["writes"]
        keep_dir = bool(
            result["http"]["failures_outside_kill_window"]
            or any(v.get("lost") or v.get("duplicated") for v in writes.values())
        )
    finally:
        run.stop.set()
        run.processes.stop_all()
        run_dir = getattr(run, "run_dir", None)
        if run_dir is not None and not keep_dir and not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        elif run_dir is not None:
            print(f"Logs kept in {run_dir}", flush=True)
    writes = result["writes"]
    result["bars"] = {
        "lost": sum(v.get("lost", 0) for v in writes.values()),
        "duplicated": sum(v.get("duplicated", 0) for v in writes.values())
        + writes["votes"]["scores_off"],
        "failures_outside_kill_window": result["http"]["failures_outside_kill_window"],
        "limits_held": all(r["held"] for r in result["limits"]),
        "counts_same": all(
            (r["same_on_every_node"] and r["equals_database"]) or r.get("same_after_lag", False)
            for r in result["consistency"]["rows"]
        ),
        "write_p99_ms": {
            kind: result["http"]["kinds"].get(kind, {}).get("p99_ms") for kind in BAR_KINDS
        },
    }
    return result


# --- the report -----------------------------------------------------------------------------


def _yes(value: bool) -> str:
    return "yes" if value else "NO"


def report(run: dict[str, Any]) -> str:
    p = run["params"]
    if run["setup_kind"] == "cluster":
        threads = p.get("threads") or 2
        title = (
            f"PostgreSQL + Redis, 2 granian nodes ({threads} thread(s) a worker) behind nginx "
            "(round robin), 2 task workers"
        )
    else:
        threads = p.get("threads") or 1
        title = (
            f"embedded: SQLite, no Redis, 1 granian with 2 workers ({threads} thread(s) each), "
            "1 task worker"
        )
    lines = [
        f"RareMap cluster benchmark, {run['started']}, commit {run['commit']}",
        f"Set-up: {title}; workers run `{run['setup']['worker']}`; prepared (no-op steps on "
        f"a rerun) in {sum(run['setup']['prepare'].values()):.0f} s",
        f"Workload: {p['seconds']} s, {p['clients']} member clients x {p['members_per_client']} "
        f"members, {p['visitors']} visitors, think {p['think_ms']} ms, a sign-up every "
        f"{p['signup_every']} s; TASK_STUCK_SECONDS {p['task_stuck_seconds']}",
        "Events: " + "; ".join(f"{t} s {text}" for t, text in run["events"]),
        "",
        "Acknowledged writes in the database:",
        f"  {'write':22} {'acked':>6} {'lost':>5} {'dup':>5}  notes",
    ]
    for name, row in run["writes"].items():
        note = ""
        if name == "answers":
            note = (
                f"{row['unacknowledged_attempts']} unanswered attempts, "
                f"{row['unacknowledged_committed']} of them committed; wrong id {row['wrong_id']}"
            )
        if name == "votes":
            note = (
                f"{row['pairs']} member-answer pairs, wrong value {row['wrong_value']}, "
                f"scores off {row['scores_off']} of {row['answers_touched']} answers"
            )
        lines.append(
            f"  {name:22} {row['acknowledged']:>6} {row['lost']:>5} {row['duplicated']:>5}  {note}"
        )
    refused = run["not_acknowledged"]
    lines.append(
        "Writes not acknowledged (what came back instead): "
        + (", ".join(f"{k} x{v}" for k, v in refused.items()) or "none")
    )
    h = run["http"]
    lines += [
        "",
        f"Failures (5xx or no answer): {h['failures_inside_kill_window']} inside the kill window "
        f"{_window(run['kill_window'])} ({', '.join(h['failure_statuses_inside']) or '-'}), "
        f"{h['failures_outside_kill_window']} outside",
    ]
    lines += [f"  outside: {e}" for e in h["failures_outside_examples"]]
    lines.append(
        "Background tasks enqueued since the start: "
        + ", ".join(f"{k} {v}" for k, v in sorted(run["tasks"].items()) if k != "orphaned")
        + "".join(
            f"; left running by the killed worker: {path}"
            for path in run["tasks"].get("orphaned", [])
        )
    )
    lines += ["", "Limits, hammered through the front:"]
    lines.append(f"  {'limit':28} {'stated':>6} {'sent':>5} {'allowed':>7}  held  by node")
    for r in run["limits"]:
        nodes = ", ".join(f"{k} {v}" for k, v in r["by_node"].items())
        lines.append(
            f"  {r['limit']:28} {r['stated']:>6} {r['attempts']:>5} {r['allowed']:>7}  "
            f"{_yes(r['held']):4}  {nodes}"
        )
    lines += ["", "Counts on each node (read on the node itself) against the database:"]
    for r in run["consistency"]["rows"]:
        nodes = "  ".join(f"{k} {v}" for k, v in r["nodes"].items())
        line = f"  {r['value']:16} {r['as']:8} db {r['database']!s:>6}  {nodes}"
        line += f"  same {_yes(r['same_on_every_node'] and r['equals_database'])}"
        if "after_lag" in r:
            later = "  ".join(f"{k} {v}" for k, v in r["after_lag"].items())
            line += f"; after {run['consistency']['waited_seconds']} s: {later}"
            line += f" same {_yes(r['same_after_lag'])}"
        lines.append(line)
    lines += [
        "",
        f"Throughput: {h['per_second']} req/s ({h['reads_per_second']} reads, "
        f"{h['writes_per_second']} writes); requests by node: "
        + ", ".join(f"{k} {v}" for k, v in sorted(h["by_node"].items())),
        "CPU (cores) during the run: "
        + ", ".join(f"{role} {n}" for role, n in run["cpu"]["cores_by_role"].items())
        + " (others: processes outside the benchmark)",
        "Latency of successful requests outside the kill window:",
        f"  {'kind':14} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'4xx':>4} {'429':>4}",
    ]
    for kind, r in h["kinds"].items():
        lines.append(
            f"  {kind:14} {r['requests']:>8} {r['per_second']:>6} {r.get('p50_ms', '-'):>7} "
            f"{r.get('p99_ms', '-'):>7} {r.get('max_ms', '-'):>7} {r['status_4xx']:>4} "
            f"{r['status_429']:>4}"
        )
    b = run["bars"]
    lines += [
        "",
        f"Bar: acknowledged writes lost 0: {b['lost']} -> {'met' if not b['lost'] else 'MISSED'}",
        f"Bar: acknowledged writes duplicated 0: {b['duplicated']} -> "
        f"{'met' if not b['duplicated'] else 'MISSED'}",
        f"Bar: no 5xx outside the kill window: {b['failures_outside_kill_window']} -> "
        f"{'met' if not b['failures_outside_kill_window'] else 'MISSED'}",
        f"Bar: every limit held across nodes: {'met' if b['limits_held'] else 'NOT held'}",
        f"Bar: every node shows the database's counts: {'met' if b['counts_same'] else 'MISSED'}",
    ]
    for kind, value in b["write_p99_ms"].items():
        row = h["kinds"].get(kind, {})
        verdict = "met" if value is not None and value < WRITE_BAR_MS else "MISSED"
        extra = ""
        if "p99_not_behind_hash_ms" in row:
            extra = (
                f" ({row['p99_not_behind_hash_ms']} ms without the {row['behind_hash']} that "
                "overlapped a password hash on the same node)"
            )
        lines.append(f"Bar: {kind} p99 < {WRITE_BAR_MS:.0f} ms: {value} ms{extra} -> {verdict}")
        if row.get("slowest"):
            lines.append(f"  slowest {kind}s: {'; '.join(row['slowest'])}")
    lines += [f"Note: {note}" for note in run["notes"]]
    return "\n".join(line.rstrip() for line in lines)


def _window(window: Any) -> str:
    return f"{window[0]:.1f}-{window[1]:.1f} s" if window else "(none)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the workload")
    parser.add_argument("--embedded", action="store_true", help="SQLite, no Redis, one granian")
    parser.add_argument("--json", action="store_true", help="also print the run as JSON")
    parser.add_argument("--clients", type=int, default=4, help="member threads")
    parser.add_argument("--members-per-client", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=2, help="visitor threads")
    parser.add_argument("--think-ms", type=int, default=150, help="pause between two requests")
    parser.add_argument("--signup-every", type=float, default=10.0, help="seconds")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of the run")
    parser.add_argument("--down-seconds", type=float, default=4.0)
    parser.add_argument("--node-workers", type=int, default=1, help="granian workers per node")
    parser.add_argument(
        "--threads",
        type=int,
        help="granian threads per worker (default: 2 on nodes, as docs/deploy.md; 1 embedded, "
        "as bin/serve): a password hash releases Python's lock, so with 2 a request need not "
        "wait behind one",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="run the task workers under nice -n N (10: docs/deploy.md's Nice=10)",
    )
    parser.add_argument("--lag", type=int, default=65, help="wait before reading counts again")
    parser.add_argument("--drain", type=int, default=60, help="wait for the task queue, at most")
    parser.add_argument(
        "--task-stuck-seconds",
        type=int,
        default=30,
        help="TASK_STUCK_SECONDS for the run (600 by default in production): a task left "
        "running by the killed worker is taken back within the run",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the run's data directory")
    parser.add_argument(
        "--log-level", default="ERROR", help="LOG_LEVEL of the nodes and workers (logs kept)"
    )
    args = parser.parse_args()

    def text(run: dict[str, Any]) -> str:
        out = report(run)
        return out + ("\n\n" + json.dumps(run, indent=2, default=str) if args.json else "")

    run_and_report("cluster-embedded" if args.embedded else "cluster", measure, text, args)


if __name__ == "__main__":
    sys.exit(main())
