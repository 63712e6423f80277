"""Background tasks that outlive their worker, and the queue's numbers for operators.

django-tasks-db marks a task RUNNING when a worker claims it, and only that worker ever marks it
finished: a worker killed in the middle (`kill -9`, out of memory, a lost machine) leaves it
RUNNING forever and no other worker picks it up. `tasks_recover` queues such a task again once
it has been RUNNING for longer than `settings.TASK_STUCK_SECONDS`; `raremap worker` calls it
at start and every few seconds (`RecoveryLoop`), `raremap tasks --recover` once.

A task may therefore run more than once: every task must be idempotent (running it again, or
twice at the same moment, leaves the same result). Each task says why it is in its docstring.
A task whose worker dies on each of `MAX_ATTEMPTS` attempts (a "poison" task that kills its
worker) is marked FAILED with `TaskLostError` instead of being queued again forever.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)

# Claims of one task (django-tasks-db appends the claiming worker's id to `worker_ids` at each
# claim) after which a task whose worker died is failed rather than queued again.
MAX_ATTEMPTS = 3


class TaskLostError(Exception):
    """The failure stored for a task whose worker died during each of its attempts."""


LOST_TRACEBACK = (
    "raremap.core.tasks.TaskLostError: the task was still running {seconds} s "
    "(TASK_STUCK_SECONDS) after each of its {attempts} attempts: its worker stopped (killed, "
    "out of memory or its machine lost) every time. It is not tried again; worker_ids lists "
    "the workers that claimed it.\n"
)


@dataclass(frozen=True)
class Recovery:
    requeued: int  # made READY again
    failed: int  # given up after MAX_ATTEMPTS


def tasks_recover(*, now: datetime | None = None) -> Recovery:
    """Queue again the tasks RUNNING for longer than TASK_STUCK_SECONDS; fail those already
    claimed MAX_ATTEMPTS times.

    Safe with any number of workers on any number of machines recovering at once: each UPDATE
    changes a row only while it is still RUNNING with a claim older than the cutoff, so a row
    is recovered once, and a row claimed again meanwhile (its new claim is after the cutoff)
    stays with its new worker.
    """
    now = now or timezone.now()
    stuck = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.TASK_STUCK_SECONDS),
    )
    # Not every database can compare a JSON list's length in SQL: the attempts are counted
    # here, and the UPDATEs below still re-check the state they change.
    claims = dict(stuck.values_list("pk", "worker_ids"))
    lost = [pk for pk, workers in claims.items() if len(workers) >= MAX_ATTEMPTS]
    again = [pk for pk, workers in claims.items() if len(workers) < MAX_ATTEMPTS]
    requeued = stuck.filter(pk__in=again).update(status=TaskResultStatus.READY, started_at=None)
    failed = stuck.filter(pk__in=lost).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        return_value=None,
        exception_class_path=f"{TaskLostError.__module__}.{TaskLostError.__qualname__}",
        traceback=LOST_TRACEBACK.format(seconds=settings.TASK_STUCK_SECONDS, attempts=MAX_ATTEMPTS),
    )
    if requeued or failed:
        logger.warning(
            "Tasks whose worker died: %d queued again, %d failed after %d attempts",
            requeued,
            failed,
            MAX_ATTEMPTS,
        )
    return Recovery(requeued=requeued, failed=failed)


def recovery_interval() -> float:
    """Seconds between two recoveries in a worker: a dead worker's task waits at most
    TASK_STUCK_SECONDS and a quarter more (a minute at most, a second at least)."""
    return min(60.0, max(1.0, settings.TASK_STUCK_SECONDS / 4))


class RecoveryLoop(threading.Thread):
    """Runs `tasks_recover` every `every` seconds beside a worker's loop until stopped.

    A thread, because django-tasks-db's worker loop has no hook to call between claims, and so
    that a long task in the worker does not delay the recovery of other workers' tasks. It
    uses its own database connection (Django's are per thread)."""

    def __init__(self, *, every: float) -> None:
        super().__init__(name="task-recovery", daemon=True)
        self.every = every
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            close_old_connections()
            try:
                tasks_recover()
            except DatabaseError:
                # A database that is away or busy now may answer next time.
                logger.exception("Task recovery failed; trying again in %s s", self.every)
        connection.close()

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass(frozen=True)
class TaskPathStats:
    task_path: str
    ready: int  # waiting to run now
    oldest_waiting: timedelta | None  # how long the longest-waiting ready task has waited
    running: int
    stuck: int  # running for longer than TASK_STUCK_SECONDS
    failed_24h: int
    done_24h: int  # finished successfully in the last 24 hours


def task_queue_stats(*, now: datetime | None = None) -> list[TaskPathStats]:
    """The queue per task path (one aggregate query): tasks ready, running or finished in the
    last 24 hours; paths with none of them are left out."""
    now = now or timezone.now()
    day_ago = now - timedelta(days=1)
    ready = Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))
    running = Q(status=TaskResultStatus.RUNNING)
    stuck = running & Q(started_at__lt=now - timedelta(seconds=settings.TASK_STUCK_SECONDS))
    failed = Q(status=TaskResultStatus.FAILED, finished_at__gte=day_ago)
    done = Q(status=TaskResultStatus.SUCCESSFUL, finished_at__gte=day_ago)
    rows = (
        DBTaskResult.objects.filter(ready | running | failed | done)
        .values("task_path")
        .annotate(
            ready=Count("pk", filter=ready),
            oldest=Min("enqueued_at", filter=ready),
            running=Count("pk", filter=running),
            stuck=Count("pk", filter=stuck),
            failed_24h=Count("pk", filter=failed),
            done_24h=Count("pk", filter=done),
        )
        .order_by("task_path")
    )
    return [
        TaskPathStats(
            task_path=row["task_path"],
            ready=row["ready"],
            oldest_waiting=None if row["oldest"] is None else now - row["oldest"],
            running=row["running"],
            stuck=row["stuck"],
            failed_24h=row["failed_24h"],
            done_24h=row["done_24h"],
        )
        for row in rows
    ]
