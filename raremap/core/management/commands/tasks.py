"""`raremap tasks [--recover]`: the background task queue, for operators."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from raremap.core.tasks import MAX_ATTEMPTS, task_queue_stats, tasks_recover

COLUMNS = ("ready", "oldest", "running", "stuck", "failed 24h", "done 24h")


def _age(waited: timedelta | None) -> str:
    if waited is None:
        return "-"
    seconds = int(waited.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _line(first: str, width: int, cells: tuple[object, ...]) -> str:
    # Each number right-aligned under its column name, six characters at least.
    columns = (f"{cell:>{max(len(name), 6)}}" for name, cell in zip(COLUMNS, cells, strict=True))
    return f"{first:<{width}}  " + "  ".join(columns)


class Command(BaseCommand):
    help = (
        "Show the background task queue per task: ready to run, how long the oldest ready one "
        "has waited, running, stuck (running for longer than TASK_STUCK_SECONDS), failed and "
        "done in the last 24 hours. --recover first queues the stuck tasks again (what every "
        "`raremap worker` does every few seconds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recover",
            action="store_true",
            help=f"first queue the stuck tasks again (or fail them after {MAX_ATTEMPTS} attempts)",
        )

    def handle(self, *args: object, recover: bool, **options: object) -> None:
        if recover:
            done = tasks_recover()
            self.stdout.write(
                f"Recovered: {done.requeued} queued again, "
                f"{done.failed} failed after {MAX_ATTEMPTS} attempts."
            )
        rows = task_queue_stats()
        if not rows:
            self.stdout.write("No task ready, running or finished in the last 24 hours.")
            return
        width = max(len("task"), *(len(row.task_path) for row in rows))
        self.stdout.write(f"Stuck: running for more than {settings.TASK_STUCK_SECONDS} s.")
        self.stdout.write(_line("task", width, COLUMNS))
        for row in rows:
            values = (
                row.ready,
                _age(row.oldest_waiting),
                row.running,
                row.stuck,
                row.failed_24h,
                row.done_24h,
            )
            self.stdout.write(_line(row.task_path, width, values))
