"""The question and answer endpoints: public reads, token writes, the OpenAPI document."""

from datetime import UTC, datetime
from typing import get_args

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from raremap.accounts.models import User
from raremap.accounts.services import token_create
from raremap.api import questions as questions_api
from raremap.api import schemas
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.communities.services import membership_leave
from raremap.core.throttle import Limit
from raremap.moderation.models import Report, ReportReason
from raremap.questions import services
from raremap.questions.models import (
    Answer,
    AnswerRevision,
    DigestItem,
    OverviewRevision,
    Question,
    Status,
    Vote,
)
from tests.factories import MembershipFactory, UserFactory, verified

pytestmark = pytest.mark.django_db

DFSP = "dermatofibrosarcoma-protuberans"
QUESTIONS = f"/api/v1/diseases/{DFSP}/questions"
SYMPTOMS = f"{QUESTIONS}/symptoms"
SYMPTOMS_ANSWERS = f"{SYMPTOMS}/answers"
NOT_FOUND = {"error": {"status": 404, "code": "not_found", "message": "Not found."}}
UNAUTHORIZED = {"error": {"status": 401, "code": "unauthorized", "message": "Unauthorized"}}
THROTTLED = {"error": {"status": 429, "code": "throttled", "message": "Too many requests."}}

T1 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T2 = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
T3 = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

STANDARD = [
    ("best-treatments", "What are the best treatments for {d}?"),
    ("life-expectancy", "What is the life expectancy of people with {d}?"),
    ("is-it-hereditary", "Is {d} hereditary?"),
    ("is-it-contagious", "Is {d} contagious?"),
    ("natural-treatments", "Is there any natural treatment for {d}?"),
    ("celebrities", "Which celebrities have {d}?"),
    ("symptoms", "What are the symptoms of {d}?"),
    ("first-symptoms", "What are the first symptoms of {d}?"),
    ("diagnosis", "How is {d} diagnosed, and how long did the diagnosis take?"),
    ("specialist", "Which specialist should I see for {d}?"),
    ("living-with", "What is living with {d} like?"),
    ("cause", "What causes {d}?"),
    ("cure", "Is there a cure for {d}?"),
    ("how-common", "How common is {d}?"),
]
DFSP_TITLE = "Dermatofibrosarcoma protuberans (DFSP)"


def as_json(moment: datetime | None) -> str:
    """A time the test could not fix in advance, written as the API writes times."""
    return DjangoJSONEncoder().default(moment)


def error(status: int, code: str, message: str) -> dict:
    return {"error": {"status": status, "code": code, "message": message}}


def call(
    method: str, path: str, token: str | None = None, data: dict | None = None
) -> HttpResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client()
    if method == "get":
        return client.get(path, data or {}, headers=headers)
    return getattr(client, method)(
        path, data or {}, content_type="application/json", headers=headers
    )


# --- members, tokens and content ------------------------------------------------------------


@pytest.fixture
def author(member: User, dfsp: Disease) -> User:
    MembershipFactory(user=member, disease=dfsp, role=Role.PATIENT)
    return member


@pytest.fixture
def voter(other_member: User, dfsp: Disease) -> User:
    MembershipFactory(user=other_member, disease=dfsp, role=Role.CAREGIVER)
    return other_member


@pytest.fixture
def author_token(author: User) -> str:
    return token_create(user=author, name="script")[1]


@pytest.fixture
def voter_token(voter: User) -> str:
    return token_create(user=voter, name="phone")[1]


def answer(
    user: User, disease: Disease, body: str, *, slug: str = "symptoms", at: datetime = T1
) -> Answer:
    """An answer written through the service (as the page writes it), at a known time."""
    question = services.question_ensure(disease=disease, slug=slug)
    created = services.answer_create(user=user, question=question, body=body)
    Answer.objects.filter(pk=created.pk).update(created_at=at)
    created.refresh_from_db()
    return created


def answer_json(a: Answer, *, name: str, role: str | None, reputation: int = 0) -> dict:
    return {
        "id": a.pk,
        "body_html": a.body_html,
        "author": {"display_name": name, "role": role, "reputation": reputation},
        "score": a.score,
        "created_at": a.created_at.isoformat().replace("+00:00", "Z"),
        "edited_at": None,
        "is_demo": False,
    }


# --- the question list ----------------------------------------------------------------------


def test_question_list_has_the_standard_questions_then_the_published_proposed_ones(
    client: Client, author: User, voter: User, dfsp: Disease
) -> None:
    answer(author, dfsp, "Lumps under the skin.")
    quiet = services.question_propose(user=voter, disease=dfsp, text="Does sun make it worse")
    busy = services.question_propose(user=voter, disease=dfsp, text="Can it come back after Mohs?")
    services.question_propose(user=voter, disease=dfsp, text="canary: a pending question?")
    hidden = services.question_propose(user=voter, disease=dfsp, text="A hidden question here?")
    quiet, busy = (
        services.question_set_status(question=q, status=Status.PUBLISHED) for q in (quiet, busy)
    )
    services.question_set_status(question=hidden, status=Status.HIDDEN)
    services.answer_create(user=author, question=busy, body="It came back once, for me.")
    rows = Question.objects.count()

    response = client.get(QUESTIONS)

    assert response.status_code == 200
    assert response.json() == {
        "disease": DFSP,
        "results": [
            {
                "slug": slug,
                "title": title.format(d=DFSP_TITLE),
                "standard": True,
                "answer_count": 1 if slug == "symptoms" else 0,
            }
            for slug, title in STANDARD
        ]
        + [
            {
                "slug": "can-it-come-back-after-mohs",
                "title": "Can it come back after Mohs?",
                "standard": False,
                "answer_count": 1,
            },
            {
                "slug": "does-sun-make-it-worse",
                "title": "Does sun make it worse?",
                "standard": False,
                "answer_count": 0,
            },
        ],
    }
    assert Question.objects.count() == rows
    assert "canary" not in response.content.decode()


def test_reads_never_create_question_rows(client: Client) -> None:
    detail = client.get(SYMPTOMS)
    answers = client.get(SYMPTOMS_ANSWERS)
    listed = client.get(QUESTIONS)

    assert detail.json() == {
        "id": None,
        "disease": DFSP,
        "slug": "symptoms",
        "title": f"What are the symptoms of {DFSP_TITLE}?",
        "standard": True,
        "answer_count": 0,
        "overview": None,
        "digest": [],
    }
    assert answers.json() == {
        "sort": "score",
        "page": 1,
        "per_page": 30,
        "total": 0,
        "next": None,
        "results": [],
    }
    assert listed.status_code == 200
    assert Question.objects.count() == 0


# --- the question detail --------------------------------------------------------------------


def test_question_detail_has_the_current_overview_and_the_published_digest(
    client: Client, author: User, voter: User, dfsp: Disease
) -> None:
    first = answer(author, dfsp, "Lumps under the skin.")
    hidden = answer(voter, dfsp, "canary-hidden-answer")
    third = answer(voter, dfsp, "A firm plaque that grew slowly.")
    services.answer_set_status(answer=hidden, status=Status.HIDDEN)
    question = first.question
    DigestItem.objects.filter(question=question).delete()  # a known digest, whatever ran before
    for rank, (item, similar) in enumerate([(first, 3), (hidden, 2), (third, 1)], start=1):
        DigestItem.objects.create(question=question, answer=item, rank=rank, similar=similar)
    Question.objects.filter(pk=question.pk).update(digest_updated_at=timezone.now())
    professional = UserFactory(display_name="Doctor Wren")
    services.overview_edit(question=question, editor=professional, body="Old text.")
    current = services.overview_edit(
        question=question,
        editor=professional,
        body="A slowly growing **plaque**.",
        sources="[Orphanet](https://www.orpha.net/en/disease/detail/31112)",
    )
    services.overview_review(revision=current, reviewer=verified(UserFactory()))
    OverviewRevision.objects.filter(pk=current.pk).update(created_at=T2, reviewed_at=T3)

    response = client.get(SYMPTOMS)

    assert response.status_code == 200
    assert response.json() == {
        "id": question.pk,
        "disease": DFSP,
        "slug": "symptoms",
        "title": f"What are the symptoms of {DFSP_TITLE}?",
        "standard": True,
        "answer_count": 2,
        "overview": {
            "number": 2,
            "body_html": "<p>A slowly growing <strong>plaque</strong>.</p>",
            "sources_html": (
                '<ol>\n<li><a href="https://www.orpha.net/en/disease/detail/31112" '
                'rel="nofollow noopener noreferrer ugc">Orphanet</a></li>\n</ol>'
            ),
            "created_at": "2026-02-03T04:05:06Z",
            "reviewed_at": "2026-03-04T05:06:07Z",
            "is_demo": False,
        },
        "digest": [
            {"answer_id": first.pk, "rank": 1, "similar": 3},
            {"answer_id": third.pk, "rank": 3, "similar": 1},
        ],
    }
    assert "canary-hidden-answer" not in response.content.decode()


def test_an_overview_without_sources_or_review(client: Client, author: User, dfsp: Disease) -> None:
    question = services.question_ensure(disease=dfsp, slug="symptoms")
    services.overview_edit(question=question, editor=author, body="Text.")
    OverviewRevision.objects.update(created_at=T1)

    response = client.get(SYMPTOMS)

    assert response.json()["overview"] == {
        "number": 1,
        "body_html": "<p>Text.</p>",
        "sources_html": None,
        "created_at": "2026-01-02T03:04:05Z",
        "reviewed_at": None,
        "is_demo": False,
    }


def test_proposed_question_detail(client: Client, voter: User, dfsp: Disease) -> None:
    question = services.question_propose(user=voter, disease=dfsp, text="Does sun make it worse")
    services.question_set_status(question=question, status=Status.PUBLISHED)

    response = client.get(f"{QUESTIONS}/does-sun-make-it-worse")

    assert response.json() == {
        "id": question.pk,
        "disease": DFSP,
        "slug": "does-sun-make-it-worse",
        "title": "Does sun make it worse?",
        "standard": False,
        "answer_count": 0,
        "overview": None,
        "digest": [],
    }


@pytest.mark.parametrize("suffix", ["", "/answers"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/diseases/no-such-disease/questions/symptoms",
        f"{QUESTIONS}/no-such-question",
        f"{QUESTIONS}/a-pending-question",
        f"{QUESTIONS}/cause",  # a standard question a moderator hid
    ],
)
def test_questions_one_may_not_see_are_404(
    client: Client, voter: User, dfsp: Disease, path: str, suffix: str
) -> None:
    services.question_propose(user=voter, disease=dfsp, text="A pending question")
    cause = services.question_ensure(disease=dfsp, slug="cause")
    services.question_set_status(question=cause, status=Status.HIDDEN)

    response = client.get(path + suffix)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_unknown_disease_question_list_is_404(client: Client) -> None:
    response = client.get("/api/v1/diseases/no-such-disease/questions")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- the answer list ------------------------------------------------------------------------


@pytest.fixture
def three_answers(author: User, voter: User, dfsp: Disease) -> list[Answer]:
    """By score: first (1), third (0, newer), second (0). A hidden, a removed and a deleted
    answer, and an answer to another question, are not among them."""
    first = answer(author, dfsp, "Lumps **under** the skin.", at=T1)
    second = answer(voter, dfsp, "A plaque.", at=T2)
    leaver = UserFactory(display_name="Gone Finch")
    MembershipFactory(user=leaver, disease=dfsp, role=Role.RELATIVE)
    third = answer(leaver, dfsp, "Red skin.", at=T3)
    membership_leave(user=leaver, disease=dfsp)  # answers stay; the role is gone
    for status in (Status.HIDDEN, Status.REMOVED):
        services.answer_set_status(answer=answer(voter, dfsp, f"canary-{status}"), status=status)
    services.answer_delete(answer=answer(author, dfsp, "canary-deleted"))
    answer(author, dfsp, "canary-other-question", slug="cause")
    services.vote_cast(user=voter, answer=first, value=1)
    for a in (first, second, third):
        a.refresh_from_db()
    return [first, second, third]


def test_answer_list_by_score(client: Client, three_answers: list[Answer]) -> None:
    first, second, third = three_answers

    response = client.get(SYMPTOMS_ANSWERS)

    assert response.status_code == 200
    assert response.json() == {
        "sort": "score",
        "page": 1,
        "per_page": 30,
        "total": 3,
        "next": None,
        "results": [
            {
                "id": first.pk,
                "body_html": "<p>Lumps <strong>under</strong> the skin.</p>",
                "author": {"display_name": "Quiet Heron", "role": "patient", "reputation": 10},
                "score": 1,
                "created_at": "2026-01-02T03:04:05Z",
                "edited_at": None,
                "is_demo": False,
            },
            {
                "id": third.pk,
                "body_html": "<p>Red skin.</p>",
                "author": {"display_name": "Gone Finch", "role": None, "reputation": 0},
                "score": 0,
                "created_at": "2026-03-04T05:06:07Z",
                "edited_at": None,
                "is_demo": False,
            },
            {
                "id": second.pk,
                "body_html": "<p>A plaque.</p>",
                "author": {"display_name": "Brisk Otter", "role": "caregiver", "reputation": 0},
                "score": 0,
                "created_at": "2026-02-03T04:05:06Z",
                "edited_at": None,
                "is_demo": False,
            },
        ],
    }
    assert "canary" not in response.content.decode()


def test_answer_list_newest_first(client: Client, three_answers: list[Answer]) -> None:
    first, second, third = three_answers

    response = client.get(SYMPTOMS_ANSWERS, {"sort": "newest"})

    body = response.json()
    assert [a["id"] for a in body["results"]] == [third.pk, second.pk, first.pk]
    assert (body["sort"], body["total"], body["next"]) == ("newest", 3, None)
    assert "canary" not in response.content.decode()


def test_answer_list_pages(client: Client, author: User, dfsp: Disease) -> None:
    answers = [answer(author, dfsp, f"Answer {n}.") for n in range(31)]

    first = client.get(SYMPTOMS_ANSWERS, {"sort": "newest"}).json()
    second = client.get(first["next"]).json()

    assert first["next"] == f"{SYMPTOMS_ANSWERS}?sort=newest&page=2"
    assert [a["id"] for a in first["results"]] == [a.pk for a in reversed(answers[1:])]
    assert (second["page"], second["total"], second["next"]) == (2, 31, None)
    assert [a["id"] for a in second["results"]] == [answers[0].pk]


@pytest.mark.parametrize(
    ("params", "field", "kind"),
    [
        ({"sort": "votes"}, "sort", "literal_error"),
        ({"page": "0"}, "page", "greater_than_equal"),
        ({"page": "501"}, "page", "less_than_equal"),
    ],
)
def test_answer_list_parameters_are_checked(
    client: Client, params: dict, field: str, kind: str
) -> None:
    response = client.get(SYMPTOMS_ANSWERS, params)

    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert (detail["location"], detail["field"], detail["type"]) == ("query", field, kind)


@pytest.mark.parametrize("count", [1, 3])
def test_answer_list_query_count_does_not_grow_with_answers(
    client: Client, django_assert_num_queries, author: User, voter: User, dfsp: Disease, count: int
) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        answer(author if n % 2 else voter, dfsp, f"Answer {n}.")

    # The disease (and its names, codes and phenotypes: cold cache), the question, one page of
    # answers with their authors and roles.
    with django_assert_num_queries(6):
        response = client.get(SYMPTOMS_ANSWERS)

    assert len(response.json()["results"]) == count


def test_answer_list_is_served_from_the_cache_to_anonymous_visitors(
    client: Client, three_answers: list[Answer], django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    first = client.get(SYMPTOMS_ANSWERS)

    with django_assert_num_queries(0):
        second = client.get(SYMPTOMS_ANSWERS)
    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=60"


# --- one answer -----------------------------------------------------------------------------


def test_answer_detail(client: Client, three_answers: list[Answer]) -> None:
    first = three_answers[0]

    response = client.get(f"/api/v1/answers/{first.pk}")

    assert response.status_code == 200
    assert response.json() == {
        **answer_json(first, name="Quiet Heron", role="patient", reputation=10),
        "disease": DFSP,
        "question": "symptoms",
    }


@pytest.mark.parametrize("status", [Status.HIDDEN, Status.REMOVED, Status.DELETED])
def test_answers_not_published_are_404(
    client: Client, author: User, dfsp: Disease, status: str
) -> None:
    gone = answer(author, dfsp, "canary-gone")
    services.answer_set_status(answer=gone, status=status)

    response = client.get(f"/api/v1/answers/{gone.pk}")
    listed = client.get(SYMPTOMS_ANSWERS)
    detail = client.get(SYMPTOMS)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert listed.json()["results"] == []
    assert "canary" not in listed.content.decode() + detail.content.decode()


def test_answers_to_a_hidden_question_are_404(client: Client, author: User, dfsp: Disease) -> None:
    question = services.question_propose(user=author, disease=dfsp, text="Does sun make it worse")
    question = services.question_set_status(question=question, status=Status.PUBLISHED)
    written = services.answer_create(user=author, question=question, body="Yes.")
    services.question_set_status(question=question, status=Status.HIDDEN)

    response = client.get(f"/api/v1/answers/{written.pk}")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_unknown_answer_is_404(client: Client) -> None:
    response = client.get("/api/v1/answers/999999")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- writing an answer ----------------------------------------------------------------------


def test_a_member_answers_a_standard_question(author: User, author_token: str) -> None:
    response = call("post", SYMPTOMS_ANSWERS, author_token, {"body": "Lumps **under** the skin."})

    written = Answer.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": written.pk,
        "body_html": "<p>Lumps <strong>under</strong> the skin.</p>",
        "author": {"display_name": "Quiet Heron", "role": "patient", "reputation": 0},
        "score": 0,
        "created_at": as_json(written.created_at),
        "edited_at": None,
        "is_demo": False,
    }
    question = Question.objects.get()
    assert (question.slug, question.answer_count, written.author) == ("symptoms", 1, author)
    assert written.body == "Lumps **under** the skin."
    assert call("get", SYMPTOMS_ANSWERS).json()["results"][0]["id"] == written.pk


def test_a_proposed_question_is_answered_by_its_row(
    author: User, author_token: str, dfsp: Disease
) -> None:
    question = services.question_propose(user=author, disease=dfsp, text="Does sun make it worse")
    services.question_set_status(question=question, status=Status.PUBLISHED)

    response = call(
        "post", f"{QUESTIONS}/does-sun-make-it-worse/answers", author_token, {"body": "No."}
    )

    question.refresh_from_db()
    assert response.status_code == 201
    assert (question.answer_count, Question.objects.count()) == (1, 1)


def test_only_members_of_the_community_answer(member: User) -> None:
    _token, secret = token_create(user=member, name="script")

    response = call("post", SYMPTOMS_ANSWERS, secret, {"body": "Lumps under the skin."})

    assert response.status_code == 403
    assert response.json() == error(
        403,
        "forbidden",
        "Only members of this disease's community can answer its questions: join it first.",
    )
    assert (Question.objects.count(), Answer.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Please write an answer."),
        ("x" * 10_001, "Please keep an answer under 10000 characters."),
        (
            "See https://a.example https://b.example https://c.example",
            "Please use at most 2 links in one answer.",
        ),
    ],
)
def test_an_answer_the_service_refuses_is_400_and_writes_nothing(
    author: User, author_token: str, body: str, message: str
) -> None:
    response = call("post", SYMPTOMS_ANSWERS, author_token, {"body": body})

    assert (response.status_code, response.json()) == (400, error(400, "bad_request", message))
    assert (Question.objects.count(), Answer.objects.count()) == (0, 0)


def test_an_answer_needs_a_body(author: User, author_token: str) -> None:
    response = call("post", SYMPTOMS_ANSWERS, author_token, {})

    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert (detail["location"], detail["field"], detail["type"]) == ("body", "data.body", "missing")


@pytest.mark.parametrize(
    "path",
    [
        f"{QUESTIONS}/no-such-question/answers",
        f"{QUESTIONS}/a-pending-question/answers",
        "/api/v1/diseases/no-such-disease/questions/symptoms/answers",
    ],
)
def test_answering_a_question_one_may_not_see_is_404(
    author: User, author_token: str, dfsp: Disease, path: str
) -> None:
    services.question_propose(user=author, disease=dfsp, text="A pending question")

    response = call("post", path, author_token, {"body": "An answer."})

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert Answer.objects.count() == 0
    assert list(Question.objects.values_list("slug", flat=True)) == ["a-pending-question"]


def test_answering_is_throttled(
    author: User, author_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(questions_api, "ANSWER_POST", Limit("answer-post", 1, 60 * 60))

    first = call("post", SYMPTOMS_ANSWERS, author_token, {"body": "One."})
    second = call("post", SYMPTOMS_ANSWERS, author_token, {"body": "Two."})

    assert first.status_code == 201
    assert (second.status_code, second.json()) == (429, THROTTLED)
    assert 0 < int(second["Retry-After"]) <= 60 * 60
    assert Answer.objects.count() == 1


# --- editing and deleting -------------------------------------------------------------------


def test_the_author_edits_an_answer(author: User, author_token: str, dfsp: Disease) -> None:
    mine = answer(author, dfsp, "Lumps.")

    response = call("patch", f"/api/v1/answers/{mine.pk}", author_token, {"body": "Firm lumps."})

    mine.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {
        **answer_json(mine, name="Quiet Heron", role="patient"),
        "body_html": "<p>Firm lumps.</p>",
        "edited_at": as_json(mine.edited_at),
    }
    assert mine.body == "Firm lumps."
    assert list(AnswerRevision.objects.values_list("body", flat=True)) == ["Lumps."]


def test_an_edit_the_service_refuses_is_400(author: User, author_token: str, dfsp: Disease) -> None:
    mine = answer(author, dfsp, "Lumps.")

    response = call("patch", f"/api/v1/answers/{mine.pk}", author_token, {"body": ""})

    mine.refresh_from_db()
    assert (response.status_code, response.json()) == (
        400,
        error(400, "bad_request", "Please write an answer."),
    )
    assert mine.body == "Lumps."


def test_the_author_deletes_an_answer(
    client: Client, author: User, author_token: str, dfsp: Disease
) -> None:
    mine = answer(author, dfsp, "canary-withdrawn")

    response = call("delete", f"/api/v1/answers/{mine.pk}", author_token)

    mine.refresh_from_db()
    assert (response.status_code, response.content) == (204, b"")
    assert mine.status == Status.DELETED
    assert mine.question.answer_count == 0
    assert call("get", f"/api/v1/answers/{mine.pk}").status_code == 404
    assert "canary" not in call("get", SYMPTOMS_ANSWERS).content.decode()


@pytest.mark.parametrize(("method", "data"), [("patch", {"body": "Taken over."}), ("delete", None)])
def test_another_members_answer_cannot_be_changed(
    author: User, voter_token: str, dfsp: Disease, method: str, data: dict | None
) -> None:
    theirs = answer(author, dfsp, "Lumps.")

    response = call(method, f"/api/v1/answers/{theirs.pk}", voter_token, data)

    theirs.refresh_from_db()
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (theirs.body, theirs.status, theirs.edited_at) == ("Lumps.", Status.PUBLISHED, None)
    assert not AnswerRevision.objects.exists()


@pytest.mark.parametrize(("method", "data"), [("patch", {"body": "Back again."}), ("delete", None)])
def test_a_hidden_answer_cannot_be_changed_by_its_author(
    author: User, author_token: str, dfsp: Disease, method: str, data: dict | None
) -> None:
    mine = answer(author, dfsp, "Lumps.")
    services.answer_set_status(answer=mine, status=Status.HIDDEN)

    response = call(method, f"/api/v1/answers/{mine.pk}", author_token, data)

    mine.refresh_from_db()
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (mine.body, mine.status) == ("Lumps.", Status.HIDDEN)


# --- votes ----------------------------------------------------------------------------------


def test_votes_change_the_score_and_the_authors_reputation(
    author: User, voter: User, voter_token: str, dfsp: Disease
) -> None:
    theirs = answer(author, dfsp, "Lumps.")
    url = f"/api/v1/answers/{theirs.pk}/vote"

    up = call("post", url, voter_token, {"value": 1})
    author.refresh_from_db()
    up_reputation = author.reputation
    down = call("post", url, voter_token, {"value": -1})
    author.refresh_from_db()
    down_reputation = author.reputation
    withdrawn = call("post", url, voter_token, {"value": 0})

    author.refresh_from_db()
    theirs.refresh_from_db()
    assert up.json() == {"answer_id": theirs.pk, "score": 1, "vote": 1}
    assert down.json() == {"answer_id": theirs.pk, "score": -1, "vote": -1}
    assert withdrawn.json() == {"answer_id": theirs.pk, "score": 0, "vote": 0}
    assert (up_reputation, down_reputation, author.reputation) == (10, -2, 0)
    assert (theirs.score, Vote.objects.count()) == (0, 0)


def test_a_vote_shows_in_the_list(
    client: Client, author: User, voter_token: str, dfsp: Disease
) -> None:
    theirs = answer(author, dfsp, "Lumps.")

    call("post", f"/api/v1/answers/{theirs.pk}/vote", voter_token, {"value": 1})

    assert client.get(SYMPTOMS_ANSWERS).json()["results"] == [
        answer_json(theirs, name="Quiet Heron", role="patient", reputation=10) | {"score": 1}
    ]


def test_voting_on_ones_own_answer_is_refused(
    author: User, author_token: str, dfsp: Disease
) -> None:
    mine = answer(author, dfsp, "Lumps.")

    response = call("post", f"/api/v1/answers/{mine.pk}/vote", author_token, {"value": 1})

    mine.refresh_from_db()
    author.refresh_from_db()
    assert (response.status_code, response.json()) == (
        400,
        error(400, "bad_request", "You cannot vote on your own answer."),
    )
    assert (mine.score, author.reputation, Vote.objects.count()) == (0, 0, 0)


def test_voting_on_a_hidden_answer_is_404(author: User, voter_token: str, dfsp: Disease) -> None:
    theirs = answer(author, dfsp, "Lumps.")
    services.answer_set_status(answer=theirs, status=Status.HIDDEN)

    response = call("post", f"/api/v1/answers/{theirs.pk}/vote", voter_token, {"value": 1})

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert Vote.objects.count() == 0


@pytest.mark.parametrize("value", [2, -2, "up", None])
def test_a_vote_is_one_minus_one_or_zero(
    author: User, voter_token: str, dfsp: Disease, value: object
) -> None:
    theirs = answer(author, dfsp, "Lumps.")

    response = call("post", f"/api/v1/answers/{theirs.pk}/vote", voter_token, {"value": value})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert Vote.objects.count() == 0


def test_voting_is_throttled(
    author: User, voter_token: str, dfsp: Disease, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(questions_api, "VOTE", Limit("vote", 1, 60 * 60))
    theirs = answer(author, dfsp, "Lumps.")
    url = f"/api/v1/answers/{theirs.pk}/vote"

    call("post", url, voter_token, {"value": 1})
    response = call("post", url, voter_token, {"value": -1})

    theirs.refresh_from_db()
    assert (response.status_code, response.json()) == (429, THROTTLED)
    assert theirs.score == 1


# --- reports (raremap.moderation.services.report_submit) ------------------------------------


def test_reporting_an_answer(author: User, voter: User, voter_token: str, dfsp: Disease) -> None:
    theirs = answer(author, dfsp, "Buy pills at example.com")

    response = call(
        "post",
        "/api/v1/reports",
        voter_token,
        {"answer_id": theirs.pk, "reason": "spam", "details": "An advert."},
    )

    assert (response.status_code, response.json()) == (202, {"received": True})
    report = Report.objects.get()
    assert (report.reporter, report.answer, report.question) == (voter, theirs, None)
    assert (report.reason, report.details, report.state) == ("spam", "An advert.", "open")


def test_reporting_a_question(voter: User, voter_token: str, author: User, dfsp: Disease) -> None:
    question = services.question_propose(user=author, disease=dfsp, text="Where to buy pills")
    services.question_set_status(question=question, status=Status.PUBLISHED)

    response = call(
        "post", "/api/v1/reports", voter_token, {"question_id": question.pk, "reason": "off_topic"}
    )

    assert (response.status_code, response.json()) == (202, {"received": True})
    report = Report.objects.get()
    assert (report.reporter, report.answer, report.question) == (voter, None, question)
    assert (report.reason, report.details) == ("off_topic", "")


def test_reporting_a_hidden_answer_or_a_pending_question_is_404(
    author: User, voter_token: str, dfsp: Disease
) -> None:
    hidden = answer(author, dfsp, "Lumps.")
    services.answer_set_status(answer=hidden, status=Status.HIDDEN)
    pending = services.question_propose(user=author, disease=dfsp, text="A pending question")

    responses = [
        call("post", "/api/v1/reports", voter_token, {"answer_id": hidden.pk, "reason": "spam"}),
        call("post", "/api/v1/reports", voter_token, {"question_id": pending.pk, "reason": "spam"}),
        call("post", "/api/v1/reports", voter_token, {"answer_id": 999999, "reason": "spam"}),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 3
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "spam"},
        {"answer_id": 1, "question_id": 1, "reason": "spam"},
        {"answer_id": 1, "reason": "boring"},
        {"answer_id": 1, "reason": "spam", "details": "x" * 501},
    ],
)
def test_a_report_names_one_target_and_a_known_reason(voter_token: str, data: dict) -> None:
    response = call("post", "/api/v1/reports", voter_token, data)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert Report.objects.count() == 0


# --- writes need a token --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", SYMPTOMS_ANSWERS, {"body": "An answer."}),
        ("patch", "/api/v1/answers/{id}", {"body": "An edit."}),
        ("delete", "/api/v1/answers/{id}", None),
        ("post", "/api/v1/answers/{id}/vote", {"value": 1}),
        ("post", "/api/v1/reports", {"answer_id": "{id}", "reason": "spam"}),
    ],
)
def test_writes_without_a_token_are_401(
    author: User, dfsp: Disease, method: str, path: str, data: dict | None
) -> None:
    mine = answer(author, dfsp, "Lumps.")
    if data and data.get("answer_id") == "{id}":
        data = {**data, "answer_id": mine.pk}

    response = call(method, path.format(id=mine.pk), None, data)

    mine.refresh_from_db()
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert (Answer.objects.count(), mine.body, mine.status, mine.score) == (
        1,
        "Lumps.",
        Status.PUBLISHED,
        0,
    )
    assert Report.objects.count() == 0


# --- the OpenAPI document and the schemas ---------------------------------------------------


def test_openapi_document_has_the_question_paths(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()

    operations = {
        (path, method): (operation["operationId"], "security" in operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not path.startswith("/api/v1/diseases/search")
        and path != "/api/v1/diseases/{slug}"
        and "treatments" not in path  # tests/api/test_treatments.py
        and "/map" not in path  # tests/atlas/test_views.py
        and not path.endswith("/people")
        and not path.startswith(
            ("/api/v1/connections", "/api/v1/conversations")
        )  # test_connections
    }
    assert operations == {
        ("/api/v1/diseases/{slug}/questions", "get"): ("question_list", False),
        ("/api/v1/diseases/{slug}/questions/{qslug}", "get"): ("question_get", False),
        ("/api/v1/diseases/{slug}/questions/{qslug}/answers", "get"): ("answer_list", False),
        ("/api/v1/diseases/{slug}/questions/{qslug}/answers", "post"): ("answer_create", True),
        ("/api/v1/answers/{answer_id}", "get"): ("answer_get", False),
        ("/api/v1/answers/{answer_id}", "patch"): ("answer_update", True),
        ("/api/v1/answers/{answer_id}", "delete"): ("answer_delete", True),
        ("/api/v1/answers/{answer_id}/vote", "post"): ("answer_vote", True),
        ("/api/v1/reports", "post"): ("report_create", True),
    }
    assert document["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"}
    }
    create = document["paths"]["/api/v1/diseases/{slug}/questions/{qslug}/answers"]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "403", "404", "413", "422", "429"}
    schemas_ = document["components"]["schemas"]
    assert set(schemas_["AnswerOut"]["properties"]) == {
        "id",
        "body_html",
        "author",
        "score",
        "created_at",
        "edited_at",
        "is_demo",
    }
    assert set(schemas_["AuthorOut"]["properties"]) == {"display_name", "role", "reputation"}


def test_schema_choices_follow_the_models() -> None:
    assert set(get_args(schemas.RoleKey)) == set(Role.values)
    assert set(get_args(schemas.ReportReasonKey)) == set(ReportReason.values)
    assert set(get_args(schemas.AnswerSort)) == {"score", "newest"}
