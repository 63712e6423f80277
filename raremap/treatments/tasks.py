"""Background work for treatments (django-tasks): run by `raremap worker`, never in a page."""

from django_tasks import task


@task()
def mentions_refresh_task(answer_id: int) -> int:
    """Find the treatments an answer names, after it was written, edited, hidden or restored.
    Returns how many treatments it names, or -1 when the answer is gone.

    Idempotent (a task may run again after its worker died, raremap/core/tasks.py): it replaces
    the answer's mentions with what the answer's current text names, in one transaction."""
    from raremap.questions.models import Answer
    from raremap.treatments.mentions import mentions_refresh

    answer = Answer.objects.select_related("question").filter(pk=answer_id).first()
    if answer is None:
        return -1
    return len(mentions_refresh(answer=answer))
