"""Background work for data rights (django-tasks): run by `raremap worker`, never in a page."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from raremap.privacy.export import export_zip
from raremap.privacy.models import DataExport


def export_build(*, export_id: int) -> DataExport | None:
    """Build a prepared export's zip and keep it until its link expires. Returns the export
    (None when it is gone: erased, or replaced by a newer one).

    Idempotent (a task may run again after its worker died): the zip is built outside any
    transaction (a long write transaction would hold SQLite's one write lock), then stored
    only if the export is still waiting for it."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.state == DataExport.State.READY:
        return export
    archive = export_zip(export.user)
    now = timezone.now()
    DataExport.objects.filter(pk=export_id, state=DataExport.State.PENDING).update(
        state=DataExport.State.READY,
        archive=archive,
        size=len(archive),
        ready_at=now,
        expires_at=now + timedelta(days=settings.DATA_EXPORT_DAYS),
    )
    return DataExport.objects.filter(pk=export_id).first()


@task()
def export_build_task(export_id: int, language: str) -> int:
    """Build a member's data export that is too big to build during their request (in the
    language they asked in: the README is translated). Returns the zip's size, or -1 when the
    export is gone.

    Idempotent (a task may run again after its worker died, raremap/core/tasks.py): the zip is
    stored only while the export is still waiting for it (export_build)."""
    with translation.override(language or None):
        export = export_build(export_id=export_id)
    return export.size if export is not None else -1
