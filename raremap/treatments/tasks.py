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


@task()
def question_mentions_recount_task(question_id: int) -> int:
    """Recount the treatments named in a question's answers, after a moderator hid, removed or
    published the question again (its answers' mentions count only while it is published).
    Returns how many treatments it recounted.

    Idempotent (raremap/core/tasks.py): it counts afresh, with the treatments' rows locked."""
    from raremap.treatments.activity import mention_counts_refresh
    from raremap.treatments.models import TreatmentMention

    named = TreatmentMention.objects.filter(answer__question_id=question_id)
    treatment_ids = set(named.values_list("treatment_id", flat=True))
    mention_counts_refresh(treatment_ids=treatment_ids)
    return len(treatment_ids)
