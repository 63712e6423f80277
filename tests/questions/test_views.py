"""Question pages: every standard question, answers, votes, follows, overviews, query guards."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.questions import services
from raremap.questions.forms import answer_list_params
from raremap.questions.models import Answer, Notification, OverviewRevision, Question, Status
from raremap.questions.standard import STANDARD_QUESTIONS
from tests.accounts.helpers import text_of
from tests.caches import empty_caches
from tests.factories import MembershipFactory, UserFactory, verified

pytestmark = pytest.mark.django_db

DFSP = "/d/dermatofibrosarcoma-protuberans/"
BEST = f"{DFSP}q/best-treatments/"


def _answers(question: Question, n: int) -> list[Answer]:
    answers = []
    for i in range(n):
        author = UserFactory()
        MembershipFactory(user=author, disease=question.disease, role=Role.RELATIVE)
        answers.append(
            services.answer_create(user=author, question=question, body=f"Answer number {i}.")
        )
    return answers


@pytest.fixture
def best(dfsp: Disease) -> Question:
    return services.question_ensure(disease=dfsp, slug="best-treatments")


def test_every_standard_question_has_a_page_without_a_row(client: Client, dfsp: Disease) -> None:
    for standard in STANDARD_QUESTIONS:
        response = client.get(f"{DFSP}q/{standard.slug}/")
        assert response.status_code == 200, standard.slug
    assert not Question.objects.filter(disease=dfsp).exists()  # reading creates nothing


def test_question_page_title_and_sections(client: Client, best: Question) -> None:
    page = text_of(client.get(BEST))

    assert "What are the best treatments for Dermatofibrosarcoma protuberans (DFSP)?" in page
    # No editor text and no answers yet: the ranking's part, then one invitation to answer.
    assert "From the editors" not in page
    assert "Not yet reviewed" not in page
    assert "Treatments members report" in page
    assert "What members say" not in page
    assert "Community answers" not in page
    assert "Nobody has answered yet" in page
    assert "Medical disclaimer:" in page


def test_question_page_in_spanish(client: Client, best: Question) -> None:
    page = text_of(client.get(f"/es{BEST}"))

    assert (
        "¿Cuáles son los mejores tratamientos para Dermatofibrosarcoma protuberans (DFSP)?" in page
    )


def test_symptoms_question_shows_the_catalog_frequencies(client: Client) -> None:
    page = text_of(client.get(f"{DFSP}q/symptoms/"))

    assert "Built from the Human Phenotype Ontology annotations of Orphanet" in page


def test_unknown_question_is_404(client: Client) -> None:
    assert client.get(f"{DFSP}q/no-such-question/").status_code == 404
    assert client.get("/d/no-such-disease/q/symptoms/").status_code == 404


def test_disease_page_lists_the_top_questions(client: Client) -> None:
    page = text_of(client.get(DFSP))

    assert "What are the best treatments for Dermatofibrosarcoma protuberans (DFSP)?" in page
    assert f"View all {len(STANDARD_QUESTIONS)} questions" in page


def test_question_list_shows_every_question(client: Client) -> None:
    response = client.get(f"{DFSP}q/")

    for standard in STANDARD_QUESTIONS:
        assert f'href="{DFSP}q/{standard.slug}/"' in response.content.decode()


def test_answers_show_author_role_points_and_date(client: Client, best: Question) -> None:
    author = UserFactory(display_name="Calm Finch")
    MembershipFactory(user=author, disease=best.disease, role=Role.PATIENT)
    services.answer_create(user=author, question=best, body="Wide local excision, then nothing.")
    User.objects.filter(pk=author.pk).update(reputation=40)

    page = text_of(client.get(BEST))

    assert "Wide local excision, then nothing." in page
    assert "Calm Finch Person with the disease 40 points" in page


def test_member_publishes_an_answer(member_client: Client, member: User, dfsp: Disease) -> None:
    MembershipFactory(user=member, disease=dfsp)

    response = member_client.post(f"{BEST}answer/", {"body": "Mohs surgery, **no** recurrence."})

    answer = Answer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{BEST}?sort=newest#answer-{answer.pk}"
    assert answer.body_html == "<p>Mohs surgery, <strong>no</strong> recurrence.</p>"
    assert "Mohs surgery, no recurrence." in text_of(member_client.get(BEST))


def test_non_members_are_invited_to_join_not_to_answer(
    member_client: Client, client: Client
) -> None:
    assert "Join the Dermatofibrosarcoma protuberans (DFSP) community to answer." in text_of(
        member_client.get(BEST)
    )
    response = member_client.post(f"{BEST}answer/", {"body": "I am not a member."})
    assert response.status_code == 302
    assert not Answer.objects.exists()
    anonymous = client.post(f"{BEST}answer/", {"body": "Anonymous."})
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    assert not Answer.objects.exists()


def test_a_refused_answer_comes_back_with_the_text_and_the_reason(
    member_client: Client, member: User, dfsp: Disease
) -> None:
    MembershipFactory(user=member, disease=dfsp)
    body = "Links: https://a.example https://b.example https://c.example"

    response = member_client.post(f"{BEST}answer/", {"body": body})

    assert response.status_code == 400
    assert "Please use at most 2 links in one answer." in text_of(response)
    assert body in response.content.decode()
    assert not Answer.objects.exists()


def test_authors_edit_their_answer_and_others_get_404(
    member_client: Client, other_client: Client, member: User, best: Question
) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Before.")

    assert other_client.get(f"/answers/{answer.pk}/edit/").status_code == 404
    assert other_client.post(f"/answers/{answer.pk}/edit/", {"body": "Hijack"}).status_code == 404
    assert other_client.post(f"/answers/{answer.pk}/delete/").status_code == 404
    assert other_client.get(f"/answers/{answer.pk}/history/").status_code == 404
    response = member_client.post(f"/answers/{answer.pk}/edit/", {"body": "After."})

    answer.refresh_from_db()
    assert response.status_code == 302
    assert answer.body == "After."
    assert "Before." in text_of(member_client.get(f"/answers/{answer.pk}/history/"))


def test_author_deletes_an_answer(member_client: Client, member: User, best: Question) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Going away.")

    member_client.post(f"/answers/{answer.pk}/delete/")

    answer.refresh_from_db()
    assert answer.status == Status.DELETED
    assert "Going away." not in text_of(member_client.get(BEST))
    assert member_client.get(f"/answers/{answer.pk}/edit/").status_code == 404


def test_vote_with_htmx_returns_the_vote_box(
    other_client: Client, member: User, best: Question
) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Vote for me.")

    response = other_client.post(
        f"/answers/{answer.pk}/vote/", {"value": "1"}, headers={"HX-Request": "true"}
    )

    answer.refresh_from_db()
    assert answer.score == 1
    body = response.content.decode()
    assert body.startswith('<form class="vote"')
    assert 'value="0" class="up" aria-pressed="true"' in body


def test_an_answer_s_address_leads_to_the_page_that_holds_it(
    client: Client, best: Question
) -> None:
    """A treatment page linked to `#answer-8` of the question's first page when that answer
    was on page 2."""
    answers = _answers(best, 32)  # 30 a page; equal scores: newest first
    Answer.objects.filter(pk=answers[0].pk).update(score=3)  # the oldest, voted to the top
    oldest_unvoted, newest = answers[1], answers[-1]

    def location(answer: Answer) -> str:
        response = client.get(f"/answers/{answer.pk}/")
        assert response.status_code == 302
        return response["Location"]

    assert location(answers[0]) == f"{BEST}#answer-{answers[0].pk}"
    assert location(newest) == f"{BEST}#answer-{newest.pk}"
    assert location(oldest_unvoted) == f"{BEST}?page=2#answer-{oldest_unvoted.pk}"
    assert f'id="answer-{oldest_unvoted.pk}"' in client.get(f"{BEST}?page=2").content.decode()
    # Page 1: the voted answer and the 29 newest (answers[31] … answers[3]); page 2 the rest.
    last_on_first = answers[3]
    assert f'id="answer-{last_on_first.pk}"' in client.get(BEST).content.decode()
    assert location(last_on_first) == f"{BEST}#answer-{last_on_first.pk}"
    assert location(answers[2]) == f"{BEST}?page=2#answer-{answers[2].pk}"
    assert client.get(f"/es/answers/{newest.pk}/")["Location"] == f"/es{BEST}#answer-{newest.pk}"
    services.answer_set_status(answer=newest, status=Status.HIDDEN)
    assert client.get(f"/answers/{newest.pk}/").status_code == 404


def test_vote_without_javascript_redirects_to_the_answer(
    other_client: Client, member: User, best: Question
) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Vote for me.")

    response = other_client.post(f"/answers/{answer.pk}/vote/", {"value": "-1"})

    answer.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, f"/answers/{answer.pk}/")
    assert other_client.get(response["Location"])["Location"] == f"{BEST}#answer-{answer.pk}"
    assert answer.score == -1


def test_own_answer_vote_is_refused(member_client: Client, member: User, best: Question) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Mine.")

    member_client.post(f"/answers/{answer.pk}/vote/", {"value": "1"})

    answer.refresh_from_db()
    assert answer.score == 0


def test_get_never_votes(other_client: Client, member: User, best: Question) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Mine.")

    assert other_client.get(f"/answers/{answer.pk}/vote/?value=1").status_code == 405
    answer.refresh_from_db()
    assert answer.score == 0


def test_hidden_answers_and_pending_questions_are_404_everywhere(
    client: Client, other_client: Client, member: User, dfsp: Disease, best: Question
) -> None:
    MembershipFactory(user=member, disease=dfsp)
    answer = services.answer_create(user=member, question=best, body="Secret canary 7F3A.")
    pending = services.question_propose(user=member, disease=dfsp, text="Canary question 9B2C?")
    services.answer_set_status(answer=answer, status=Status.HIDDEN)

    assert "7F3A" not in client.get(BEST).content.decode()
    assert "7F3A" not in other_client.get(BEST).content.decode()
    assert other_client.post(f"/answers/{answer.pk}/vote/", {"value": "1"}).status_code == 404
    assert client.get(f"{DFSP}q/{pending.slug}/").status_code == 404
    assert "9B2C" not in client.get(f"{DFSP}q/").content.decode()
    assert "9B2C" not in client.get(DFSP).content.decode()


def test_no_vote_on_a_published_answer_of_a_hidden_question(
    other_client: Client, member: User, best: Question
) -> None:
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Under a hidden question.")
    services.question_set_status(question=best, status=Status.HIDDEN)

    response = other_client.post(f"/answers/{answer.pk}/vote/", {"value": "1"})

    answer.refresh_from_db()
    assert (response.status_code, answer.score) == (404, 0)


def test_sort_by_newest_and_pagination(client: Client, best: Question) -> None:
    answers = _answers(best, 31)
    Answer.objects.filter(pk=answers[0].pk).update(score=5)

    by_score = client.get(BEST).content.decode()
    newest = client.get(f"{BEST}?sort=newest").content.decode()
    second = client.get(f"{BEST}?sort=newest&page=2").content.decode()

    assert by_score.index("Answer number 0.") < by_score.index("Answer number 30.")
    assert newest.index("Answer number 30.") < newest.index("Answer number 1.")
    assert "Answer number 0." not in newest
    assert "Answer number 0." in second
    assert "Page 2 of 2" in text_of(client.get(f"{BEST}?page=99"))  # clamped, not an error
    assert client.get(f"{BEST}?page=abc&sort=evil").status_code == 200


def test_follow_and_notifications(
    member_client: Client, other_client: Client, member: User, other_member: User, best: Question
) -> None:
    member_client.post(f"{BEST}follow/", {"follow": "on"})
    MembershipFactory(user=other_member, disease=best.disease)
    services.answer_create(user=other_member, question=best, body="News for followers.")

    page = text_of(member_client.get("/notifications/"))
    assert "Brisk Otter answered What are the best treatments" in page
    assert "Notifications 1 new" in text_of(member_client.get(BEST))

    member_client.post("/notifications/")
    assert Notification.objects.get().read_at is not None
    member_client.post(f"{BEST}follow/", {})
    assert not member.follows.exists()


def test_notifications_about_hidden_answers_disappear(
    member_client: Client, other_member: User, member: User, best: Question
) -> None:
    services.follow_set(user=member, question=best, follow=True)
    MembershipFactory(user=other_member, disease=best.disease)
    answer = services.answer_create(user=other_member, question=best, body="Spam canary 1D4E.")
    services.answer_set_status(answer=answer, status=Status.HIDDEN)

    page = member_client.get("/notifications/").content.decode()
    assert "Brisk Otter" not in page
    assert "Nothing new." in text_of(member_client.get("/notifications/"))


def test_professionals_write_the_overview_and_others_get_404(
    member_client: Client, other_client: Client, member: User, other_member: User, dfsp: Disease
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.PROFESSIONAL)
    MembershipFactory(user=other_member, disease=dfsp, role=Role.PATIENT)
    url = f"{BEST}overview/edit/"

    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {"body": "Vandal"}).status_code == 404
    response = member_client.post(
        url, {"body": "Surgery is the usual first treatment.", "sources": "", "summary": "First"}
    )

    assert response.status_code == 302
    page = text_of(member_client.get(BEST))
    assert "Surgery is the usual first treatment." in page
    assert "Not yet reviewed by a verified healthcare professional." in page


def test_only_a_second_verified_professional_or_a_moderator_reviews(
    member_client: Client,
    other_client: Client,
    moderator_client: Client,
    member: User,
    other_member: User,
    dfsp: Disease,
) -> None:
    # Anyone can say they are a healthcare professional and write the overview...
    MembershipFactory(user=member, disease=dfsp, role=Role.PROFESSIONAL)
    MembershipFactory(user=other_member, disease=dfsp, role=Role.PROFESSIONAL)
    member_client.post(f"{BEST}overview/edit/", {"body": "Surgery first.", "summary": "First"})
    history = f"{BEST}overview/history/"
    review = f"{BEST}overview/review/"

    # ...but neither a self-declared professional nor the verified author reviews it.
    assert other_client.post(review).status_code == 404
    verified(member)
    assert "Mark the current version as reviewed" not in text_of(member_client.get(history))
    assert member_client.post(review).status_code == 404
    assert "Not yet reviewed by a verified healthcare professional." in text_of(
        member_client.get(BEST)
    )

    verified(other_member)
    assert "Mark the current version as reviewed" in text_of(other_client.get(history))
    assert other_client.post(review).status_code == 302
    assert "Reviewed by a verified healthcare professional (Brisk Otter)" in text_of(
        member_client.get(BEST)
    )
    assert other_client.post(review).status_code == 404  # reviewed already

    # A moderator who is no professional reviews too, and the page says so.
    member_client.post(f"{BEST}overview/edit/", {"body": "Surgery, then checks.", "summary": "2"})
    assert moderator_client.post(review).status_code == 302
    assert "Reviewed by a moderator (" in text_of(member_client.get(BEST))


def test_overview_history_and_revert(member_client: Client, member: User, best: Question) -> None:
    MembershipFactory(user=member, disease=best.disease, role=Role.PROFESSIONAL)
    services.overview_edit(question=best, editor=member, body="Version one.", summary="v1")
    services.overview_edit(question=best, editor=member, body="Version two.", summary="v2")

    history = text_of(member_client.get(f"{BEST}overview/history/"))
    member_client.post(f"{BEST}overview/revert/1/")

    assert "Version 2 current" in history
    assert ", by Quiet Heron. What changed: v2" in history
    assert OverviewRevision.objects.order_by("-number").first().body == "Version one."


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", "Jan. 2, 2026, 3:17 a.m., by Quiet Heron. What changed: v1 Not reviewed."),
        ("/es", "2 de enero de 2026 a las 03:17, por Quiet Heron. Qué cambió: v1 Sin revisar."),
    ],
)
def test_overview_history_times_end_no_sentence_twice(
    member_client: Client, member: User, best: Question, prefix: str, expected: str
) -> None:
    MembershipFactory(user=member, disease=best.disease, role=Role.PROFESSIONAL)
    services.overview_edit(question=best, editor=member, body="Version one.", summary="v1")
    OverviewRevision.objects.update(created_at=datetime(2026, 1, 2, 3, 17, tzinfo=UTC))

    history = text_of(member_client.get(f"{prefix}{BEST}overview/history/"))

    assert expected in history
    assert "m.." not in history


def test_propose_a_question(member_client: Client, member: User, dfsp: Disease) -> None:
    MembershipFactory(user=member, disease=dfsp)

    response = member_client.post(f"{DFSP}q/propose/", {"text": "Can DFSP affect pregnancy?"})

    question = Question.objects.get(text="Can DFSP affect pregnancy?")
    assert response.status_code == 302
    assert question.status == Status.PENDING


def test_reputation_rule_is_written_on_the_site(client: Client) -> None:
    page = text_of(client.get("/help/reputation/"))

    assert "Someone found your answer helpful (upvote) +10" in page


@pytest.mark.parametrize("count", [1, 30])
def test_question_page_queries_do_not_grow_with_answers(
    count: int, best: Question, member_client: Client, member: User, django_assert_num_queries
) -> None:
    answers = _answers(best, count)
    for answer in answers:
        services.vote_cast(user=member, answer=answer, value=1)
    empty_caches()

    # Cold: the catalog part of the disease (5), then as below (5), plus the overview part
    # (overview, counts, questions, the disease's facts, the treatment ranking; no digest
    # yet) and the answers.
    with django_assert_num_queries(18):  # 17, and the map's snapshot (cold)
        member_client.get(BEST)
    # Warm (the rendered parts are cached until the question changes): the session with the
    # member and their moderator flag; the header's counts; question, membership, my votes,
    # follow.
    with django_assert_num_queries(6):
        response = member_client.get(BEST)
    assert response.content.decode().count('aria-pressed="true"') == count


def _profile_link(user: User) -> str:
    return f'<a class="author" href="/accounts/u/{user.public_id}/">{user.display_name}</a>'


def test_answer_authors_link_to_profiles_the_viewer_may_open(
    client: Client, best: Question, member_client: Client, member: User
) -> None:
    from raremap.connections.services import block_create

    MembershipFactory(user=member, disease=best.disease)
    open_, private, blocker = (
        UserFactory(display_name="Open Finch", profile_public=True),
        UserFactory(display_name="Private Wren"),  # profiles are private by default
        UserFactory(display_name="Blocking Jay", profile_public=True),
    )
    for author in (open_, private, blocker):
        MembershipFactory(user=author, disease=best.disease)
    for author in (open_, private, blocker, member):
        services.answer_create(user=author, question=best, body=f"I am {author.display_name}.")
    block_create(blocker=blocker, blocked=member)

    seen = member_client.get(BEST).content.decode()
    anonymous = client.get(BEST).content.decode()

    assert _profile_link(open_) in seen
    assert _profile_link(member) in seen  # one's own profile, private or not
    assert '<span class="author">Private Wren</span>' in seen
    assert '<span class="author">Blocking Jay</span>' in seen  # a block is never revealed
    assert f"/accounts/u/{private.public_id}/" not in seen
    assert f"/accounts/u/{blocker.public_id}/" not in seen
    # Visitors cannot open any profile: no links, no member ids.
    assert "/accounts/u/" not in anonymous
    assert '<span class="author">Open Finch</span>' in anonymous
    # Each link leads to a profile the member can open.
    assert member_client.get(f"/accounts/u/{open_.public_id}/").status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_linked_authors_cost_one_query_whatever_their_number(
    count: int, best: Question, member_client: Client, django_assert_num_queries
) -> None:
    answers = _answers(best, count)
    User.objects.filter(answers__in=answers).update(profile_public=True)
    empty_caches()
    member_client.get(BEST)  # warm

    # as in the test above (6), and who among the authors has blocked the viewer
    with django_assert_num_queries(7):
        response = member_client.get(BEST)

    assert response.content.decode().count('<a class="author" href="/accounts/u/') == count


@pytest.mark.parametrize("count", [1, 30])
def test_anonymous_question_page_queries_do_not_grow_with_answers(
    count: int, best: Question, client: Client, django_assert_num_queries
) -> None:
    _answers(best, count)
    empty_caches()

    # the catalog part (5); question, overview, counts, questions, the disease's facts,
    # treatment ranking, answers (no digest yet)
    with django_assert_num_queries(13):  # 12, and the map's snapshot (cold)
        client.get(BEST, headers={"Cookie": "messages=x"})  # no full-page cache
    with django_assert_num_queries(1):  # the question's version: the rest is cached
        client.get(BEST, headers={"Cookie": "messages=x"})


def test_cached_parts_follow_every_change(
    client: Client, member: User, other_member: User, best: Question
) -> None:
    """A vote, an edit or a moderator's hide shows at once: the parts are keyed by version."""
    MembershipFactory(user=member, disease=best.disease)
    answer = services.answer_create(user=member, question=best, body="Version one of 2E7F.")
    assert (
        "Version one of 2E7F."
        in client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()
    )

    services.vote_cast(user=other_member, answer=answer, value=1)
    page = client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()
    assert '<strong class="score" aria-label="Score">1</strong>' in page

    services.answer_update(answer=answer, body="Version two of 2E7F.")
    page = client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()
    assert "Version two of 2E7F." in page

    services.overview_edit(question=best, editor=other_member, body="Editors say 9A1B.")
    assert (
        "Editors say 9A1B." in client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()
    )

    services.answer_set_status(answer=answer, status=Status.HIDDEN)
    assert "2E7F" not in client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()


def test_disease_page_counts_follow_new_answers_and_members(client: Client, best: Question) -> None:
    """The question rows and member counts are cached per disease and forgotten on change."""
    assert "1 answer" not in text_of(client.get(DFSP, headers={"Cookie": "messages=x"}))

    _answers(best, 1)

    page = text_of(client.get(DFSP, headers={"Cookie": "messages=x"}))
    assert (
        "What are the best treatments for Dermatofibrosarcoma protuberans (DFSP)? 1 answer" in page
    )
    assert "1 member" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ("score", 1)),
        ({"sort": "newest", "page": "3"}, ("newest", 3)),
        ({"sort": "loudest", "page": "2"}, ("score", 2)),
        ({"sort": "newest", "page": "two"}, ("newest", 1)),
        ({"page": "0"}, ("score", 1)),
        ({"page": "10001"}, ("score", 1)),
        ({"page": "-2"}, ("score", 1)),
    ],
)
def test_the_answer_list_query_falls_back_per_value(query: dict, expected: tuple) -> None:
    assert answer_list_params(query) == expected


def test_member_text_cannot_open_a_region_of_the_kept_page(
    best: Question, member: User, member_client: Client, other_member: User
) -> None:
    """Regions are HTML comments (<!--@name-->…<!--/@name-->): the sanitiser drops comments from
    answers and names are escaped, so what members write is never taken for one."""
    MembershipFactory(user=other_member, disease=best.disease)
    User.objects.filter(pk=other_member.pk).update(display_name="<!--@nav-->x<!--/@nav-->")
    answer = services.answer_create(
        user=other_member,
        question=best,
        body="Before <!--@join-->JOIN-FORGED<!--/@join--> after <!--/@vote:1-->",
    )
    services.vote_cast(user=member, answer=answer, value=1)

    html = member_client.get(BEST).content.decode()

    assert "JOIN-FORGED" in html  # the text stays, as text
    assert "<!--@" not in html
    assert "<!--/@" not in html
    assert "&lt;!--@nav--&gt;x&lt;!--/@nav--&gt;" in html  # the name, escaped
    assert "Quiet Heron" in html  # the real header
    assert html.count('aria-pressed="true"') == 1  # the member's vote is filled in


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", "Chosen automatically from 1 answer: answers are grouped by meaning"),
        ("/es", "Elegida automáticamente a partir de 1 respuesta: las respuestas se agrupan"),
    ],
)
def test_a_digest_of_one_answer_says_so_in_the_singular(
    client: Client, best: Question, django_capture_on_commit_callbacks, prefix: str, expected: str
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _answers(best, 1)

    page = text_of(client.get(f"{prefix}{BEST}"))

    assert expected in page


@pytest.mark.parametrize(("prefix", "day"), [("", "Jan. 2, 2026"), ("/es", "2 de enero de 2026")])
def test_answer_dates_follow_the_language_of_the_page(
    client: Client, best: Question, prefix: str, day: str
) -> None:
    (answer,) = _answers(best, 1)
    Answer.objects.filter(pk=answer.pk).update(created_at=datetime(2026, 1, 2, 3, 17, tzinfo=UTC))

    html = client.get(f"{prefix}{BEST}").content.decode()

    assert f'<time datetime="2026-01-02">{day}</time>' in html


def test_a_bare_address_in_an_answer_is_a_link(client: Client, best: Question) -> None:
    author = UserFactory()
    MembershipFactory(user=author, disease=best.disease)
    services.answer_create(
        user=author, question=best, body="My surgeon's notes: https://example.org/dfsp."
    )

    html = client.get(BEST).content.decode()

    assert (
        '<p>My surgeon\'s notes: <a href="https://example.org/dfsp" '
        'rel="nofollow noopener noreferrer ugc">https://example.org/dfsp</a>.</p>'
    ) in html
