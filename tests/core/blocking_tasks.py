"""A test-only background task that a worker can be killed in the middle of.

Workers import it by its path, `tests.core.blocking_tasks.wait_then_record`, so it is a module
of the `tests` package (a worker started with `python -m raremap` from the repository root finds
it). It is deliberately NOT idempotent: each run that finishes appends its effect, so a test
sees how many times it finished.
"""

import os
import time
from pathlib import Path

from django_tasks import task

STARTED = "started"  # one line per attempt: the process id that began it
RELEASE = "release"  # the task waits until this file exists
EFFECT = "effect"  # one line per finished run: the process id that finished it
WAIT_AT_MOST = 30.0  # seconds; a test that never releases it must not hang a worker forever


def lines(folder: Path, name: str) -> list[str]:
    path = folder / name
    return path.read_text().splitlines() if path.exists() else []


@task()
def wait_then_record(folder: str) -> int:
    """Note the attempt, wait to be released, then apply the effect. Returns the attempts."""
    here = Path(folder)
    with (here / STARTED).open("a") as started:
        started.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + WAIT_AT_MOST
    while not (here / RELEASE).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never released the task")
        time.sleep(0.02)
    with (here / EFFECT).open("a") as effect:
        effect.write(f"{os.getpid()}\n")
    return len(lines(here, STARTED))
