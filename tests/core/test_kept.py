"""Kept pages (raremap.core.shell.keep): rendered once, kept in the shared cache under a key
that changes with their content, and copied by each process that reads them until the shared
entry's end, never past it."""

import pytest
from django.core.cache import cache

from raremap.core import cache as core_cache
from raremap.core import shell
from raremap.core.cache import forget_process_copies


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_000_000.0]
    monkeypatch.setattr(core_cache.time, "time", lambda: now[0])
    return now


@pytest.fixture
def shared_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    shared_get = cache.get

    def get(key: str, *args: object, **kwargs: object) -> object:
        reads.append(key)
        return shared_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", get)
    return reads


def test_a_process_reads_a_kept_page_once_until_the_shared_entry_ends(
    clock: list[float], shared_reads: list[str]
) -> None:
    renders: list[int] = []

    def render() -> tuple[str, dict]:
        renders.append(1)
        return f"<p>render {len(renders)}</p><!--@nav-->anonymous<!--/@nav-->", {"n": 1}

    made = shell.keep("kept:test:1", 60, render)  # rendered, stored, copied here
    forget_process_copies()  # as another process
    first = shell.keep("kept:test:1", 60, render)  # from the shared cache, then copied
    clock[0] += 59
    second = shell.keep("kept:test:1", 60, render)  # this process's copy
    clock[0] += 2  # the shared entry has ended: so has the copy
    third = shell.keep("kept:test:1", 60, render)

    assert made.fill({}) == first.fill({}) == second.fill({}) == b"<p>render 1</p>anonymous"
    assert first.data == {"n": 1}
    assert shared_reads == ["kept:test:1"] * 3  # made, first, third: not second
    assert len(renders) == 2
    assert third.fill({"nav": lambda _arg, _anon: "member"}) == b"<p>render 2</p>member"


def test_a_new_key_is_a_new_page_in_every_process(clock: list[float]) -> None:
    first = shell.keep("kept:test:v1", 60, lambda: ("<p>version 1</p>", None))
    second = shell.keep("kept:test:v2", 60, lambda: ("<p>version 2</p>", None))

    assert first.fill({}) == b"<p>version 1</p>"
    assert second.fill({}) == b"<p>version 2</p>"
