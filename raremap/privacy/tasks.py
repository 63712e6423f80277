"""Background work for data rights (django-tasks): run by `raremap worker`, never in a page."""

from django.utils import translation
from django_tasks import task


@task()
def export_build_task(export_id: int, language: str) -> int:
    """Build a member's data export that is too big to build during their request (in the
    language they asked in: the README is translated). Returns the zip's size, or -1 when the
    export is gone.

    Idempotent (a task may run again after its worker died, raremap/core/tasks.py): the zip is
    stored only while the export is still waiting for it (raremap.privacy.services)."""
    from raremap.privacy.services import export_build

    with translation.override(language or None):
        export = export_build(export_id=export_id)
    return export.size if export is not None else -1
