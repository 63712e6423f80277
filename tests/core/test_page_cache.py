"""The anonymous page cache answers only where Django itself would: after the HTTPS redirect
and the Host check, per htmx or full page, never for private responses."""

import pytest
from django.test import Client

from raremap.core.cache import forget_process_copies

DFSP_URL = "/d/dermatofibrosarcoma-protuberans/"
SUGGEST_URL = "/search/suggest/?q=dfsp"


@pytest.fixture
def warm(client: Client) -> Client:
    """The DFSP page and the search suggestions are in the page cache."""
    assert client.get(DFSP_URL).status_code == 200
    assert client.get(SUGGEST_URL, headers={"HX-Request": "true"}).status_code == 200
    return client


@pytest.mark.django_db
def test_a_cached_page_is_not_served_for_a_foreign_host(warm: Client) -> None:
    response = warm.get(DFSP_URL, headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert b"Dermatofibrosarcoma" not in response.content


@pytest.mark.django_db
def test_a_cached_page_is_not_served_over_plain_http_when_https_is_on(
    warm: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    visitor = Client()  # a new handler reads the setting

    response = visitor.get(DFSP_URL)
    secure = visitor.get(DFSP_URL, secure=True)

    assert (response.status_code, response["Location"]) == (301, "https://testserver" + DFSP_URL)
    assert secure.status_code == 200
    assert b"Dermatofibrosarcoma" in secure.content


@pytest.mark.django_db
def test_an_htmx_fragment_is_not_served_to_a_visitor_without_htmx(warm: Client) -> None:
    fragment = warm.get(SUGGEST_URL, headers={"HX-Request": "true"})
    page = warm.get(SUGGEST_URL)

    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"].split(", ")
    assert (page.status_code, page["Location"]) == (302, "/search/?q=dfsp")


@pytest.mark.django_db
@pytest.mark.parametrize(("handled", "stored"), [(None, True), (frozenset(), False)])
def test_responses_that_vary_on_something_unkeyed_are_not_stored(
    client: Client, monkeypatch: pytest.MonkeyPatch, handled: frozenset | None, stored: bool
) -> None:
    from django.core.cache import cache
    from django.test import RequestFactory

    from raremap.core import middleware

    if handled is not None:  # Cookie (which the page varies on) no longer handled
        monkeypatch.setattr(middleware, "_VARY_HANDLED", handled)

    response = client.get(DFSP_URL)

    assert "Cookie" in response["Vary"]
    key = middleware._page_key(RequestFactory().get(DFSP_URL))
    assert (cache.get(key) is not None) is stored


@pytest.mark.django_db
def test_api_answers_to_a_token_are_never_stored_anywhere(client: Client, member) -> None:  # type: ignore[no-untyped-def]
    from raremap.accounts.services import token_create

    secret = token_create(user=member, name="script")[1]
    response = client.get("/api/v1/connections", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_cache_clear_empties_the_shared_cache() -> None:
    from django.core.cache import cache
    from django.core.management import call_command

    cache.set("kept", "page", 60)

    call_command("cache-clear", verbosity=0)

    assert cache.get("kept") is None


def _entries_after_40_writes(tmp_path, monkeypatch: pytest.MonkeyPatch, cull_every: int) -> int:  # type: ignore[no-untyped-def]
    from raremap.core.cache import FileCache

    monkeypatch.setattr("raremap.core.cache.CULL_EVERY", cull_every)
    store = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 9, "CULL_FREQUENCY": 3}})
    for n in range(40):
        store.set(f"page-{n}", "x" * 100, 60)
    return len(list(tmp_path.glob("*.djcache")))


def test_the_file_cache_culled_on_every_write_stays_under_its_size(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert _entries_after_40_writes(tmp_path, monkeypatch, cull_every=1) <= 9


def test_the_file_cache_does_not_list_its_folder_on_each_write(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert _entries_after_40_writes(tmp_path, monkeypatch, cull_every=10**9) == 40


@pytest.mark.django_db
def test_page_cache_seconds_zero_turns_the_page_cache_off(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache
    from django.test import RequestFactory

    from raremap.core import middleware

    settings.PAGE_CACHE_SECONDS = 0

    assert client.get(DFSP_URL).status_code == 200
    assert cache.get(middleware._page_key(RequestFactory().get(DFSP_URL))) is None


# Each process's copies of what it read (LOCAL_SECONDS, never past the shared entry's end)


@pytest.mark.django_db
def test_a_process_keeps_a_page_it_read_briefly_and_never_past_its_shared_end(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    from raremap.core import middleware

    now = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])
    reads: list[str] = []
    shared_get = cache.get

    def get(key: str, *args: object, **kwargs: object) -> object:
        if key.startswith("page:"):
            reads.append(key)
        return shared_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", get)
    stored = client.get(DFSP_URL)  # rendered, stored, kept
    forget_process_copies()  # as another process

    first = client.get(DFSP_URL)  # from the shared cache, then kept here
    now[0] += middleware.LOCAL_SECONDS - 0.5
    second = client.get(DFSP_URL)  # from this process's copy
    now[0] += 1
    third = client.get(DFSP_URL)  # the copy is too old: the shared cache again
    now[0] += 60  # the shared entry has ended: rendered again (and stored again)
    fourth = client.get(DFSP_URL)

    assert stored.content == first.content == second.content == third.content
    assert len(reads) == 4  # stored, first, third, fourth: not second
    assert fourth.status_code == 200
    assert first is not second  # a response of its own for each request
    assert first["Content-Security-Policy"] == stored["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_process_keeps_at_most_local_entries_pages(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from raremap.core import middleware

    monkeypatch.setattr(middleware._local, "entries", 3)
    for query in range(10):
        assert client.get(f"/search/?q=dfsp{query}").status_code == 200
        assert 1 <= len(middleware._local) <= 3


@pytest.mark.django_db
def test_a_process_does_not_keep_a_large_page(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from raremap.core import middleware

    monkeypatch.setattr(middleware._local, "largest", 100)
    assert client.get(DFSP_URL).status_code == 200  # stored in the shared cache only
    assert len(middleware._local) == 0
    assert client.get(DFSP_URL).status_code == 200  # served from the shared cache
