"""Background work for questions (django-tasks): run by `raremap worker`, never in a page."""

from datetime import datetime

from django_tasks import task


@task()
def digest_refresh(question_id: int, requested_at: str) -> int:
    """Recompute a question's "what members say" digest unless one was computed after the
    change that asked for it (many answers in a row queue many requests: one suffices).
    Returns how many answers it picked, or -1 when it had nothing to do.

    Idempotent (a task may run again after its worker died, raremap/core/tasks.py): it replaces
    the question's digest with one computed from the current answers, in one transaction with
    the question locked; a run after a newer digest does nothing."""
    from raremap.questions.digest import digest_refresh as refresh
    from raremap.questions.models import Question

    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        return -1
    fresh = question.digest_updated_at
    if fresh is not None and fresh >= datetime.fromisoformat(requested_at):
        return -1
    return len(refresh(question=question))
