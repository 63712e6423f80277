"""Treatment mentions in answers: the dictionary match, negation, the stored rows, the task and
the command."""

from io import StringIO

import pytest
from django.core.management import call_command

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.questions import services
from raremap.questions.demo import MOHS_VITAMIN_D
from raremap.questions.models import Answer, Question, Status
from raremap.treatments import mentions
from raremap.treatments.mentions import find_mentions, mentions_refresh, mentions_refresh_all
from raremap.treatments.models import Treatment, TreatmentMention, TreatmentName
from raremap.treatments.tasks import mentions_refresh_task
from raremap.treatments.vocabulary import ImportResult, treatment_approve, treatment_propose
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SENTENCES = [
    # The two required examples.
    (
        MOHS_VITAMIN_D,
        {("mohs-micrographic-surgery", False), ("surgical-excision", False), ("vitamin-d", False)},
    ),
    ("Gleevec", {("imatinib", False)}),
    # Brand names lead to their generic treatment; one row per treatment.
    ("Gleevec (imatinib) shrank it. I still take Gleevec.", {("imatinib", False)}),
    ("Tylenol for the pain, later paracetamol.", {("acetaminophen", False)}),
    # Negation within three words before, in the same clause.
    ("I did not try imatinib.", {("imatinib", True)}),
    ("I didn't take Gleevec because of the side effects.", {("imatinib", True)}),
    ("I haven't tried Gleevec yet", {("imatinib", True)}),
    (
        "Never had radiotherapy, only Mohs surgery.",
        {("radiotherapy", True), ("mohs-micrographic-surgery", False)},
    ),
    (
        "No chemo for me, but physio helped a lot.",
        {("chemotherapy", True), ("physiotherapy", False)},
    ),
    ("I can't take aspirin.", {("aspirin", True)}),
    ("I no longer take imatinib.", {("imatinib", False)}),
    ("No side effects at all from imatinib.", {("imatinib", False)}),
    ("I did not try imatinib at first, then I took imatinib for a year.", {("imatinib", False)}),
    # Longest match wins; multi-word names.
    ("I had wide local excision in 2019.", {("wide-local-excision", False)}),
    (
        "Mohs micrographic surgery, then a skin graft.",
        {("mohs-micrographic-surgery", False), ("skin-graft", False)},
    ),
    # Word boundaries: no names inside longer words.
    ("The environment at the clinic was calm and ironic.", set()),
    ("I take iron tablets.", {("iron", False)}),
    # Punctuation and case.
    (
        "VITAMIN-D; omega-3! RADIOTHERAPY.",
        {("vitamin-d", False), ("omega-3", False), ("radiotherapy", False)},
    ),
    (
        "Two excisions (both failed), then Mohs.",
        {("surgical-excision", False), ("mohs-micrographic-surgery", False)},
    ),
    # A line break inside a paragraph is a space; a new list item is a new clause.
    ("I also changed my\ndiet.", {("diet-changes", False)}),
    (
        "Things I never tried:\n- Gleevec\n- Mohs",
        {("imatinib", False), ("mohs-micrographic-surgery", False)},
    ),
    # Spanish, accents folded.
    (
        "Me hicieron cirugía de Mohs y después radioterapia.",
        {("mohs-micrographic-surgery", False), ("radiotherapy", False)},
    ),
    (
        "No me dieron quimioterapia ni radioterapia.",
        {("chemotherapy", True), ("radiotherapy", True)},
    ),
    ("Tomo metformina y vitamina D.", {("metformin", False), ("vitamin-d", False)}),
    # Curated names win over package synonyms ("vitamin d" is also ergocalciferol's).
    ("Vitamin D every morning.", {("vitamin-d", False)}),
    # Stoplisted everyday words, everyday phrases, genes, lower-case four-letter codes.
    ("I drink a lot of water and my oxygen is fine.", set()),
    ("All clear after the scan (COL1A1-PDGFB).", set()),
    ("I am on Ofev; my friend takes ofev too.", {("nintedanib", False)}),
    ("Links do not count: https://example.org/imatinib", set()),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_mentions_in_sentences(vocabulary: ImportResult, text: str, expected: set) -> None:
    slugs = dict(Treatment.objects.values_list("pk", "slug"))

    found = find_mentions(text)

    assert {(slugs[pk], f.negated) for pk, f in found.items()} == expected


def test_mentions_keep_the_words_as_written(vocabulary: ImportResult) -> None:
    found = find_mentions("Started Gleevec in May; Cirugía de Mohs later.")

    assert sorted(f.matched for f in found.values()) == ["Cirugía de Mohs", "Gleevec"]


def test_the_dictionary_is_built_once_per_vocabulary_version(
    vocabulary: ImportResult, member: User
) -> None:
    first = mentions.dictionary()
    again = mentions.dictionary()
    proposed = treatment_propose(user=member, name="Flotation tank", kind="therapy")
    while_pending = mentions.dictionary()
    treatment_approve(treatment=proposed)

    after_approval = mentions.dictionary()

    assert again is first
    assert while_pending.find("a flotation tank") == []
    assert after_approval is not first
    assert [f.treatment_id for f in after_approval.find("a flotation tank")] == [proposed.pk]


def test_a_name_two_treatments_share_alike_is_not_matched(vocabulary: ImportResult) -> None:
    aspirin = Treatment.objects.get(slug="aspirin")
    metformin = Treatment.objects.get(slug="metformin")
    for treatment in (aspirin, metformin):
        TreatmentName.objects.create(
            treatment=treatment, name="Combipill", normalized="combipill", kind="brand"
        )

    assert find_mentions("Combipill and metformin") == {
        metformin.pk: mentions.Found(metformin.pk, "metformin", False)
    }


# Stored mentions


def _answer(user: User, question: Question, body: str) -> Answer:
    MembershipFactory(user=user, disease=question.disease)
    return services.answer_create(user=user, question=question, body=body)


def _stored(answer: Answer) -> set[tuple[str, str, bool]]:
    rows = TreatmentMention.objects.filter(answer=answer).select_related("treatment")
    return {(m.treatment.slug, m.matched, m.negated) for m in rows}


def test_mentions_refresh_replaces_an_answers_mentions(
    vocabulary: ImportResult, question: Question, member: User
) -> None:
    answer = _answer(member, question, "I had Mohs, then Gleevec.")
    mentions_refresh(answer=answer)
    services.answer_update(answer=answer, body="Only radiotherapy; I never took Gleevec.")

    rows = mentions_refresh(answer=answer)

    assert len(rows) == 2
    assert _stored(answer) == {
        ("radiotherapy", "radiotherapy", False),
        ("imatinib", "Gleevec", True),
    }


def test_hidden_answers_and_hidden_questions_have_no_mentions(
    vocabulary: ImportResult, question: Question, member: User, other_member: User
) -> None:
    hidden = _answer(member, question, "Mohs worked for me.")
    on_hidden_question = _answer(other_member, question, "Imatinib worked for me.")
    mentions_refresh(answer=hidden)
    services.answer_set_status(answer=hidden, status=Status.HIDDEN)
    question.status = Status.HIDDEN
    question.save(update_fields=["status"])
    hidden.refresh_from_db()
    on_hidden_question.refresh_from_db()

    assert mentions_refresh(answer=hidden) == []
    assert mentions_refresh(answer=on_hidden_question) == []
    assert not TreatmentMention.objects.exists()


def test_the_task_refreshes_an_answer(
    vocabulary: ImportResult,
    question: Question,
    member: User,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    answer = _answer(member, question, "Vitamin D and physio.")

    with django_capture_on_commit_callbacks(execute=True):
        mentions_refresh_task.enqueue(answer.pk)
        mentions_refresh_task.enqueue(999_999)

    assert _stored(answer) == {
        ("vitamin-d", "Vitamin D", False),
        ("physiotherapy", "physio", False),
    }


def test_refresh_all_covers_published_answers_and_drops_hidden_ones(
    vocabulary: ImportResult, dfsp: Disease, question: Question, member: User, other_member: User
) -> None:
    first = _answer(member, question, "Mohs, then radiotherapy.")
    second = _answer(other_member, question, "Gleevec for five months.")
    hidden = _answer(other_member, services.question_ensure(disease=dfsp, slug="symptoms"), "Mohs")
    mentions_refresh(answer=hidden)
    Answer.objects.filter(pk=hidden.pk).update(status=Status.HIDDEN)

    result = mentions_refresh_all(batch=1)

    assert (result.answers, result.mentions) == (2, 3)
    assert _stored(first) == {
        ("mohs-micrographic-surgery", "Mohs", False),
        ("radiotherapy", "radiotherapy", False),
    }
    assert _stored(second) == {("imatinib", "Gleevec", False)}
    assert _stored(hidden) == set()


def test_the_extract_mentions_command(
    vocabulary: ImportResult, question: Question, member: User
) -> None:
    _answer(member, question, "Mohs surgery and vitamin D.")
    out = StringIO()

    call_command("extract-mentions", stdout=out)

    assert out.getvalue().startswith("1 answers, 2 mentions in ")
    assert TreatmentMention.objects.count() == 2


def test_a_committed_answer_is_scanned_for_treatments_in_the_background(
    question: Question, member: User, vocabulary, django_capture_on_commit_callbacks
) -> None:
    """answer_create asks for the scan once its transaction commits (django-tasks)."""
    MembershipFactory(user=member, disease=question.disease)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = services.answer_create(
            user=member, question=question, body="I took Gleevec for a year, then had Mohs surgery."
        )

    # After the commit: the disease's cached questions are forgotten, the digest and the
    # mentions are enqueued (run at once by the test settings' immediate backend).
    assert len(callbacks) == 3
    found = TreatmentMention.objects.filter(answer=answer).values_list("treatment__slug", flat=True)
    assert set(found) == {"imatinib", "mohs-micrographic-surgery"}
