"""Background work for questions (django-tasks): run by `raremap db_worker`, never in a page."""

from django_tasks import task


@task()
def digest_refresh(question_id: int) -> int:
    """Recompute a question's "what members say" digest; returns how many answers it picked."""
    from raremap.questions.digest import digest_refresh as refresh
    from raremap.questions.models import Question

    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        return 0
    return len(refresh(question=question))
