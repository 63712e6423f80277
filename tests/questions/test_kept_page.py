"""The kept question page (raremap.core.shell) carries nothing of one viewer into another's
response: the same kept page, filled for member A, member B and an anonymous visitor in turn,
shows each of them only their own votes, own-answer links, follow state, header and CSRF
token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from raremap.accounts.models import User
from raremap.questions import services
from raremap.questions.models import Answer, Question
from tests.factories import MembershipFactory, UserFactory
from tests.kept import (
    account_links,
    assert_csrf_of,
    assert_no_csrf_of,
    count_renders,
    csrf_secret,
    csrf_tokens,
    spy_cache_reads,
)

pytestmark = pytest.mark.django_db

BEST = "/d/dermatofibrosarcoma-protuberans/q/best-treatments/"
_ARTICLE = re.compile(r'<article class="answer" id="answer-(\d+)".*?</article>', re.S)
_VOTE = re.compile(r'<form class="vote".*?</form>', re.S)
_PRESSED = re.compile(r'class="(up|down)" aria-pressed="true"')


def vote_states(html: str) -> dict[int, tuple[str, ...]]:
    """Per answer on the page: which of its vote buttons are pressed ("up", "down"), or None
    for a vote box without buttons (one's own answer, an anonymous visitor)."""
    states = {}
    for match in _ARTICLE.finditer(html):
        box = _VOTE.search(match[0])
        assert box is not None
        buttons = "<button" in box[0]
        states[int(match[1])] = tuple(_PRESSED.findall(box[0])) if buttons else None
    return states


def edit_url(answer: Answer) -> str:
    return reverse("questions:answer-edit", args=[answer.pk])


def report_url(answer: Answer) -> str:
    return reverse("moderation:answer-report", args=[answer.pk])


@pytest.fixture
def scene(question: Question, member: User, other_member: User) -> dict[str, Answer]:
    """A (member) and B (other_member) each answer; a third member answers twice. A votes up
    on one of those and down on the other; B votes down on the first. A follows the question
    and has a notification (B's answer); B does not follow."""
    author = UserFactory(display_name="Third Wren")
    for user in (author, member, other_member):
        MembershipFactory(user=user, disease=question.disease)
    first = services.answer_create(user=author, question=question, body="First of the third.")
    second = services.answer_create(user=author, question=question, body="Second of the third.")
    mine_a = services.answer_create(user=member, question=question, body="A's own answer.")
    mine_b = services.answer_create(user=other_member, question=question, body="B's own answer.")
    services.follow_set(user=other_member, question=question, follow=False)
    services.vote_cast(user=member, answer=first, value=1)
    services.vote_cast(user=member, answer=second, value=-1)
    services.vote_cast(user=other_member, answer=first, value=-1)
    return {"first": first, "second": second, "a": mine_a, "b": mine_b}


def test_one_kept_page_shows_each_viewer_only_their_own_parts(
    scene: dict[str, Answer],
    member_client: Client,
    other_client: Client,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    renders = count_renders(monkeypatch, "raremap.questions.fragments")
    first, second, mine_a, mine_b = scene["first"], scene["second"], scene["a"], scene["b"]

    page_a = member_client.get(BEST).content.decode()
    page_b = other_client.get(BEST).content.decode()
    anonymous = client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()  # no page cache
    again_a = member_client.get(BEST).content.decode()

    # One kept page served all four responses.
    assert renders.templates == ["questions/question_detail.html"]
    # Votes: A's up and down, B's down, no buttons on one's own answer or for a visitor.
    assert vote_states(page_a) == {
        first.pk: ("up",),
        second.pk: ("down",),
        mine_a.pk: None,
        mine_b.pk: (),
    }
    assert vote_states(page_b) == {
        first.pk: ("down",),
        second.pk: (),
        mine_a.pk: (),
        mine_b.pk: None,
    }
    assert vote_states(anonymous) == dict.fromkeys((first.pk, second.pk, mine_a.pk, mine_b.pk))
    assert vote_states(again_a) == vote_states(page_a)
    # "Edit or delete" on one's own answer only; "Report" on the others'.
    assert edit_url(mine_a) in page_a
    assert report_url(mine_a) not in page_a
    assert edit_url(mine_a) not in page_b
    assert report_url(mine_a) in page_b
    assert edit_url(mine_b) in page_b
    assert edit_url(mine_b) not in page_a
    for answer in (first, second, mine_a, mine_b):
        assert edit_url(answer) not in anonymous
        assert report_url(answer) not in anonymous
    # Follow state: A follows, B does not, a visitor gets no form.
    assert "Stop following" in page_a
    assert "Stop following" not in page_b
    assert "Follow this question" in page_b
    assert "Follow this question" not in anonymous
    assert "Stop following" not in anonymous
    # The header: each member's own name and counts (A has one unread notification).
    assert "Quiet Heron" in account_links(page_a)
    assert 'class="badge count">1<' in account_links(page_a)
    assert "Brisk Otter" in account_links(page_b)
    assert "Quiet Heron" not in account_links(page_b)
    assert 'class="badge count"' not in account_links(page_b)
    assert "Log in" in account_links(anonymous)
    assert "Quiet Heron" not in account_links(anonymous)


def test_a_member_s_csrf_token_never_reaches_another_viewer(
    scene: dict[str, Answer],
    member_client: Client,
    other_client: Client,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    renders = count_renders(monkeypatch, "raremap.questions.fragments")

    page_a = member_client.get(BEST).content.decode()
    page_b = other_client.get(BEST).content.decode()
    anonymous = client.get(BEST, headers={"Cookie": "messages=x"}).content.decode()
    again_a = member_client.get(BEST).content.decode()

    assert renders.templates == ["questions/question_detail.html"]
    tokens_a = assert_csrf_of(page_a, member_client)
    tokens_b = assert_csrf_of(page_b, other_client)
    # The four vote forms, the follow form, the answer form and the log-out form.
    assert (len(tokens_a), len(tokens_b)) == (4 + 1 + 1 + 1, 4 + 1 + 1 + 1)
    assert_no_csrf_of(page_b, tokens_a, csrf_secret(member_client))
    assert_no_csrf_of(page_a, tokens_b, csrf_secret(other_client))
    assert_no_csrf_of(again_a, tokens_b, csrf_secret(other_client))
    assert csrf_tokens(anonymous) == []
    assert_no_csrf_of(anonymous, tokens_a, csrf_secret(member_client))
    assert_no_csrf_of(anonymous, tokens_b, csrf_secret(other_client))


def test_the_htmx_vote_box_is_the_kept_page_s_vote_box(
    scene: dict[str, Answer], member_client: Client
) -> None:
    """The vote response and the page's vote region come from one template: after a vote, the
    box htmx swaps in is the box the page then shows."""
    second = scene["second"]

    swapped = member_client.post(
        f"/answers/{second.pk}/vote/", {"value": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    page = member_client.get(BEST).content.decode()

    token = re.compile(r'value="[^"]{64}"')
    box = next(m[0] for m in _ARTICLE.finditer(page) if m[1] == str(second.pk))
    assert token.sub("«token»", swapped) == token.sub("«token»", _VOTE.search(box)[0])
    assert vote_states(page)[second.pk] == ("up",)


def test_a_question_page_reads_its_community_counts_in_one_round_trip(
    client: Client, question: Question, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from raremap.atlas.selectors import snapshot_cache_key
    from raremap.communities.selectors import counts_cache_key
    from raremap.questions.selectors import question_rows_cache_key

    disease_id = question.disease_id
    keys = {
        counts_cache_key(disease_id),
        snapshot_cache_key(disease_id),
        question_rows_cache_key(disease_id),
    }
    MembershipFactory(user=member, disease=question.disease)
    client.force_login(member)
    assert client.get(BEST).status_code == 200  # the counts are cached now
    reads = spy_cache_reads(monkeypatch)

    page = client.get(BEST)

    assert page.status_code == 200
    assert reads.many == [keys]
    assert keys.isdisjoint(reads.alone)  # none of them read again on its own
