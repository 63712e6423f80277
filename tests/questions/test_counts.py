"""Every page that shows a community's counts shows the same numbers, at once after a change:
answers to a question (disease page, question list, another question's side column, the
question's own page) and members (disease page, question pages).

The counts come from one selector each (`questions.selectors.question_list`,
`communities.selectors.membership_role_counts`), cached per disease and forgotten by the
services that change them; a kept question page holds them in its key, so it cannot show
numbers older than the disease page beside it."""

import re

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.questions import services
from raremap.questions.models import Question
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SLUG = "dermatofibrosarcoma-protuberans"
DISEASE = f"/d/{SLUG}/"
QUESTIONS = f"/d/{SLUG}/q/"
BEST = f"/d/{SLUG}/q/best-treatments/"  # its side column lists "Is it hereditary?" with a count
HEREDITARY = f"/d/{SLUG}/q/is-it-hereditary/"

_LISTED = re.compile(
    r'href="/d/' + SLUG + r'/q/is-it-hereditary/">[^<]*</a>\s*<span class="meta">\(?(\d+)'
)
_OWN = re.compile(r"(\d+) community answers?")
_MEMBERS = re.compile(r"(\d+) members?</p>|There (?:is|are) (\d+) (?:person|people) in this")


def hereditary_counts(client: Client) -> dict[str, int]:
    """The answer count each page shows for DFSP's "Is it hereditary?"."""
    counts = {}
    for name, path in (("disease", DISEASE), ("list", QUESTIONS), ("other question", BEST)):
        match = _LISTED.search(client.get(path).content.decode())
        assert match is not None, name
        counts[name] = int(match[1])
    match = _OWN.search(client.get(HEREDITARY).content.decode())
    assert match is not None
    counts["own page"] = int(match[1])
    return counts


def member_counts(client: Client) -> dict[str, int]:
    counts = {}
    for name, path in (("disease", DISEASE), ("question", BEST), ("other question", HEREDITARY)):
        match = _MEMBERS.search(client.get(path).content.decode())
        assert match is not None, name
        counts[name] = int(match[1] or match[2])
    return counts


@pytest.fixture
def hereditary(dfsp: Disease) -> Question:
    """ "Is it hereditary?" with two answers."""
    question = services.question_ensure(disease=dfsp, slug="is-it-hereditary")
    for body in ("Not in my family.", "No, our geneticist said it is not inherited."):
        author = UserFactory()
        MembershipFactory(user=author, disease=dfsp)
        services.answer_create(user=author, question=question, body=body)
    return question


@pytest.fixture
def visitor(settings) -> Client:  # type: ignore[no-untyped-def]
    """A visitor without the full-page cache (which may lag PAGE_CACHE_SECONDS by design): what
    is left is the pages' own parts."""
    settings.PAGE_CACHE_SECONDS = 0
    return Client()


@pytest.mark.parametrize("viewer", ["member", "visitor"])
def test_after_a_new_answer_every_page_shows_the_same_count(
    viewer: str,
    hereditary: Question,
    question: Question,
    member: User,
    member_client: Client,
    visitor: Client,
) -> None:
    client = member_client if viewer == "member" else visitor
    MembershipFactory(user=member, disease=hereditary.disease)
    before = hereditary_counts(client)  # every page rendered, and its parts kept

    response = member_client.post(
        HEREDITARY + "answer/", {"body": "My daughter has it and neither of us parents does."}
    )
    after = hereditary_counts(client)

    assert response.status_code == 302
    assert before == dict.fromkeys(before, 2)
    assert after == dict.fromkeys(after, 3)


def test_an_answer_hidden_leaves_every_count_at_once(
    hereditary: Question, question: Question, visitor: Client
) -> None:
    hereditary_counts(visitor)
    answer = hereditary.answers.first()
    assert answer is not None

    services.answer_set_status(answer=answer, status="hidden")

    assert hereditary_counts(visitor) == dict.fromkeys(
        ("disease", "list", "other question", "own page"), 1
    )


def test_after_a_member_joins_every_page_shows_the_same_member_count(
    hereditary: Question, question: Question, member_client: Client, dfsp: Disease
) -> None:
    before = member_counts(member_client)  # two answer authors are members

    MembershipFactory(user=UserFactory(), disease=dfsp)
    after = member_counts(member_client)

    assert before == dict.fromkeys(before, 2)
    assert after == dict.fromkeys(after, 3)
