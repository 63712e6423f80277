"""Answers across languages: each says the language it is written in, the digest says which
languages its answers came in, and a reader can list the answers in their own language first."""

import re

import pytest
from django.test import Client
from django.utils import translation

from raremap.questions import services
from raremap.questions.digest import digest_refresh
from raremap.questions.models import Answer
from tests.factories import PASSWORD, MembershipFactory, UserFactory

PAGE = "/d/dermatofibrosarcoma-protuberans/q/best-treatments/"

pytestmark = pytest.mark.django_db


def _answer(question, dfsp, body: str, language: str, votes: int = 0) -> Answer:  # type: ignore[no-untyped-def]
    author = UserFactory()
    MembershipFactory(user=author, disease=dfsp)
    answer = services.answer_create(user=author, question=question, body=body, language=language)
    for _ in range(votes):
        voter = UserFactory()
        MembershipFactory(user=voter, disease=dfsp)
        services.vote_cast(user=voter, answer=answer, value=1)
    return answer


def _order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="answer" id="answer-(\d+)"', html)]


@pytest.fixture
def mixed(question, dfsp):  # type: ignore[no-untyped-def]
    """Three answers: English (most votes), Spanish, German."""
    english = _answer(question, dfsp, "Mohs surgery removed it for good.", "en", votes=2)
    spanish = _answer(question, dfsp, "Me operaron con cirugía de Mohs.", "es", votes=1)
    german = _answer(question, dfsp, "Die Operation nach Mohs hat geholfen.", "de")
    digest_refresh(question=question)
    return english, spanish, german


def test_an_answer_keeps_the_language_its_author_chose(member_client, member, dfsp) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(user=member, disease=dfsp)
    form = member_client.get(PAGE).content.decode()
    # The form offers every interface language, named in itself, the page's chosen.
    assert '<option value="en" selected>English</option>' in form
    assert '<option value="de">Deutsch</option>' in form

    spanish = {"body": "Operación de Mohs, sin recaídas.", "language": "es"}
    unknown = {"body": "Mohs surgery, no relapse since.", "language": "xx"}
    without = {"body": "Surgery; nothing came back."}
    member_client.post(PAGE + "answer/", spanish)
    member_client.post(PAGE + "answer/", unknown)
    member_client.post("/de" + PAGE + "answer/", without)

    answers = Answer.objects.filter(author=member).order_by("pk")
    # "xx" was refused; a form without the field is in the page's language.
    assert list(answers.values_list("language", flat=True)) == ["es", "de"]


def test_an_edit_can_correct_the_language(member, dfsp, question) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(user=member, disease=dfsp)
    answer = services.answer_create(user=member, question=question, body="Cirugía.", language="en")
    client = Client()
    client.login(email=member.email, password=PASSWORD)

    client.post(f"/answers/{answer.pk}/edit/", {"body": "Cirugía.", "language": "es"})

    answer.refresh_from_db()
    assert answer.language == "es"
    assert answer.edited_at is None  # the text did not change


def test_answers_in_another_language_say_so_and_are_marked_up_in_it(mixed) -> None:  # type: ignore[no-untyped-def]
    _english, spanish, german = mixed
    html = Client().get(PAGE).content.decode()

    assert html.count("Written in Spanish") == 1
    assert html.count("Written in German") == 1
    assert "Written in English" not in html
    assert f'lang="es">{spanish.body_html}' in html
    assert f'lang="de">{german.body_html}' in html

    # On the Spanish page the English and German answers say so, in Spanish.
    spanish_page = Client().get("/es" + PAGE).content.decode()
    with translation.override("es"):
        english_badge = translation.gettext("Written in %(language)s") % {
            "language": translation.get_language_info("en")["name_translated"]
        }
    assert english_badge != "Written in English"
    assert spanish_page.count(english_badge) == 1
    assert spanish_page.count('class="badge lang"') == 2  # English and German, not Spanish


def test_the_digest_says_which_languages_its_answers_came_in(mixed, question) -> None:  # type: ignore[no-untyped-def]
    question.refresh_from_db()
    # Most answers first; here one each, in the order of the answers read (by votes).
    assert question.digest_languages == ["en", "es", "de"]
    html = Client().get(PAGE).content.decode()
    assert "The answers are written in 3 languages:" in html
    for name in ("English", "Spanish", "German"):
        assert name in html.split("The answers are written in 3 languages:")[1].split("</p>")[0]


def test_a_reader_lists_the_answers_in_their_language_first(mixed) -> None:  # type: ignore[no-untyped-def]
    english, spanish, german = mixed

    by_votes = Client().get("/es" + PAGE).content.decode()
    assert _order(by_votes) == [english.pk, spanish.pk, german.pk]
    by_language = Client().get("/es" + PAGE + "?sort=language").content.decode()
    assert _order(by_language) == [spanish.pk, english.pk, german.pk]
    assert _order(Client().get("/de" + PAGE + "?sort=language").content.decode()) == [
        german.pk,
        english.pk,
        spanish.pk,
    ]
    # The page offers it where answers in other languages exist.
    assert 'href="?sort=language#answers"' in Client().get(PAGE).content.decode()


def test_no_language_choice_where_every_answer_is_in_the_page_language(question, dfsp) -> None:  # type: ignore[no-untyped-def]
    _answer(question, dfsp, "Surgery.", "en")
    _answer(question, dfsp, "Radiotherapy after surgery.", "en")
    digest_refresh(question=question)

    html = Client().get(PAGE).content.decode()

    assert "sort=language" not in html
    assert "The answers are written in" not in html
    assert 'class="badge lang"' not in html
