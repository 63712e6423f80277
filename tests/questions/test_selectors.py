"""The reads every member's question page makes are written out in SQL (questions.selectors):
each gives what the ORM query it stands for gives."""

import itertools

import pytest
from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.connections.models import Connection, ConnectionState, Conversation
from raremap.questions import selectors, services
from raremap.questions.models import Answer, Follow, Notification, Question, Status, Vote
from tests.factories import MembershipFactory, UserFactory
from tests.rows import values_of

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def _answer(question: Question, body: str = "An answer.") -> Answer:
    author = UserFactory()
    MembershipFactory(user=author, disease=question.disease)
    return services.answer_create(user=author, question=question, body=body)


def test_question_get_reads_what_the_orm_reads(question: Question, dfsp: Disease) -> None:
    _answer(question)
    Question.objects.create(
        disease=dfsp, slug="does-heat-help", text="Does heat help?", author=UserFactory()
    )

    for slug in (question.slug, "does-heat-help"):
        orm = Question.objects.get(disease=dfsp, slug=slug)
        assert values_of(selectors.question_get(dfsp, slug)) == values_of(orm)
    assert selectors.question_get(dfsp, question.slug).answer_count == 1


def test_vote_map_and_follow_read_what_the_orm_reads(
    question: Question, member: User, other_member: User, dfsp: Disease
) -> None:
    answers = [_answer(question, f"Answer {n}.") for n in range(3)]
    elsewhere = services.question_ensure(disease=dfsp, slug="symptoms")
    other_answer = _answer(elsewhere)
    services.vote_cast(user=member, answer=answers[0], value=1)
    services.vote_cast(user=member, answer=answers[2], value=-1)
    services.vote_cast(user=member, answer=other_answer, value=1)
    services.vote_cast(user=other_member, answer=answers[1], value=1)
    services.follow_set(user=member, question=question, follow=True)
    services.follow_set(user=other_member, question=elsewhere, follow=True)

    for user, on in itertools.product((member, other_member), (question, elsewhere)):
        votes = Vote.objects.filter(user=user, answer__question=on)
        votes = votes.values_list("answer_id", "value")
        follows = Follow.objects.filter(user=user, question=on).exists()
        assert selectors.vote_map(user, on) == dict(votes)
        assert selectors.follow_exists(user, on) is follows
    assert selectors.vote_map(member, question) == {answers[0].pk: 1, answers[2].pk: -1}


def _connection(a: User, b: User, state: str) -> Connection:
    low, high = sorted((a, b), key=lambda user: user.pk)
    return Connection.objects.create(
        requester=a, recipient=b, user_low=low, user_high=high, state=state
    )


def test_unread_counts_read_what_notification_unread_counts(
    question: Question, member: User
) -> None:
    """Every kind of notification, about content in every state, read and unread, for the
    member and for someone else: the statement counts what the ORM's visibility rule keeps."""
    someone = UserFactory()
    answers = {status: _answer(question, f"Answer {status}.") for status in Status.values}
    for status, answer in answers.items():
        Answer.objects.filter(pk=answer.pk).update(status=status)
    hidden_question = services.question_ensure(disease=question.disease, slug="symptoms")
    on_hidden = _answer(hidden_question)
    Question.objects.filter(pk=hidden_question.pk).update(status=Status.HIDDEN)
    # One connection per state (and per other member: one live connection per pair).
    connections = {
        state: _connection(member, UserFactory(), state) for state in ConnectionState.values
    }
    conversations = {
        state: Conversation.objects.create(connection=connection)
        for state, connection in connections.items()
    }
    Notification.objects.all().delete()  # those the answers made
    # The member's are unread, someone else's read (one notification per member, content and
    # kind).
    for user, read_at in ((member, None), (someone, timezone.now())):
        rows = [Notification(kind=Kind.NEW_ANSWER, answer=a) for a in answers.values()]
        rows.append(Notification(kind=Kind.NEW_ANSWER, answer=on_hidden))
        for kind in (Kind.CONNECTION_REQUEST, Kind.CONNECTION_ACCEPTED):
            rows += [Notification(kind=kind, connection=c) for c in connections.values()]
        for conversation in conversations.values():
            rows.append(Notification(kind=Kind.NEW_MESSAGE, conversation=conversation))
        for row in rows:
            row.user, row.read_at = user, read_at
        Notification.objects.bulk_create(rows)

    for user in (member, someone, UserFactory()):
        expected = {
            "notifications": selectors.notification_unread(user.pk, messages=False).count(),
            "messages": selectors.notification_unread(user.pk, messages=True).count(),
        }
        assert selectors.unread_counts(user.pk) == expected
    # A published answer, a pending request, an accepted connection; an accepted conversation.
    assert selectors.unread_counts(member.pk) == {"notifications": 3, "messages": 1}
    assert selectors.unread_counts(someone.pk) == {"notifications": 0, "messages": 0}
