"""The real thing: a worker process killed (SIGKILL) in the middle of a task, and a second worker
that takes the task back and finishes it, once.

The workers are `python -m raremap worker` processes started from the repository root, so they
import the test-only task (tests/core/blocking_tasks.py). They reach the test database itself on
PostgreSQL; on SQLite the test database lives in this process's memory, so they work on a file
copy of it that is copied back before the test reads it.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.core.blocking_tasks import EFFECT, RELEASE, STARTED, lines, wait_then_record
from tests.markers import transactional_tasks

STUCK_SECONDS = 2  # the second worker's TASK_STUCK_SECONDS
PATIENCE = 20.0  # seconds any one step may take on a busy machine


class WorkerDatabase:
    """Where the worker processes find the test database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.copied = connection.vendor == "sqlite"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env["RAREMAP_TASKS"] = "database"
        if self.copied:
            env["RAREMAP_DATA_DIR"] = str(self.folder)  # its raremap.sqlite3
        else:
            db = connection.settings_dict
            login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
            env["DATABASE_URL"] = (
                f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            )
        return env

    def push(self) -> None:
        """Give the workers what this process wrote."""
        if self.copied:
            connection.ensure_connection()
            with sqlite3.connect(self.folder / "raremap.sqlite3") as copy:
                connection.connection.backup(copy)

    def pull(self) -> None:
        """See what the workers wrote."""
        if self.copied:
            connection.ensure_connection()
            with sqlite3.connect(self.folder / "raremap.sqlite3") as copy:
                copy.backup(connection.connection)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(worker_id: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{worker_id}.log").open("wb")
        command = [sys.executable, "-m", "raremap", "worker", "--worker-id", worker_id]
        options = ["--interval", "0.1", "--no-startup-delay", "--no-reload", "-v", "2"]
        process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            [*command, *options], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for(what: str, done: Callable[[], bool], folder: Path) -> None:
    deadline = time.monotonic() + PATIENCE
    while not done():
        if time.monotonic() > deadline:
            logs = {log.name: log.read_text() for log in folder.glob("*.log")}
            pytest.fail(f"timed out waiting for {what}; worker logs: {logs}")
        time.sleep(0.05)


@transactional_tasks
def test_a_task_whose_worker_was_killed_is_finished_once_by_another(
    tmp_path: Path, start_worker: Callable[..., subprocess.Popen[bytes]]
) -> None:
    database = WorkerDatabase(tmp_path)
    marks = tmp_path / "marks"
    marks.mkdir()
    pk = DBTaskResult.objects.create(
        task_path=wait_then_record.module_path,
        args_kwargs={"args": [str(marks)], "kwargs": {}},
        backend_name="default",
    ).pk
    database.push()
    env = database.env()

    # The first worker takes the task and is killed while it runs.
    first = start_worker("first", env)
    _wait_for("the first attempt", lambda: lines(marks, STARTED) == [str(first.pid)], tmp_path)
    first.send_signal(signal.SIGKILL)
    first.wait(PATIENCE)
    database.pull()
    killed = DBTaskResult.objects.get(pk=pk)
    assert (killed.status, killed.worker_ids) == (TaskResultStatus.RUNNING, ["first"])

    # A second worker, with a short patience for stuck tasks, takes it back and finishes it.
    (marks / RELEASE).touch()
    second = start_worker("second", {**env, "TASK_STUCK_SECONDS": str(STUCK_SECONDS)})
    _wait_for("the effect", lambda: lines(marks, EFFECT) == [str(second.pid)], tmp_path)
    second.send_signal(signal.SIGTERM)  # finishes the task it runs, then stops
    assert second.wait(PATIENCE) == 0
    database.pull()

    row = DBTaskResult.objects.get(pk=pk)
    assert (row.status, row.worker_ids, row.return_value) == (
        TaskResultStatus.SUCCESSFUL,
        ["first", "second"],
        2,
    )
    assert DBTaskResult.objects.count() == 1
    assert lines(marks, STARTED) == [str(first.pid), str(second.pid)]
    assert lines(marks, EFFECT) == [str(second.pid)]
