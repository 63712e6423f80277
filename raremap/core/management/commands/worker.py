"""`raremap worker`: django-tasks-db's `db_worker`, plus the recovery of tasks whose worker died."""

from typing import Any

from django_tasks_db.management.commands import db_worker

from raremap.core.tasks import RecoveryLoop, recovery_interval, tasks_recover


class Command(db_worker.Command):
    help = (
        "Run background tasks (django-tasks-db's db_worker, same options). Tasks left RUNNING "
        "by a worker that died (for longer than TASK_STUCK_SECONDS) are queued again, at start "
        "and every few seconds; after 3 attempts they are marked failed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Before the first claim, so that a --batch run also takes back the dead workers' tasks.
        tasks_recover()
        loop = None
        if not options["batch"]:
            loop = RecoveryLoop(every=recovery_interval())
            loop.start()
        try:
            super().handle(*args, **options)
        finally:
            if loop is not None:
                loop.stop()
