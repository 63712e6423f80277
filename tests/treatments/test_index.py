"""The treatments index (/treatments/): what members report and talk about first, with honest
counts, then every other treatment from A to Z; a search box over every name; fast on the
whole vocabulary."""

import re

import pytest
from django.db import connection
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.questions import services as question_services
from raremap.questions.models import Answer, Question, Status
from raremap.treatments import services
from raremap.treatments.activity import activity_counts_refresh
from raremap.treatments.models import Treatment
from raremap.treatments.vocabulary import ImportResult, treatment_search
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = "/treatments/"


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run what services leave for after the commit (the rankings and mentions tasks) as a
    site does, inside the test's transaction."""

    def run(write):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def report(run_on_commit, disease: Disease, slug: str, times: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        user = UserFactory()
        MembershipFactory(user=user, disease=disease, role=Role.PATIENT)
        run_on_commit(
            lambda user=user: services.report_save(
                user=user,
                disease=disease,
                treatment=Treatment.objects.get(slug=slug),
                effectiveness=4,
                side_effect_burden=2,
            )
        )


def answer(run_on_commit, question: Question, body: str) -> Answer:  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, disease=question.disease)
    return run_on_commit(
        lambda: question_services.answer_create(user=user, question=question, body=body)
    )


@pytest.fixture
def activity(vocabulary: ImportResult, dfsp: Disease, question: Question, run_on_commit, settings):  # type: ignore[no-untyped-def]
    """Imatinib: 3 reports and 1 answer; Aspirin: 2 answers; Metformin: 2 reports, too few to
    show (the minimum is 3 here)."""
    settings.TREATMENT_MIN_REPORTS = 3
    report(run_on_commit, dfsp, "imatinib", 3)
    report(run_on_commit, dfsp, "metformin", 2)
    answer(run_on_commit, question, "Gleevec kept it small for two years.")
    answer(run_on_commit, question, "Aspirin for the pain after surgery.")
    answer(run_on_commit, question, "I take aspirin on bad days.")
    return question


def test_reported_and_discussed_treatments_come_first_with_their_counts(
    activity: Question, client: Client
) -> None:
    text = text_of(client.get(INDEX))

    assert "Reported and discussed" in text
    assert "Imatinib Medicine 3 reports · mentioned in 1 answer" in text
    assert "Aspirin Medicine mentioned in 2 answers" in text
    # then every other treatment from A to Z, without numbers (Metformin's 2 reports are
    # below the minimum: they are not shown, here or anywhere)
    first, rest = text.split("All other treatments, A to Z", 1)
    assert first.index("Imatinib") < first.index("Aspirin")
    assert "Metformin" not in first
    assert "Acetaminophen Medicine" in rest
    assert "2 reports" not in text


def test_the_counts_are_those_the_treatment_pages_show(activity: Question, client: Client) -> None:
    imatinib = text_of(client.get("/t/imatinib/"))
    aspirin = text_of(client.get("/t/aspirin/"))

    assert "Mentioned in 1 answer." in imatinib
    assert "3 reports" in imatinib
    assert "Mentioned in 2 answers." in aspirin


def test_an_answer_hidden_or_deleted_leaves_the_count(
    activity: Question, run_on_commit, client: Client
) -> None:  # type: ignore[no-untyped-def]
    hidden = Answer.objects.get(body="I take aspirin on bad days.")

    run_on_commit(lambda: question_services.answer_set_status(answer=hidden, status=Status.HIDDEN))

    assert Treatment.objects.get(slug="aspirin").mention_count == 1
    assert "Aspirin Medicine mentioned in 1 answer" in text_of(client.get(INDEX))


def test_a_hidden_question_takes_its_answers_mentions_out(
    activity: Question, run_on_commit, moderator: User
) -> None:  # type: ignore[no-untyped-def]
    run_on_commit(
        lambda: question_services.question_set_status(question=activity, status=Status.HIDDEN)
    )
    hidden = Treatment.objects.get(slug="aspirin").mention_count

    run_on_commit(
        lambda: question_services.question_set_status(question=activity, status=Status.PUBLISHED)
    )

    assert hidden == 0
    assert Treatment.objects.get(slug="aspirin").mention_count == 2


def test_a_withdrawn_report_leaves_the_count(
    activity: Question, run_on_commit, dfsp: Disease
) -> None:  # type: ignore[no-untyped-def]
    one = Treatment.objects.get(slug="imatinib").reports.first()
    assert one is not None

    run_on_commit(lambda: services.report_delete(report=one))

    # 2 reports left: below the minimum, so none are counted
    assert Treatment.objects.get(slug="imatinib").report_count == 0


def test_a_full_recount_repairs_the_counts(activity: Question) -> None:
    Treatment.objects.update(report_count=7, mention_count=7)

    activity_counts_refresh()

    counts = dict(Treatment.objects.filter(report_count__gt=0).values_list("slug", "report_count"))
    mentions = dict(
        Treatment.objects.filter(mention_count__gt=0).values_list("slug", "mention_count")
    )
    assert counts == {"imatinib": 3}
    assert mentions == {"imatinib": 1, "aspirin": 2}


def test_the_search_box_finds_brand_names_and_synonyms(activity: Question, client: Client) -> None:
    brand = text_of(client.get(INDEX + "?q=gleev"))
    synonym = text_of(client.get(INDEX + "?q=paracetamol"))

    assert "1 treatment with a name starting with “gleev”." in brand
    assert "Imatinib Medicine 3 reports · mentioned in 1 answer Also called: gleevec" in brand
    assert "Acetaminophen Medicine Also called: paracetamol" in synonym


def test_search_results_put_what_members_talk_about_first(
    activity: Question, client: Client
) -> None:
    text = text_of(client.get(INDEX + "?q=a"))

    # no exact name, no name starting with "a" that is an own name ahead of the others: among
    # the treatments whose own name starts so, Aspirin (2 answers) leads the alphabet
    assert text.index("Aspirin") < text.index("Acetaminophen")


def test_the_demo_community_is_named_when_it_is_counted(
    activity: Question, client: Client, dfsp: Disease
) -> None:
    without = text_of(client.get(INDEX))
    MembershipFactory(user=UserFactory(is_demo=True), disease=dfsp)

    with_demo = text_of(client.get(INDEX + "?page=1"))

    assert "demo" not in without.lower()
    assert "These counts include the demo community" in with_demo


@pytest.mark.parametrize("active", [1, 3])
def test_index_queries_do_not_grow_with_active_treatments(
    active: int,
    vocabulary: ImportResult,
    client: Client,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    slugs = list(Treatment.objects.order_by("slug").values_list("slug", flat=True)[:active])
    Treatment.objects.filter(slug__in=slugs).update(mention_count=4)

    # the count, the page, whether the demo community is counted
    with django_assert_num_queries(3):
        text = text_of(client.get(INDEX))

    assert text.count("mentioned in 4 answers") == active


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_every_page_of_the_index_is_read_through_an_index(vocabulary: ImportResult) -> None:
    """20,000 treatments are ordered by the index, not sorted per request."""
    page = treatment_search("", 3)
    sql, params = page.object_list.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(row[-1] for row in cursor.fetchall())

    assert "treatment_by_activity" in plan
    assert "TEMP B-TREE" not in plan
