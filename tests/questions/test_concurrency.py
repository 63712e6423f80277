"""Votes under concurrency: parallel requests count exactly (one vote per member per answer)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from raremap.catalog.models import Disease
from raremap.questions import services
from raremap.questions.models import Vote
from tests.factories import MembershipFactory, UserFactory
from tests.markers import transactional

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and parallel writers: PostgreSQL (SQLite has a single writer)",
)


@transactional
def test_parallel_votes_count_exactly() -> None:
    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    author = UserFactory()
    MembershipFactory(user=author, disease=dfsp)
    question = services.question_ensure(disease=dfsp, slug="best-treatments")
    answer = services.answer_create(user=author, question=question, body="Vote on me.")
    voters = UserFactory.create_batch(12)
    eager = voters[0]  # votes six times at once: must count once
    jobs = [(voter, 1) for voter in voters] + [(eager, 1)] * 5 + [(voters[1], -1)]
    start = threading.Barrier(len(jobs))
    statuses: list[int] = []

    def vote(voter, value: int) -> None:  # type: ignore[no-untyped-def]
        try:
            client = Client()
            client.force_login(voter)
            start.wait(timeout=10)
            response = client.post(f"/answers/{answer.pk}/vote/", {"value": str(value)})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    answer.refresh_from_db()
    author.refresh_from_db()
    votes = dict(Vote.objects.filter(answer=answer).values_list("user_id", "value"))
    assert statuses == [302] * len(jobs)
    assert len(votes) == 12
    assert answer.score == sum(votes.values())
    assert author.reputation == sum(10 if v == 1 else -2 for v in votes.values())
