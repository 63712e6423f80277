"""Each standard question's data part on the page, and one invitation instead of empty boxes."""

import re

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import CatalogSource, Disease, DiseaseFact
from raremap.catalog.services import catalog_cache_forget
from raremap.communities.models import Role
from raremap.questions import services
from tests.accounts.helpers import text_of
from tests.caches import empty_caches
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _page(client: Client, slug: str, question: str) -> str:
    return text_of(client.get(f"/d/{slug}/q/{question}/"))


def test_hereditary_shows_the_mode_of_inheritance_with_its_source_and_version(
    client: Client,
) -> None:
    hpo_omim = CatalogSource.objects.get(key="hpo-omim")

    page = _page(client, "alkaptonuria", "is-it-hereditary")

    assert "What our sources say" in page
    assert "Mode of inheritance: Autosomal recessive inheritance" in page
    assert "annotations of OMIM:203500, the OMIM entry with exactly the same name" in page
    assert f"{hpo_omim.name}, {hpo_omim.version}" in page
    assert "hpo3 1.5.1" in hpo_omim.version


def test_english_only_terms_are_marked_english_on_a_page_in_another_language(
    client: Client,
) -> None:
    german = client.get("/de/d/alkaptonuria/q/is-it-hereditary/").content.decode()
    english = client.get("/d/alkaptonuria/q/is-it-hereditary/").content.decode()

    assert '<span lang="en">Autosomal recessive inheritance</span>' in german
    assert '<span lang="en">Autosomal recessive inheritance</span>' not in english
    assert "Autosomal recessive inheritance" in english


def test_cause_life_expectancy_onset_and_specialist(client: Client) -> None:
    assert "COL1A1, PDGFB" in _page(client, "dermatofibrosarcoma-protuberans", "cause")
    gaucher = _page(client, "gaucher-disease", "life-expectancy")
    assert "Death in infancy: Occasional (5–29%)" in gaucher
    assert "HPO phenotype annotations with frequencies" in gaucher  # cited: its band's source
    assert "OMIM disease annotations" not in gaucher  # nothing borrowed, nothing cited
    assert "Adult onset" in _page(client, "alkaptonuria", "first-symptoms")
    specialist = _page(client, "primary-disorders-of-muscles", "specialist")
    assert "a neurologist : WHO ICD-10 classes it in chapter VI (G00–G99)." in specialist
    assert "Human Phenotype Ontology and Orphanet annotations" not in specialist  # ICD-10 only
    assert "Suggested from the disease's classification; ask your doctor." in specialist


def test_contagious_for_a_genetic_an_infectious_and_an_unknown_disease(client: Client) -> None:
    genetic = _page(client, "alkaptonuria", "is-it-contagious")
    tuberculosis = Disease.objects.get(primary_code="ICD10:A15").slug
    infectious = _page(client, tuberculosis, "is-it-contagious")
    unknown = _page(client, "dermatofibrosarcoma-protuberans", "is-it-contagious")

    assert "It is not passed on by contact: it is a genetic condition" in genetic
    assert "its mode of inheritance is recorded (Autosomal recessive inheritance)" in genetic
    assert "It is caused by an infection, so it may be passed on to others." in infectious
    assert "chapter I, A00–B99" in infectious
    assert "Our sources do not say." in unknown
    assert "passed on" not in unknown


def test_a_disease_without_data_says_not_known_and_invites_once(client: Client) -> None:
    html = client.get("/d/dermatofibrosarcoma-protuberans/q/first-symptoms/").content.decode()
    page = text_of_html(html)

    assert "Not known in our sources. If you know, share it in an answer." in page
    assert page.count("Nobody has answered yet") == 1
    assert "Community answers" not in page
    assert "From the editors" not in page
    assert "What members say" not in page
    # No empty placeholder boxes: no dashed slot, no "no answers yet" list.
    assert 'class="slot"' not in html
    assert "No answers yet" not in page
    assert "When members have answered" not in page


def test_a_question_no_source_answers_shows_only_the_invitation(client: Client) -> None:
    html = client.get("/d/dermatofibrosarcoma-protuberans/q/celebrities/").content.decode()

    assert 'id="overview"' not in html
    assert "What our sources say" not in html
    assert html.count('class="card invite"') == 1


def test_editors_are_offered_to_write_the_overview_in_the_invitation(
    client: Client, member: User, member_client: Client, dfsp: Disease
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.PROFESSIONAL)

    seen = _page(member_client, dfsp.slug, "cure")
    anonymous = _page(client, dfsp.slug, "cure")

    assert "No editor has written this question's overview answer yet. Write it" in seen
    assert "Write it" not in anonymous


def test_a_page_with_editor_text_and_answers_looks_as_before(
    client: Client, member: User, other_member: User, dfsp: Disease
) -> None:
    question = services.question_ensure(disease=dfsp, slug="cause")
    MembershipFactory(user=member, disease=dfsp, role=Role.RELATIVE)
    services.overview_edit(question=question, editor=other_member, body="Editors say 4C2D.")
    services.answer_create(user=member, question=question, body="A member says 8E1F.")

    page = _page(client, dfsp.slug, "cause")

    assert "From the editors" in page
    assert "Editors say 4C2D." in page
    assert "What our sources say" in page
    assert "COL1A1, PDGFB" in page
    assert "Community answers" in page
    assert "A member says 8E1F." in page
    assert "Your answer" in page
    assert "Nobody has answered yet" not in page


def test_a_new_import_shows_in_kept_question_pages(client: Client, dfsp: Disease) -> None:
    url = f"/d/{dfsp.slug}/q/cause/"
    headers = {"Cookie": "messages=x"}  # past the full-page cache
    assert "COL1A1, PDGFB" in client.get(url, headers=headers).content.decode()

    DiseaseFact.objects.filter(disease=dfsp, kind="gene", label="PDGFB").update(label="XYZ9")
    catalog_cache_forget()  # what an import does when it commits

    assert "COL1A1, XYZ9" in client.get(url, headers=headers).content.decode()
    empty_caches()


def text_of_html(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
