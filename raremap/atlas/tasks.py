"""Background work for the map (django-tasks): run by `raremap worker`, never in a page."""

from django_tasks import task


@task()
def map_publish_task(disease_id: int, country_ids: list[int]) -> int:
    """Publish countries of a disease's map again: queued to run when a member's entry has been
    at its place MAP_ESTABLISHED_DAYS and starts to count toward k. Returns the map's new
    version, or -1 when the disease is gone.

    Idempotent (a task may run again after its worker died, raremap/core/tasks.py): publishing
    writes what the entries committed now imply."""
    from raremap.atlas.publish import map_publish
    from raremap.catalog.models import Disease

    if not Disease.objects.filter(pk=disease_id).exists():
        return -1
    return map_publish(disease_id=disease_id, countries=set(country_ids)).version
