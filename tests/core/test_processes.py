"""The rules that every process must agree on, proven with two real server processes.

`bin/serve` runs several web workers and a deployment runs several machines: a limit counted
in one process's memory lets N times too many attempts through, and a cache one process
forgets stays stale in the other. Here two granian servers (separate processes, separate
ports) share a database — a file SQLite database, or a PostgreSQL database beside the test
one when the suite runs on PostgreSQL — and a shared store: the embedded default's cache
directory on SQLite, Redis beside PostgreSQL (as a deployment of several nodes has it) where one
runs. Requests alternate between the two servers.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.db import connection

from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.accounts.views import LOGIN_PER_ACCOUNT, SIGNUP_PER_IP
from tests.accounts.test_two_factor import code_for
from tests.conftest import redis_reachable

pytestmark = pytest.mark.django_db  # the test database's name and vendor decide where they run

REDIS_PROCESSES_URL = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "a long and fine password 42"
TOTP_KEY = "3132333435363738393031323334353637383930"
SLUG = "test-disease-processes"

# Made once in the servers' fresh database (members who agreed to the privacy notice, and a
# disease; no catalog import).
SETUP = f"""
from raremap.accounts.models import User
from raremap.accounts.notice import PRIVACY_NOTICE_VERSION as NOTICE
from raremap.catalog.models import Disease
for email, name in (("member", "Member"), ("other", "Other"), ("target", "Target")):
    User.objects.create_user(
        email=f"{{email}}@example.org",
        password={PASSWORD!r},
        display_name=name,
        consent_version=NOTICE,
    )
Disease.objects.create(slug={SLUG!r}, name="Test disease", kind="rare", primary_code="TEST:1")
from raremap.accounts.services import two_factor_enable
staff = User.objects.create_user(
    email="staff@example.org", password={PASSWORD!r}, display_name="Staff", is_staff=True
)
two_factor_enable(user=staff, key={TOTP_KEY!r}, last_t=0)
"""

# Makes every session of the staff member look idle for an hour (in the servers' database).
AGE_STAFF_SESSIONS = """
from raremap.accounts.middleware import LAST_SEEN_KEY
from raremap.accounts.models import Session
from raremap.accounts.sessions import SessionStore
for row in Session.objects.filter(user__email="staff@example.org"):
    store = SessionStore(row.session_key)
    store[LAST_SEEN_KEY] = store[LAST_SEEN_KEY] - 3600
    store.save()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Servers:
    urls: tuple[str, str]
    mail: Path
    env: dict[str, str]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        SECRET_KEY="cross-process-test-key-0123456789abcdefghijklmnop",
        RAREMAP_DATA_DIR=str(data_dir),
        RAREMAP_HTTPS="0",
        DEBUG="0",
        RAREMAP_TASKS="immediate",
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if connection.vendor == "postgresql":
        conf = connection.settings_dict
        name = f"{conf['NAME']}_processes"
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        user, host, port = conf["USER"], conf["HOST"] or "127.0.0.1", conf["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{name}"
        if redis_reachable():
            env["REDIS_URL"] = REDIS_PROCESSES_URL
            redis.Redis.from_url(REDIS_PROCESSES_URL).flushdb()
    return env


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/about/", timeout=2).read()  # noqa: S310 (loopback)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, django_db_blocker) -> Iterator[Servers]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("processes")
    with django_db_blocker.unblock():
        env = _environment(data_dir)
    raremap = [str(BIN / "raremap")]
    subprocess.run([*raremap, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*raremap, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT)
    subprocess.run([*raremap, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    ports = (_free_port(), _free_port())
    processes = [
        subprocess.Popen(
            [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port",
             str(port), "--workers", "1", "--blocking-threads", "1", "--no-ws",
             "raremap.wsgi:application"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]  # fmt: skip
    try:
        urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
        for url, process in zip(urls, processes, strict=True):
            _wait_for(url, process)
        yield Servers(urls=urls, mail=data_dir / "mail", env=env)  # type: ignore[arg-type]
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=10)
        if "DATABASE_URL" in env:
            with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
                name = env["DATABASE_URL"].rsplit("/", 1)[1]
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


class Browser:
    """A visitor with cookies, who may talk to either server (the session and CSRF cookies
    are for 127.0.0.1, whatever the port, as behind one load balancer)."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.address = address

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 (loopback)
        if data is not None:
            request.add_header("Referer", url)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, url: str) -> str:
        status, html = self.request(url)
        assert status == 200
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match is not None
        return match[1]

    def post(self, url: str, data: dict[str, str], *, form_on: str | None = None) -> int:
        """Post `data` as the form on page `form_on` (the same URL if not given) would."""
        token = self.token(form_on or url)
        return self.request(url, {"csrfmiddlewaretoken": token, **data})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_login_limit_holds_across_processes(servers: Servers) -> None:
    browser = Browser()
    statuses = [
        browser.post(
            servers.urls[n % 2] + "/accounts/login/",
            {"email": "target@example.org", "password": f"wrong {n}"},
        )
        for n in range(2 * LOGIN_PER_ACCOUNT.count + 2)
    ]

    assert statuses == [200] * LOGIN_PER_ACCOUNT.count + [429] * (LOGIN_PER_ACCOUNT.count + 2)


def test_a_signup_limit_holds_across_processes(servers: Servers) -> None:
    browser = Browser()
    statuses = [
        browser.post(
            servers.urls[n % 2] + "/accounts/signup/",
            {
                "email": f"new{n}@example.org",
                "display_name": f"New {n}",
                "password": PASSWORD,
                "consent": "on",
                "notice_version": PRIVACY_NOTICE_VERSION,
            },
        )
        for n in range(SIGNUP_PER_IP.count + 3)
    ]

    assert statuses == [302] * SIGNUP_PER_IP.count + [429] * 3


def _log_in(browser: Browser, url: str, email: str) -> None:
    status = browser.post(url + "/accounts/login/", {"email": email, "password": PASSWORD})
    assert status == 302


def _members_shown(html: str) -> str:
    match = re.search(r"(\d+) members?\b", html)
    assert match is not None
    return match[0]


def test_a_change_in_one_process_is_seen_by_the_other_at_once(servers: Servers) -> None:
    one, two = servers.urls
    page = f"/d/{SLUG}/"
    member, other = Browser(), Browser()
    _log_in(member, one, "member@example.org")
    _log_in(other, two, "other@example.org")
    before = _members_shown(other.request(two + page)[1])  # the counts are cached now

    assert member.post(one + f"/d/{SLUG}/join/", {"role": "patient"}, form_on=one + page) == 302
    seen_by_other_process = _members_shown(other.request(two + page)[1])

    assert (before, seen_by_other_process) == ("0 members", "1 member")


def test_a_session_made_by_one_process_is_honoured_and_ended_by_the_other(
    servers: Servers,
) -> None:
    one, two = servers.urls
    browser = Browser()
    _log_in(browser, one, "member@example.org")

    logged_in_on_two = "Log out" in browser.request(two + "/")[1]
    assert browser.post(two + "/accounts/logout/", {}, form_on=two + "/") == 302
    logged_in_on_one = "Log out" in browser.request(one + "/")[1]

    assert (logged_in_on_two, logged_in_on_one) == (True, False)


def test_the_admin_log_in_limit_holds_across_processes(servers: Servers) -> None:
    browser = Browser()
    statuses = [
        browser.post(
            servers.urls[n % 2] + "/admin/login/",
            {"email": "admin-target@example.org", "password": f"wrong {n}"},
            form_on=servers.urls[n % 2] + "/accounts/login/",
        )
        for n in range(LOGIN_PER_ACCOUNT.count + 1)
    ]

    assert statuses == [200] * LOGIN_PER_ACCOUNT.count + [429]


def test_the_second_factor_and_the_idle_time_hold_across_processes(servers: Servers) -> None:
    one, two = servers.urls
    browser = Browser()

    password = browser.post(
        one + "/admin/login/",
        {"email": "staff@example.org", "password": PASSWORD},
        form_on=one + "/accounts/login/",
    )
    code = browser.post(
        two + "/accounts/login/code/",
        {"code": code_for(TOTP_KEY), "next": "/admin/"},
        form_on=one + "/accounts/login/",
    )
    admin_on_one = browser.request(one + "/admin/")[0]
    raremap = str(BIN / "raremap")
    subprocess.run(
        [raremap, "shell", "-c", AGE_STAFF_SESSIONS], env=servers.env, check=True, cwd=ROOT
    )
    idle_on_two = browser.request(two + "/admin/")[0]
    admin_on_one_again = browser.request(one + "/admin/")[0]

    assert (password, code, admin_on_one) == (302, 302, 200)
    assert (idle_on_two, admin_on_one_again) == (302, 302)  # logged out, in both
