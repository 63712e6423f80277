"""Tasks whose worker died are queued again, or failed after MAX_ATTEMPTS (raremap/core/tasks.py),
and `raremap tasks` shows the queue. A real worker killed mid-task: test_tasks_worker.py."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from raremap.core.tasks import (
    LOST_TRACEBACK,
    MAX_ATTEMPTS,
    Recovery,
    TaskLostError,
    task_queue_stats,
    tasks_recover,
)
from tests.core.blocking_tasks import EFFECT, RELEASE, STARTED, lines, wait_then_record
from tests.markers import transactional_tasks

DIGEST = "raremap.questions.tasks.digest_refresh"
MENTIONS = "raremap.treatments.tasks.mentions_refresh_task"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stuck_after_ten_minutes(settings: Settings) -> None:
    settings.TASK_STUCK_SECONDS = 600


def _row(path: str, status: str, *, started: datetime | None = None, **fields: object) -> str:
    """A task in the given state; `enqueued_at` (set by the database on create) is updated."""
    row = DBTaskResult.objects.create(
        task_path=path,
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        status=status,
        started_at=started,
    )
    if fields:
        DBTaskResult.objects.filter(pk=row.pk).update(**fields)
    return row.pk


def _running(seconds_ago: int, workers: list[str]) -> str:
    return _row(
        DIGEST,
        TaskResultStatus.RUNNING,
        started=NOW - timedelta(seconds=seconds_ago),
        worker_ids=workers,
    )


def _state(pk: str) -> tuple[str, datetime | None, list[str]]:
    row = DBTaskResult.objects.get(pk=pk)
    return row.status, row.started_at, row.worker_ids


@pytest.mark.django_db
def test_a_task_running_past_the_timeout_is_ready_again() -> None:
    stuck = _running(601, ["dead"])

    assert tasks_recover(now=NOW) == Recovery(requeued=1, failed=0)
    assert _state(stuck) == (TaskResultStatus.READY, None, ["dead"])
    assert list(DBTaskResult.objects.ready()) == [DBTaskResult.objects.get(pk=stuck)]


@pytest.mark.django_db
def test_a_task_running_within_the_timeout_is_left_alone() -> None:
    fresh = _running(599, ["alive"])
    on_the_edge = _running(600, ["alive too"])

    assert tasks_recover(now=NOW) == Recovery(requeued=0, failed=0)
    assert _state(fresh) == (TaskResultStatus.RUNNING, NOW - timedelta(seconds=599), ["alive"])
    assert _state(on_the_edge) == (
        TaskResultStatus.RUNNING,
        NOW - timedelta(seconds=600),
        ["alive too"],
    )


@pytest.mark.django_db
def test_only_running_tasks_are_recovered_and_only_once() -> None:
    old = NOW - timedelta(hours=1)
    others = {
        _row(DIGEST, TaskResultStatus.READY, started=old): TaskResultStatus.READY,
        _row(DIGEST, TaskResultStatus.SUCCESSFUL, started=old): TaskResultStatus.SUCCESSFUL,
        _row(DIGEST, TaskResultStatus.FAILED, started=old): TaskResultStatus.FAILED,
    }
    stuck = _running(3600, ["dead"])

    assert tasks_recover(now=NOW) == Recovery(requeued=1, failed=0)
    # A second worker recovering at the same moment finds nothing left to do.
    assert tasks_recover(now=NOW) == Recovery(requeued=0, failed=0)
    assert {pk: DBTaskResult.objects.get(pk=pk).status for pk in others} == others
    assert DBTaskResult.objects.get(pk=stuck).status == TaskResultStatus.READY


@pytest.mark.django_db
def test_a_task_claimed_again_meanwhile_stays_with_its_new_worker() -> None:
    # A recoverer that read the clock before another one recovered the task and a worker
    # claimed it again: the new claim is after its cutoff.
    late = _running(600 + 5, ["dead"])
    DBTaskResult.objects.filter(pk=late).update(
        started_at=NOW, worker_ids=["dead", "new"], status=TaskResultStatus.RUNNING
    )

    assert tasks_recover(now=NOW) == Recovery(requeued=0, failed=0)
    assert _state(late) == (TaskResultStatus.RUNNING, NOW, ["dead", "new"])


@pytest.mark.django_db
def test_a_task_whose_worker_died_at_every_attempt_fails() -> None:
    poison = _running(601, ["one", "two", "three"])
    second_try = _running(601, ["one", "two"])

    assert tasks_recover(now=NOW) == Recovery(requeued=1, failed=1)
    row = DBTaskResult.objects.get(pk=poison)
    assert (row.status, row.finished_at, row.worker_ids) == (
        TaskResultStatus.FAILED,
        NOW,
        ["one", "two", "three"],
    )
    assert row.exception_class_path == "raremap.core.tasks.TaskLostError"
    assert row.traceback == LOST_TRACEBACK.format(seconds=600, attempts=3)
    assert row.traceback.startswith(
        "raremap.core.tasks.TaskLostError: the task was still running 600 s "
        "(TASK_STUCK_SECONDS) after each of its 3 attempts"
    )
    assert row.task_result.errors[0].exception_class is TaskLostError
    assert MAX_ATTEMPTS == 3
    assert _state(second_try)[0] == TaskResultStatus.READY


@transactional_tasks
def test_the_worker_takes_back_a_dead_workers_task_and_runs_it(
    settings: Settings, tmp_path: Path
) -> None:
    # The worker claims in its own transactions (hence a transactional test), in this process.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "ENQUEUE_ON_COMMIT": False}
    }
    (tmp_path / RELEASE).touch()
    pk = wait_then_record.enqueue(str(tmp_path)).id
    # Claimed by a worker that died at once: RUNNING for eleven minutes.
    DBTaskResult.objects.filter(pk=pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=11),
        worker_ids=["dead"],
    )

    call_command(
        "worker", "--batch", "--no-startup-delay", "--worker-id", "next", "-v", "0", "--no-reload"
    )

    row = DBTaskResult.objects.get(pk=pk)
    assert (row.status, row.worker_ids, row.return_value) == (
        TaskResultStatus.SUCCESSFUL,
        ["dead", "next"],
        1,
    )
    assert len(lines(tmp_path, STARTED)) == 1
    assert len(lines(tmp_path, EFFECT)) == 1


@pytest.mark.django_db
def test_tasks_command_shows_the_queue_per_task() -> None:
    now = timezone.now()
    minutes = timedelta(minutes=1)
    for waited in (5, 2):
        _row(DIGEST, TaskResultStatus.READY, enqueued_at=now - waited * minutes)
    _row(DIGEST, TaskResultStatus.RUNNING, started=now - 20 * minutes)  # stuck
    _row(DIGEST, TaskResultStatus.RUNNING, started=now - minutes)
    _row(DIGEST, TaskResultStatus.FAILED, finished_at=now - 3 * minutes)
    _row(DIGEST, TaskResultStatus.FAILED, finished_at=now - 25 * 60 * minutes)  # too old
    _row(DIGEST, TaskResultStatus.SUCCESSFUL, finished_at=now - minutes)
    _row(MENTIONS, TaskResultStatus.SUCCESSFUL, finished_at=now - minutes)
    _row(MENTIONS, TaskResultStatus.SUCCESSFUL, finished_at=now - 2 * minutes)
    _row(MENTIONS, TaskResultStatus.READY, run_after=now + 60 * minutes)  # deferred
    out = StringIO()

    call_command("tasks", stdout=out)

    assert out.getvalue().splitlines() == [
        "Stuck: running for more than 600 s.",
        "task                                             ready  oldest  running   stuck  failed 24h  done 24h",  # noqa: E501
        "raremap.questions.tasks.digest_refresh               2      5m        2       1           1         1",  # noqa: E501
        "raremap.treatments.tasks.mentions_refresh_task       0       -        0       0           0         2",  # noqa: E501
    ]


@pytest.mark.django_db
def test_tasks_command_recovers_when_asked() -> None:
    stuck = _row(MENTIONS, TaskResultStatus.RUNNING, started=timezone.now() - timedelta(hours=1))
    out = StringIO()

    call_command("tasks", "--recover", stdout=out)

    assert DBTaskResult.objects.get(pk=stuck).status == TaskResultStatus.READY
    assert out.getvalue().splitlines()[0] == "Recovered: 1 queued again, 0 failed after 3 attempts."
    assert [(row.ready, row.running, row.stuck) for row in task_queue_stats()] == [(1, 0, 0)]


@pytest.mark.django_db
def test_tasks_command_on_an_empty_queue() -> None:
    out = StringIO()

    call_command("tasks", stdout=out)

    assert out.getvalue() == "No task ready, running or finished in the last 24 hours.\n"
