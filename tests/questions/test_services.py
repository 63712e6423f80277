"""Question and answer writes: counts, history, votes, reputation, follows, overviews."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.questions import reputation, services
from raremap.questions.models import (
    Answer,
    AnswerRevision,
    Follow,
    Notification,
    Question,
    Status,
    Vote,
)
from tests.factories import MembershipFactory, UserFactory, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(dfsp: Disease) -> Question:
    return services.question_ensure(disease=dfsp, slug="best-treatments")


def _answer(user: User, question: Question, body: str = "Mohs surgery worked for me.") -> Answer:
    MembershipFactory(user=user, disease=question.disease)
    return services.answer_create(user=user, question=question, body=body)


def test_question_ensure_makes_a_standard_row_once(dfsp: Disease) -> None:
    first = services.question_ensure(disease=dfsp, slug="symptoms")
    again = services.question_ensure(disease=dfsp, slug="symptoms")

    assert first.pk == again.pk
    assert first.title == "What are the symptoms of Dermatofibrosarcoma protuberans (DFSP)?"
    assert Question.objects.filter(disease=dfsp).count() == 1


def test_question_ensure_refuses_unknown_slugs(dfsp: Disease) -> None:
    with pytest.raises(Http404):
        services.question_ensure(disease=dfsp, slug="what-is-the-weather")
    assert not Question.objects.filter(disease=dfsp).exists()


def test_answer_create_stores_sanitised_html_and_counts(question: Question, member: User) -> None:
    answer = _answer(member, question, "I had **Mohs** surgery <script>alert(1)</script>")

    question.refresh_from_db()
    assert (
        answer.body_html
        == "<p>I had <strong>Mohs</strong> surgery &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert answer.language == "en"
    assert question.answer_count == 1
    assert Follow.objects.filter(user=member, question=question).exists()


def test_answer_create_tells_followers_but_not_the_author(
    question: Question, member: User, other_member: User
) -> None:
    services.follow_set(user=other_member, question=question, follow=True)
    services.follow_set(user=member, question=question, follow=True)  # the author follows too
    before = timezone.now()

    answer = _answer(member, question)

    notification = Notification.objects.get()
    assert (notification.user_id, notification.answer_id, notification.kind) == (
        other_member.pk,
        answer.pk,
        Notification.Kind.NEW_ANSWER,
    )
    assert (notification.connection_id, notification.conversation_id) == (None, None)
    assert (notification.read_at, notification.emailed_at) == (None, None)
    assert before <= notification.created_at <= timezone.now()


def test_an_answer_costs_the_same_statements_however_many_follow_the_question(
    question: Question, member: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements_of_an_answer() -> int:
        with CaptureQueriesContext(connection) as queries:
            _answer(member, question)
        return len(queries)

    _answer(member, question)  # the first answer also makes the author follow
    services.follow_set(user=UserFactory(), question=question, follow=True)
    few = statements_of_an_answer()
    for _ in range(20):
        services.follow_set(user=UserFactory(), question=question, follow=True)
    many = statements_of_an_answer()

    assert many == few
    assert Notification.objects.count() == 1 + 21  # the first answer had no follower


def test_new_members_may_post_only_a_few_links(question: Question, member: User) -> None:
    body = "See https://a.example https://b.example https://c.example"
    with pytest.raises(ValidationError) as error:
        _answer(member, question, body)
    assert error.value.messages == ["Please use at most 2 links in one answer."]
    assert not Answer.objects.exists()


def test_members_with_reputation_may_post_more_links(question: Question, member: User) -> None:
    User.objects.filter(pk=member.pk).update(reputation=reputation.TRUSTED_REPUTATION)
    member.refresh_from_db()

    answer = _answer(member, question, "See https://a.example https://b.example https://c.example")

    assert answer.body_html.count("<a ") == 3  # bare addresses are links (core/text.py)
    assert answer.status == Status.PUBLISHED


def test_empty_and_overlong_answers_are_refused(question: Question, member: User, settings) -> None:
    MembershipFactory(user=member, disease=question.disease)
    with pytest.raises(ValidationError):
        services.answer_create(user=member, question=question, body="   ")
    settings.ANSWER_MAX_LENGTH = 20
    with pytest.raises(ValidationError) as error:
        services.answer_create(user=member, question=question, body="x" * 21)
    assert error.value.messages == ["Please keep an answer under 20 characters."]


def test_answer_update_keeps_the_earlier_text(question: Question, member: User) -> None:
    answer = _answer(member, question, "First text.")

    services.answer_update(answer=answer, body="Second text.")

    answer.refresh_from_db()
    assert answer.body_html == "<p>Second text.</p>"
    assert answer.edited_at is not None
    assert list(AnswerRevision.objects.values_list("body", flat=True)) == ["First text."]


def test_answer_delete_hides_it_and_keeps_history(question: Question, member: User) -> None:
    answer = _answer(member, question, "To be withdrawn.")

    services.answer_delete(answer=answer)

    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.status == Status.DELETED
    assert question.answer_count == 0
    assert list(AnswerRevision.objects.values_list("body", flat=True)) == ["To be withdrawn."]


def test_votes_count_once_per_member_and_can_change(
    question: Question, member: User, other_member: User
) -> None:
    answer = _answer(member, question)

    services.vote_cast(user=other_member, answer=answer, value=1)
    services.vote_cast(user=other_member, answer=answer, value=1)
    answer.refresh_from_db()
    member.refresh_from_db()
    assert (answer.score, member.reputation) == (1, reputation.UPVOTE_RECEIVED)

    services.vote_cast(user=other_member, answer=answer, value=-1)
    answer.refresh_from_db()
    member.refresh_from_db()
    assert (answer.score, member.reputation) == (-1, reputation.DOWNVOTE_RECEIVED)

    services.vote_cast(user=other_member, answer=answer, value=0)
    answer.refresh_from_db()
    member.refresh_from_db()
    assert (answer.score, member.reputation) == (0, 0)
    assert not Vote.objects.exists()


def test_members_cannot_vote_on_their_own_answers(question: Question, member: User) -> None:
    answer = _answer(member, question)

    with pytest.raises(ValidationError):
        services.vote_cast(user=member, answer=answer, value=1)
    assert not Vote.objects.exists()


def test_votes_on_hidden_answers_are_refused_and_stop_counting(
    question: Question, member: User, other_member: User
) -> None:
    answer = _answer(member, question)
    services.vote_cast(user=other_member, answer=answer, value=1)

    services.answer_set_status(answer=answer, status=Status.HIDDEN)

    member.refresh_from_db()
    question.refresh_from_db()
    assert (member.reputation, question.answer_count) == (0, 0)
    with pytest.raises(Http404):
        services.vote_cast(user=other_member, answer=answer, value=-1)

    services.answer_set_status(answer=answer, status=Status.PUBLISHED)
    member.refresh_from_db()
    question.refresh_from_db()
    assert (member.reputation, question.answer_count) == (reputation.UPVOTE_RECEIVED, 1)


def test_reputation_recompute_agrees_with_the_kept_points(question: Question, member: User) -> None:
    answer = _answer(member, question)
    voters = UserFactory.create_batch(3)
    for voter, value in zip(voters, (1, 1, -1), strict=True):
        services.vote_cast(user=voter, answer=answer, value=value)
    member.refresh_from_db()
    kept = member.reputation

    assert services.reputation_recompute(user=member) == kept == 2 * 10 - 2


def test_proposed_questions_wait_for_a_moderator(dfsp: Disease, member: User) -> None:
    proposed = services.question_propose(
        user=member, disease=dfsp, text="Does DFSP come back after surgery"
    )

    assert (proposed.slug, proposed.text, proposed.status) == (
        "does-dfsp-come-back-after-surgery",
        "Does DFSP come back after surgery?",
        Status.PENDING,
    )
    services.question_set_status(question=proposed, status=Status.PUBLISHED)
    member.refresh_from_db()
    assert member.reputation == reputation.QUESTION_APPROVED


def test_proposed_question_slugs_never_take_a_standard_or_reserved_slug(
    dfsp: Disease, member: User
) -> None:
    standard = services.question_propose(user=member, disease=dfsp, text="Symptoms ???????")
    reserved = services.question_propose(user=member, disease=dfsp, text="Propose ..........")
    markup = services.question_propose(user=member, disease=dfsp, text="Is <b>it</b> painful")

    assert (standard.slug, reserved.slug) == ("symptoms-2", "propose-2")
    # Plain text, kept as typed: templates escape it like any other string.
    assert (markup.slug, markup.text) == ("is-bitb-painful", "Is <b>it</b> painful?")


def test_overview_versions_number_up_and_revert_adds_a_version(
    question: Question, member: User
) -> None:
    one = services.overview_edit(
        question=question,
        editor=member,
        body="First.",
        sources="[Orphanet](https://www.orpha.net/)",
    )
    two = services.overview_edit(question=question, editor=member, body="Second.")
    three = services.overview_revert(question=question, editor=member, number=1)

    assert [one.number, two.number, three.number] == [1, 2, 3]
    assert (three.body, three.reverted_from, three.summary) == (
        "First.",
        1,
        "Reverted to version 1",
    )
    assert one.sources_html == (
        '<ol>\n<li><a href="https://www.orpha.net/" rel="nofollow noopener noreferrer ugc">'
        "Orphanet</a></li>\n</ol>"
    )
    assert three.reviewed_at is None
    reviewer = verified(UserFactory())
    services.overview_review(revision=three, reviewer=reviewer)
    three.refresh_from_db()
    assert (three.reviewed_by, three.reviewed_as) == (reviewer, "professional")


def test_notification_emails_are_off_by_default(
    question: Question, member: User, other_member: User, mailoutbox
) -> None:
    User.objects.filter(pk=member.pk).update(notification_emails=True)
    services.follow_set(user=member, question=question, follow=True)
    _answer(other_member, question)

    assert services.notification_emails_send(base_url="https://raremap.example") == 0
    assert mailoutbox == []


def test_notification_emails_list_titles_and_links_once(
    question: Question, member: User, other_member: User, mailoutbox, settings
) -> None:
    settings.NOTIFICATION_EMAILS = True
    User.objects.filter(pk=member.pk).update(notification_emails=True)
    services.follow_set(user=member, question=question, follow=True)
    answer = _answer(other_member, question, "Private-ish text 5C1D.")

    assert services.notification_emails_send(base_url="https://raremap.example/") == 1
    assert services.notification_emails_send(base_url="https://raremap.example/") == 0
    (mail,) = mailoutbox
    assert mail.to == ["owner@example.org"]
    assert f"https://raremap.example/answers/{answer.pk}/" in mail.body
    assert "5C1D" not in mail.body


def test_a_limit_of_one_link_is_said_in_the_singular(
    question: Question, member: User, settings
) -> None:
    settings.NEW_MEMBER_LINKS = 1
    with pytest.raises(ValidationError) as error:
        _answer(member, question, "See https://a.example https://b.example")
    assert error.value.messages == ["Please use at most 1 link in one answer."]
