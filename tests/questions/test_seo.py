"""A question page for search engines (docs/seo.md): a QAPage of members' answers exactly as the
page shows them (never demo answers, never without an answer), its canonical address without
sort or page, and noindex while it has nothing to read."""

import pytest
from django.test import Client

from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.questions import services
from raremap.questions.models import Answer, Question
from raremap.questions.seo import question_has_content
from tests.factories import MembershipFactory, UserFactory
from tests.seo import page_seo

pytestmark = pytest.mark.django_db

SITE = "https://raremap.example.org"
DFSP = "/d/dermatofibrosarcoma-protuberans/"
BEST = f"{DFSP}q/best-treatments/"


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE


def _answer(question: Question, name: str, body: str, *, demo: bool = False) -> Answer:
    author = UserFactory(display_name=name)
    MembershipFactory(user=author, disease=question.disease, role=Role.PATIENT)
    answer = services.answer_create(user=author, question=question, body=body)
    if demo:
        Answer.objects.filter(pk=answer.pk).update(is_demo=True)
    return answer


def test_the_qa_page_is_what_the_page_shows(client: Client, question: Question) -> None:
    first = _answer(question, "Quiet Heron", "Mohs surgery **worked** for me.\n\nTwo years now.")
    second = _answer(question, "Brisk Otter", "Imatinib, with [a link](https://example.org).")
    demo = _answer(question, "Demo Daisy", "A fictional answer.", demo=True)
    services.vote_cast(user=UserFactory(), answer=second, value=1)

    seo = page_seo(client.get(BEST))

    [qa] = seo.of_type("QAPage")
    entity = qa["mainEntity"]
    articles = {int(a.get("id").removeprefix("answer-")): a for a in seo.tree.xpath("//article")}
    shown = [
        " ".join(articles[pk].xpath('.//div[@class="prose"]')[0].text_content().split())
        for pk in (second.pk, first.pk)  # by votes, as the page orders them
    ]
    assert set(articles) == {first.pk, second.pk, demo.pk}
    assert entity["@type"] == "Question"
    assert entity["name"] == seo.text("//h1")[0] == question.title
    assert entity["answerCount"] == 2  # the members' answers; the demo one is not counted
    assert [a["text"] for a in entity["suggestedAnswer"]] == shown
    assert shown == ["Imatinib, with a link.", "Mohs surgery worked for me. Two years now."]
    assert [a["author"]["name"] for a in entity["suggestedAnswer"]] == [
        "Brisk Otter",
        "Quiet Heron",
    ]
    assert [a["upvoteCount"] for a in entity["suggestedAnswer"]] == [1, 0]
    assert [a["url"] for a in entity["suggestedAnswer"]] == [
        f"{SITE}/answers/{second.pk}/",
        f"{SITE}/answers/{first.pk}/",
    ]
    shown_dates = [articles[pk].xpath(".//time/@datetime")[0] for pk in (second.pk, first.pk)]
    assert [a["dateCreated"] for a in entity["suggestedAnswer"]] == shown_dates
    assert "fictional" not in str(qa)
    assert seo.meta("robots") == []
    assert seo.meta("description") == [f"{question.title} 3 answers from people living with it."]


def test_answer_urls_and_canonical_in_the_page_language(client: Client, question: Question) -> None:
    answer = _answer(question, "Quiet Heron", "Surgery.")

    seo = page_seo(client.get(f"/es{BEST}?sort=newest&page=1"))

    [qa] = seo.of_type("QAPage")
    assert qa["mainEntity"]["suggestedAnswer"][0]["url"] == f"{SITE}/es/answers/{answer.pk}/"
    assert qa["mainEntity"]["name"] == page_seo(client.get(f"/es{BEST}")).text("//h1")[0]
    assert seo.canonical == [f"{SITE}/es{BEST}"]  # without sort or page
    assert seo.alternates["de"] == f"{SITE}/de{BEST}"
    assert seo.alternates["x-default"] == f"{SITE}{BEST}"


def test_member_text_cannot_break_out_of_the_json(client: Client, question: Question) -> None:
    _answer(question, "Quiet Heron", "</script><script>alert(1)</script> & more")

    response = client.get(BEST)

    [qa] = page_seo(response).of_type("QAPage")
    assert qa["mainEntity"]["suggestedAnswer"][0]["text"] == (
        "</script><script>alert(1)</script> & more"
    )
    assert "<script>alert" not in response.content.decode()


def test_demo_answers_only_make_no_qa_page(client: Client, question: Question) -> None:
    _answer(question, "Demo Daisy", "A fictional answer.", demo=True)

    seo = page_seo(client.get(BEST))

    assert seo.of_type("QAPage") == []
    assert seo.meta("robots") == []  # it has something to read, though


def test_a_page_with_nothing_to_read_is_not_indexed(client: Client, dfsp: Disease) -> None:
    seo = page_seo(client.get(f"{DFSP}q/life-expectancy/"))

    assert seo.meta("robots") == ["noindex"]
    assert seo.canonical == []
    assert seo.json_ld == []


def test_catalog_data_is_content(client: Client, dfsp: Disease) -> None:
    common = Disease.objects.get(primary_code="ICD10:G71")  # no symptom annotations

    assert page_seo(client.get(f"{DFSP}q/symptoms/")).meta("robots") == []
    assert page_seo(client.get(f"/d/{common.slug}/q/symptoms/")).meta("robots") == ["noindex"]
    # The best-treatments question shows a ranking only with enough reports: none here.
    assert page_seo(client.get(BEST)).meta("robots") == ["noindex"]


def test_editor_text_is_content(client: Client, question: Question, moderator) -> None:  # type: ignore[no-untyped-def]
    services.overview_edit(question=question, editor=moderator, body="Surgery first.")

    assert page_seo(client.get(BEST)).meta("robots") == []


def test_the_rule() -> None:
    question = Question(answer_count=0)

    assert not question_has_content(question=question, overview=None, catalog_data=False)
    assert question_has_content(question=question, overview=None, catalog_data=True)
    assert question_has_content(
        question=Question(answer_count=1), overview=None, catalog_data=False
    )


def test_the_language_chooser_keeps_the_query_of_each_request(
    client: Client, question: Question
) -> None:
    """The kept page was made for the first visitor's query; each visitor's chooser keeps
    their own."""
    _answer(question, "Quiet Heron", "Surgery.")
    client.get(f"{BEST}?sort=newest&from=first")

    seo = page_seo(client.get(f"{BEST}?sort=newest"))

    links = seo.tree.xpath('//nav[@class="languages"]//a/@href')
    assert f"/de{BEST}?sort=newest" in links
    assert not [link for link in links if "first" in link]


def test_answer_count_over_several_pages(client: Client, question: Question) -> None:
    """The count is of every member's answer; the answers are those of the page shown."""
    answers = [_answer(question, f"Member {n}", f"Answer {n}.") for n in range(31)]
    Answer.objects.filter(pk=answers[30].pk).update(is_demo=True)  # the newest: on page 1
    question.refresh_from_db()
    services.vote_cast(user=UserFactory(), answer=answers[5], value=1)  # a new page version

    first, second = (page_seo(client.get(f"{BEST}?page={n}")) for n in (1, 2))

    [qa] = first.of_type("QAPage")
    [qa2] = second.of_type("QAPage")
    assert qa["mainEntity"]["answerCount"] == qa2["mainEntity"]["answerCount"] == 30
    # By votes, then newest: page 1 shows answers 5, 30 (demo), 29…6, 4…1; page 2 answer 0.
    assert len(qa["mainEntity"]["suggestedAnswer"]) == 29
    assert "Answer 30." not in str(qa)
    assert [a["text"] for a in qa2["mainEntity"]["suggestedAnswer"]] == ["Answer 0."]
    assert first.canonical == second.canonical == [f"{SITE}{BEST}"]
