"""The treatment endpoints: /api/v1/treatments…, /api/v1/diseases/{slug}/treatments…"""

from typing import get_args

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.api import schemas
from raremap.catalog.models import Disease
from raremap.questions.models import Answer, Question, Status
from raremap.treatments.models import (
    Treatment,
    TreatmentKind,
    TreatmentMention,
    TreatmentName,
)
from tests.factories import UserFactory
from tests.treatments.helpers import ranking

DFSP_TREATMENTS = "/api/v1/diseases/dermatofibrosarcoma-protuberans/treatments"
DFSP_MENTIONS = f"{DFSP_TREATMENTS}/mentions"
NOTICE = (
    "Patient reports, not trial evidence: who reports is self-selected and nothing is "
    "verified. Ask your care team before changing a treatment."
)


def treatment(slug: str, name: str, kind: str = "drug", **fields: object) -> Treatment:
    made = Treatment.objects.create(slug=slug, name=name, kind=kind, source="curated", **fields)
    TreatmentName.objects.create(
        treatment=made, name=name, normalized=name.lower(), kind=TreatmentName.Kind.GENERIC
    )
    return made


@pytest.fixture
def imatinib(db: None) -> Treatment:
    made = treatment("imatinib", "Imatinib", drugbank_id="DB00619", medlineplus_id="a606018")
    TreatmentName.objects.create(
        treatment=made, name="Gleevec", normalized="gleevec", kind=TreatmentName.Kind.BRAND
    )
    TreatmentName.objects.create(
        treatment=made, name="Glivec", normalized="glivec", kind=TreatmentName.Kind.BRAND
    )
    return made


@pytest.fixture
def mohs(db: None) -> Treatment:
    made = treatment("mohs-micrographic-surgery", "Mohs micrographic surgery", "procedure")
    TreatmentName.objects.create(
        treatment=made, name="Mohs surgery", normalized="mohs surgery", kind="synonym"
    )
    return made


@pytest.fixture
def pending(db: None) -> Treatment:
    return treatment("moonwater", "Moonwater", "supplement", status=Treatment.Status.PENDING)


def get(client: Client, url: str, **params: object) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- the vocabulary -------------------------------------------------------------------------


def ref(t: Treatment) -> dict[str, str]:
    return {"slug": t.slug, "name": t.name, "kind": t.kind}


@pytest.mark.django_db
def test_treatment_list_without_a_query_has_the_approved_treatments_by_name(
    client: Client, imatinib: Treatment, mohs: Treatment, pending: Treatment
) -> None:
    treatment("bleach", "Bleach", "lifestyle", status=Treatment.Status.REJECTED)

    assert get(client, "/api/v1/treatments") == {
        "query": "",
        "total": 2,
        "limit": 20,
        "offset": 0,
        "next": None,
        "results": [
            {**ref(imatinib), "matched_name": None},
            {**ref(mohs), "matched_name": None},
        ],
    }


@pytest.mark.django_db
def test_treatment_search_matches_the_start_of_a_name_brand_or_synonym(
    client: Client, imatinib: Treatment, mohs: Treatment
) -> None:
    glivenol = treatment("glivenol", "Glivenol")

    assert get(client, "/api/v1/treatments", q="Gli")["results"] == [
        {**ref(glivenol), "matched_name": None},  # the name itself first
        {**ref(imatinib), "matched_name": "Glivec"},
    ]
    assert get(client, "/api/v1/treatments", q="  MOHS   mic ")["results"] == [
        {**ref(mohs), "matched_name": None},
    ]
    assert get(client, "/api/v1/treatments", q="mohs su")["results"] == [
        {**ref(mohs), "matched_name": "Mohs surgery"},
    ]
    assert get(client, "/api/v1/treatments", q="tinib")["results"] == []  # a prefix, not inside


@pytest.mark.django_db
def test_treatment_search_never_finds_a_treatment_not_approved(
    client: Client, pending: Treatment
) -> None:
    assert get(client, "/api/v1/treatments", q="moon")["total"] == 0


@pytest.mark.django_db
def test_treatment_search_pages(client: Client, imatinib: Treatment, mohs: Treatment) -> None:
    first = get(client, "/api/v1/treatments", limit=1)
    second = client.get(first["next"]).json()

    assert first["next"] == "/api/v1/treatments?q=&limit=1&offset=1"
    assert [r["slug"] for r in first["results"]] == ["imatinib"]
    assert [r["slug"] for r in second["results"]] == ["mohs-micrographic-surgery"]
    assert second["next"] is None


@pytest.mark.django_db
def test_treatment_search_parameters_are_checked(client: Client) -> None:
    response = client.get("/api/v1/treatments", {"q": "x" * 101, "limit": 0})

    assert response.status_code == 422
    assert [(d["field"], d["type"]) for d in response.json()["error"]["details"]] == [
        ("q", "string_too_long"),
        ("limit", "greater_than_equal"),
    ]


@pytest.fixture
def author(db: None) -> User:
    return UserFactory(display_name="Calm Heron")


def answer(question: Question, author: User, status: str = Status.PUBLISHED) -> Answer:
    return Answer.objects.create(
        question=question, author=author, body="…", body_html="<p>…</p>", status=status
    )


def mention(answer: Answer, treatment: Treatment, *, negated: bool = False) -> None:
    TreatmentMention.objects.create(
        answer=answer, treatment=treatment, matched=treatment.name, negated=negated
    )


@pytest.mark.django_db
def test_treatment_detail_counts_mentions_in_published_answers_only(
    client: Client, imatinib: Treatment, author: User, dfsp: Disease
) -> None:
    best = Question.objects.create(disease=dfsp, slug="best-treatments")
    hidden = Question.objects.create(disease=dfsp, slug="is-it-hereditary", status=Status.HIDDEN)
    for status in (Status.PUBLISHED, Status.PUBLISHED, Status.HIDDEN, Status.DELETED):
        mention(answer(best, author, status), imatinib)
    mention(answer(best, author), imatinib, negated=True)  # "I did not try imatinib"
    mention(answer(hidden, author), imatinib)

    assert get(client, "/api/v1/treatments/imatinib") == {
        "slug": "imatinib",
        "name": "Imatinib",
        "kind": "drug",
        "source": "curated",
        "ids": {"drugbank": "DB00619", "mesh": None, "medlineplus": "a606018"},
        "names": [
            {"name": "Imatinib", "kind": "generic"},
            {"name": "Gleevec", "kind": "brand"},
            {"name": "Glivec", "kind": "brand"},
        ],
        "mentions": {"answers": 2},
    }


@pytest.mark.django_db
def test_a_treatment_not_approved_is_404(client: Client, pending: Treatment) -> None:
    response = client.get("/api/v1/treatments/moonwater")
    unknown = client.get("/api/v1/treatments/no-such-thing")

    assert response.status_code == unknown.status_code == 404
    assert (
        response.json()
        == unknown.json()
        == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}
    )


@pytest.mark.django_db
def test_treatment_detail_is_three_queries_and_cached_for_anonymous_visitors(
    client: Client, imatinib: Treatment, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(3):  # the treatment, its names, the mention count
        first = client.get("/api/v1/treatments/imatinib")
    with django_assert_num_queries(0):
        second = client.get("/api/v1/treatments/imatinib")

    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=60"


# --- a disease's ranking --------------------------------------------------------------------


def stats(reports: int, **fields: object) -> dict:
    return {
        "reports": reports,
        "mean": 4.0,
        "score": 3.5,
        "lower": 3.25,
        "upper": 4.5,
        "effectiveness_counts": {"1": 0, "2": 0, "3": 0, "4": 0, "5": reports},
        "burden_mean": 2.0,
        "by_reporter": {"self": reports, "relative": 0, "care": 0},
        "computed_at": "2026-11-01T12:00:00Z",
        **fields,
    }


@pytest.mark.django_db
def test_ranking_shows_statistics_from_the_minimum_and_only_the_name_below(
    client: Client, dfsp: Disease, imatinib: Treatment, mohs: Treatment
) -> None:
    radiotherapy = treatment("radiotherapy", "Radiotherapy", "therapy")
    vitamin_d = treatment("vitamin-d", "Vitamin D", "supplement")
    ranking(
        dfsp,
        mohs,
        12,
        mean=4.666666,
        score=4.123456,
        lower=4.0004,
        upper=4.9,
        effectiveness_counts={"1": 0, "2": 0, "3": 1, "4": 2, "5": 9},
        burden_mean=1.5,
        by_reporter={"self": 10, "relative": 1, "care": 1},
    )
    ranking(dfsp, imatinib, 5, score=3.1)
    # Four reports: a higher score and a rare mean, neither of which may show or order.
    ranking(dfsp, vitamin_d, 4, mean=3.8125, score=9.0)
    ranking(dfsp, radiotherapy, 1, mean=1.0, score=8.0)

    response = client.get(DFSP_TREATMENTS)

    assert response.json() == {
        "disease": "dermatofibrosarcoma-protuberans",
        "min_reports": 5,
        "notice": NOTICE,
        "total": 4,
        "ranked": 2,
        "limit": 50,
        "offset": 0,
        "next": None,
        "results": [
            {
                "rank": 1,
                "treatment": ref(mohs),
                "statistics": stats(
                    12,
                    mean=4.667,
                    score=4.123,
                    lower=4.0,
                    upper=4.9,
                    effectiveness_counts={"1": 0, "2": 0, "3": 1, "4": 2, "5": 9},
                    burden_mean=1.5,
                    by_reporter={"self": 10, "relative": 1, "care": 1},
                ),
            },
            {"rank": 2, "treatment": ref(imatinib), "statistics": stats(5, score=3.1)},
            {"rank": None, "treatment": ref(radiotherapy), "statistics": None},
            {"rank": None, "treatment": ref(vitamin_d), "statistics": None},
        ],
    }
    assert "3.8125" not in response.content.decode()
    assert "ES" not in response.content.decode()  # countries are never published


@pytest.mark.django_db
def test_ranking_minimum_is_the_setting(
    client: Client, settings, dfsp: Disease, imatinib: Treatment
) -> None:  # type: ignore[no-untyped-def]
    ranking(dfsp, imatinib, 4)
    settings.TREATMENT_MIN_REPORTS = 4

    body = get(client, DFSP_TREATMENTS)

    assert (body["min_reports"], body["ranked"]) == (4, 1)
    assert body["results"][0]["statistics"] == stats(4)


@pytest.mark.django_db
def test_ranking_leaves_out_treatments_not_approved_and_other_diseases(
    client: Client, dfsp: Disease, imatinib: Treatment, pending: Treatment
) -> None:
    ranking(dfsp, pending, 9)
    ranking(Disease.objects.get(primary_code="ORPHA:586"), imatinib, 9)

    assert get(client, DFSP_TREATMENTS)["results"] == []


@pytest.mark.django_db
def test_ranking_pages(client: Client, dfsp: Disease) -> None:
    for n in range(3):
        ranking(dfsp, treatment(f"t{n}", f"T{n}"), 5 + n, score=float(n))

    first = get(client, DFSP_TREATMENTS, limit=2)
    second = client.get(first["next"]).json()

    assert first["next"] == f"{DFSP_TREATMENTS}?limit=2&offset=2"
    assert [(r["rank"], r["treatment"]["slug"]) for r in first["results"]] == [
        (1, "t2"),
        (2, "t1"),
    ]
    assert [(r["rank"], r["treatment"]["slug"]) for r in second["results"]] == [(3, "t0")]
    assert second["next"] is None


@pytest.mark.django_db
def test_ranking_of_an_unknown_disease_is_404(client: Client) -> None:
    response = client.get("/api/v1/diseases/no-such-disease/treatments")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_ranking_query_count_does_not_grow_with_treatments(
    client: Client, django_assert_num_queries, dfsp: Disease, count: int
) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        ranking(dfsp, treatment(f"t{n}", f"T{n}"), 3 + 2 * n)
    client.get("/api/v1/diseases/dermatofibrosarcoma-protuberans")  # the disease is cached

    with django_assert_num_queries(2):  # the counts, the page with its treatments
        response = client.get(DFSP_TREATMENTS)

    assert len(response.json()["results"]) == count


@pytest.mark.django_db
def test_ranking_is_cached_for_anonymous_visitors(
    client: Client, dfsp: Disease, imatinib: Treatment, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    ranking(dfsp, imatinib, 5)
    first = client.get(DFSP_TREATMENTS)

    with django_assert_num_queries(0):
        second = client.get(DFSP_TREATMENTS)

    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=60"


# --- mentions in a disease's answers --------------------------------------------------------


@pytest.mark.django_db
def test_mentions_count_published_answers_about_the_disease(
    client: Client, dfsp: Disease, author: User, imatinib: Treatment, mohs: Treatment
) -> None:
    best = Question.objects.create(disease=dfsp, slug="best-treatments")
    hidden = Question.objects.create(disease=dfsp, slug="symptoms", status=Status.HIDDEN)
    other = Question.objects.create(
        disease=Disease.objects.get(primary_code="ORPHA:586"), slug="best-treatments"
    )
    mohs_answers = [answer(best, author) for _ in range(3)]
    for row in mohs_answers:
        mention(row, mohs)
    both = mohs_answers[0]
    mention(both, imatinib)
    mention(answer(best, author), imatinib, negated=True)
    mention(answer(best, author, Status.REMOVED), imatinib)
    mention(answer(hidden, author), imatinib)
    mention(answer(other, author), imatinib)

    assert get(client, DFSP_MENTIONS) == {
        "disease": "dermatofibrosarcoma-protuberans",
        "total": 2,
        "limit": 50,
        "offset": 0,
        "next": None,
        "results": [
            {
                "treatment": ref(mohs),
                "answers": 3,
                "answer_ids": sorted((a.pk for a in mohs_answers), reverse=True),
            },
            {"treatment": ref(imatinib), "answers": 1, "answer_ids": [both.pk]},
        ],
    }


@pytest.mark.django_db
def test_mentions_list_the_newest_answer_ids_and_page(
    client: Client,
    dfsp: Disease,
    author: User,
    imatinib: Treatment,
    mohs: Treatment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("raremap.api.treatments.MENTION_ANSWER_IDS", 2)
    best = Question.objects.create(disease=dfsp, slug="best-treatments")
    answers = [answer(best, author) for _ in range(4)]
    for row in answers:
        mention(row, mohs)
    mention(answers[0], imatinib)

    first = get(client, DFSP_MENTIONS, limit=1)
    second = client.get(first["next"]).json()

    assert first["results"] == [
        {"treatment": ref(mohs), "answers": 4, "answer_ids": [answers[3].pk, answers[2].pk]}
    ]
    assert second["results"] == [
        {"treatment": ref(imatinib), "answers": 1, "answer_ids": [answers[0].pk]}
    ]
    assert (first["next"], second["next"]) == (f"{DFSP_MENTIONS}?limit=1&offset=1", None)


@pytest.mark.django_db
def test_mentions_of_a_treatment_not_approved_are_left_out(
    client: Client, dfsp: Disease, author: User, pending: Treatment
) -> None:
    mention(answer(Question.objects.create(disease=dfsp, slug="best-treatments"), author), pending)

    assert get(client, DFSP_MENTIONS)["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_mentions_query_count_does_not_grow_with_treatments(
    client: Client, django_assert_num_queries, dfsp: Disease, author: User, count: int
) -> None:  # type: ignore[no-untyped-def]
    best = Question.objects.create(disease=dfsp, slug="best-treatments")
    for n in range(count):
        mention(answer(best, author), treatment(f"t{n}", f"T{n}"))
    client.get("/api/v1/diseases/dermatofibrosarcoma-protuberans")  # the disease is cached

    with django_assert_num_queries(3):  # the total, the page, the answer ids
        response = client.get(DFSP_MENTIONS)

    assert len(response.json()["results"]) == count


# --- the OpenAPI document -------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_document_has_the_treatment_paths(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    operations = {
        path: item["get"]["operationId"] for path, item in paths.items() if "treatments" in path
    }
    assert operations == {
        "/api/v1/treatments": "treatment_list",
        "/api/v1/treatments/{slug}": "treatment_get",
        "/api/v1/diseases/{slug}/treatments": "ranking_list",
        "/api/v1/diseases/{slug}/treatments/mentions": "mention_list",
    }
    assert not any("security" in paths[path]["get"] for path in operations)


def test_schema_choices_are_the_models() -> None:
    assert set(get_args(schemas.TreatmentKindKey)) == set(TreatmentKind.values)
    assert set(get_args(schemas.TreatmentNameKind)) == set(TreatmentName.Kind.values)
