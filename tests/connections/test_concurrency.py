"""Connections and messages under concurrency (PostgreSQL): the database keeps one live
connection per pair, and parallel messages leave one unread notification."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from raremap.catalog.models import Disease
from raremap.connections import services
from raremap.connections.models import Connection, Message
from raremap.questions.models import Notification
from tests.connections.conftest import taken_part
from tests.factories import MembershipFactory, UserFactory
from tests.markers import transactional

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and parallel writers: PostgreSQL (SQLite has a single writer)",
)


def _at_once(jobs: list[Callable[[], int]]) -> list[int]:
    start = threading.Barrier(len(jobs))
    statuses: list[int] = []

    def run(job: Callable[[], int]) -> None:
        try:
            start.wait(timeout=10)
            statuses.append(job())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@transactional
def test_two_members_asking_each_other_at_once_make_one_request() -> None:
    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    a, b = UserFactory(), UserFactory()
    for user in (a, b):
        MembershipFactory(user=user, disease=dfsp)
        taken_part(user)
    clients = {user.pk: _client(user) for user in (a, b)}
    jobs = [
        lambda: clients[a.pk].post(f"/connections/member/{b.public_id}/ask/").status_code,
        lambda: clients[b.pk].post(f"/connections/member/{a.public_id}/ask/").status_code,
    ] * 3

    statuses = _at_once(jobs)

    assert Connection.objects.count() == 1
    assert statuses.count(302) == 1  # the rest are told why, on the form
    assert statuses.count(200) == 5
    assert Notification.objects.count() == 1


@transactional
def test_parallel_messages_leave_one_unread_notification() -> None:
    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    a, b = UserFactory(), UserFactory()
    for user in (a, b):
        MembershipFactory(user=user, disease=dfsp)
    taken_part(a)
    asked = services.connection_request(requester=a, recipient=b)
    services.connection_accept(user=b, connection=asked)
    url = f"/messages/{asked.conversation.public_id}/send/"
    clients = [_client(a) for _ in range(8)]

    statuses = _at_once(
        [
            lambda c=c, n=n: c.post(url, {"body": f"Hi {n}"}).status_code
            for n, c in enumerate(clients)
        ]
    )

    assert statuses == [302] * 8
    assert Message.objects.count() == 8
    unread = Notification.objects.filter(user=b, kind="new_message", read_at__isnull=True)
    assert unread.count() == 1
