"""The treatment vocabulary: the import, members' proposals and their review, the treatment
pages."""

import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.questions import services
from raremap.questions.models import Answer, Question, Status
from raremap.treatments.mentions import mentions_refresh
from raremap.treatments.models import (
    Treatment,
    TreatmentMention,
    TreatmentName,
    TreatmentRanking,
    TreatmentStatus,
)
from raremap.treatments.vocabulary import (
    Entry,
    ImportResult,
    normalize_name,
    treatment_approve,
    treatment_propose,
    treatment_reject,
    vocabulary_import,
)
from tests.accounts.helpers import verified_login
from tests.caches import empty_caches
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PENDING = TreatmentStatus.PENDING


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_normalize_name_folds_case_accents_and_punctuation() -> None:
    assert normalize_name("Cirugía de  MOHS") == "cirugia de mohs"
    assert normalize_name("Omega-3 (fish-oil)’s") == "omega 3 fish oil s"
    assert normalize_name("  ") == ""


# The import


def _entries(synonym: str = "Fakeprin") -> list[Entry]:
    drug = Entry(name="Testamab", kind="drug", source="fake 1.0", drugbank_id="DB99999")
    drug.add_name("Testamab", "generic")
    drug.add_name("Testex", "brand")
    drug.add_name(synonym, "synonym")
    procedure = Entry(name="Knee brace fitting", kind="procedure", source="curated")
    procedure.add_name("Knee brace fitting", "generic")
    procedure.add_name("knee brace", "synonym")
    return [drug, procedure]


def _names() -> set[tuple[str, str, str, str]]:
    rows = TreatmentName.objects.values_list("treatment__slug", "name", "normalized", "kind")
    return set(rows)


def test_import_creates_treatments_and_names_once() -> None:
    first = vocabulary_import(entries=_entries())
    snapshot = (list(Treatment.objects.values_list("pk", "slug", "status")), _names())
    again = vocabulary_import(entries=_entries())

    assert (first.treatments, first.created, first.names, first.names_added) == (2, 2, 5, 5)
    assert (again.created, again.updated, again.names_added, again.names_removed) == (0, 0, 0, 0)
    assert (list(Treatment.objects.values_list("pk", "slug", "status")), _names()) == snapshot
    assert _names() == {
        ("testamab", "Testamab", "testamab", "generic"),
        ("testamab", "Testex", "testex", "brand"),
        ("testamab", "Fakeprin", "fakeprin", "synonym"),
        ("knee-brace-fitting", "Knee brace fitting", "knee brace fitting", "generic"),
        ("knee-brace-fitting", "knee brace", "knee brace", "synonym"),
    }
    testamab = Treatment.objects.get(slug="testamab")
    assert (testamab.kind, testamab.source, testamab.status, testamab.drugbank_id) == (
        "drug",
        "fake 1.0",
        "approved",
        "DB99999",
    )


def test_a_changed_source_updates_names_and_keeps_slugs() -> None:
    vocabulary_import(entries=_entries())
    pk = Treatment.objects.get(slug="testamab").pk

    result = vocabulary_import(entries=_entries(synonym="Fake-Prin Forte"))

    assert (result.created, result.names_added, result.names_removed) == (0, 1, 1)
    assert Treatment.objects.get(slug="testamab").pk == pk
    assert set(
        TreatmentName.objects.filter(treatment_id=pk).values_list("normalized", flat=True)
    ) == {"testamab", "testex", "fake prin forte"}


def test_a_pending_proposal_the_sources_name_is_adopted(member: User) -> None:
    proposed = treatment_propose(user=member, name="Testamab", kind="supplement")

    result = vocabulary_import(entries=_entries())
    proposed.refresh_from_db()

    assert result.created == 1
    assert (proposed.slug, proposed.status, proposed.kind, proposed.source) == (
        "testamab",
        "approved",
        "drug",
        "fake 1.0",
    )


def test_curated_entries_take_over_the_package_drugs_they_name(vocabulary: ImportResult) -> None:
    iron = Treatment.objects.get(slug="iron")
    omega = Treatment.objects.get(slug="omega-3")

    assert Treatment.objects.filter(name__iexact="iron").count() == 1
    assert (iron.name, iron.kind, iron.source, iron.drugbank_id) == (
        "Iron",
        "supplement",
        "curated",
        "DB01592",
    )
    assert (omega.name, omega.kind, omega.drugbank_id, omega.medlineplus_id) == (
        "Omega-3",
        "supplement",
        "DB11133",
        "a607065",
    )
    assert omega.names.filter(normalized="omega 3 fatty acids", kind="synonym").exists()


def test_the_real_import_is_idempotent_and_knows_gleevec() -> None:
    """The whole package and the curated list, through the command, twice."""
    out = StringIO()
    call_command("import-treatments", stdout=out)
    count = Treatment.objects.count()
    call_command("import-treatments", stdout=out)
    first, second = out.getvalue().splitlines()

    imatinib = Treatment.objects.get(slug="imatinib")
    names = dict(imatinib.names.values_list("normalized", "kind"))
    assert count > 20_000
    assert Treatment.objects.count() == count
    assert "created" in first
    assert re.search(r"; 0 created, 0 updated\. Names: \d+; 0 added, 0 removed\.", second)
    assert (imatinib.name, imatinib.kind, imatinib.status, imatinib.source) == (
        "Imatinib",
        "drug",
        "approved",
        "drug-named-entity-recognition 2.0.9",
    )
    assert (imatinib.drugbank_id, imatinib.medlineplus_id) == ("DB00619", "a606018")
    assert names == {"imatinib": "generic", "gleevec": "synonym", "imatinibum": "synonym"}
    assert TreatmentName.objects.get(normalized="humira").kind == "brand"
    assert Treatment.objects.get(slug="mohs-micrographic-surgery").kind == "procedure"


# Proposals


def test_a_proposal_waits_unseen_until_approved(
    vocabulary: ImportResult, member: User, client: Client
) -> None:
    proposed = treatment_propose(user=member, name="  Cold   water swimming ", kind="lifestyle")

    pending_page = client.get("/t/cold-water-swimming/").status_code
    pending_list = client.get("/treatments/?q=cold+water").content.decode()
    treatment_approve(treatment=proposed)
    approved_page = client.get("/t/cold-water-swimming/")

    assert (proposed.name, proposed.status, proposed.source, proposed.proposed_by) == (
        "Cold water swimming",
        PENDING,
        "member",
        member,
    )
    assert pending_page == 404
    assert "Cold water swimming" not in pending_list
    assert approved_page.status_code == 200
    assert "Cold water swimming" in text_of(approved_page)


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("Gleevec", "drug", "“Imatinib” is already in the list of treatments."),
        ("x" * 101, "drug", "Please keep the name under 100 characters."),
        ("see https://spam.example", "drug", "Please write the name of the treatment (no links)."),
        ("!!", "drug", "Please write the name of the treatment (no links)."),
        ("Sauna", "magic", "Please choose what kind of treatment it is."),
    ],
)
def test_proposals_are_checked(
    vocabulary: ImportResult, member: User, name: str, kind: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        treatment_propose(user=member, name=name, kind=kind)

    assert error.value.messages == [message]
    assert not Treatment.objects.filter(status=PENDING).exists()


def test_a_name_is_proposed_once(
    vocabulary: ImportResult, member: User, other_member: User
) -> None:
    treatment_propose(user=member, name="Sauna", kind="lifestyle")

    with pytest.raises(ValidationError) as error:
        treatment_propose(user=other_member, name="SAUNA", kind="lifestyle")

    assert error.value.messages == [
        "This treatment was proposed already; a moderator will review it."
    ]


def test_rejecting(vocabulary: ImportResult, member: User) -> None:
    proposed = treatment_propose(user=member, name="Sauna", kind="lifestyle")

    treatment_reject(treatment=proposed)
    with pytest.raises(ValidationError):
        treatment_reject(treatment=Treatment.objects.get(slug="imatinib"))

    proposed.refresh_from_db()
    assert proposed.status == TreatmentStatus.REJECTED
    assert Treatment.objects.get(slug="imatinib").status == TreatmentStatus.APPROVED


def test_the_propose_page(vocabulary: ImportResult, member_client: Client, client: Client) -> None:
    anonymous = client.get("/treatments/propose/")
    form = member_client.get("/treatments/propose/")
    posted = member_client.post("/treatments/propose/", {"name": "Sauna", "kind": "lifestyle"})
    refused = member_client.post("/treatments/propose/", {"name": "Gleevec", "kind": "drug"})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert form.status_code == 200
    assert (posted.status_code, posted["Location"]) == (302, "/treatments/")
    assert Treatment.objects.get(name="Sauna").status == PENDING
    assert refused.status_code == 400
    assert "“Imatinib” is already in the list of treatments." in text_of(refused)


def test_proposals_are_throttled(
    vocabulary: ImportResult, member_client: Client, clock: object
) -> None:
    for n in range(10):
        member_client.post("/treatments/propose/", {"name": f"Sauna {n}", "kind": "lifestyle"})

    response = member_client.post("/treatments/propose/", {"name": "Sauna", "kind": "lifestyle"})

    assert response.status_code == 429
    assert Treatment.objects.filter(status=PENDING).count() == 10


def test_moderators_review_proposals(
    vocabulary: ImportResult, member: User, moderator_client: Client
) -> None:
    sauna = treatment_propose(user=member, name="Sauna", kind="lifestyle")
    yoga_nidra = treatment_propose(user=member, name="Yoga nidra", kind="lifestyle")

    listed = text_of(moderator_client.get("/treatments/proposed/"))
    approved = moderator_client.post(f"/treatments/proposed/{sauna.pk}/approve/")
    rejected = moderator_client.post(f"/treatments/proposed/{yoga_nidra.pk}/reject/")
    imatinib = Treatment.objects.get(slug="imatinib")
    again = moderator_client.post(f"/treatments/proposed/{imatinib.pk}/approve/")

    assert "Sauna" in listed
    assert "Proposed by Quiet Heron" in listed
    assert (approved.status_code, approved["Location"]) == (302, "/treatments/proposed/")
    assert rejected.status_code == 302
    assert again.status_code == 404  # only proposals are reviewed here
    assert dict(Treatment.objects.filter(source="member").values_list("name", "status")) == {
        "Sauna": "approved",
        "Yoga nidra": "rejected",
    }


def test_proposals_are_404_for_everyone_else(
    vocabulary: ImportResult, member: User, member_client: Client, client: Client
) -> None:
    sauna = treatment_propose(user=member, name="Sauna", kind="lifestyle")

    statuses = [
        client.get("/treatments/proposed/").status_code,
        member_client.get("/treatments/proposed/").status_code,
        member_client.post(f"/treatments/proposed/{sauna.pk}/approve/").status_code,
        client.post(f"/treatments/proposed/{sauna.pk}/approve/").status_code,
    ]

    sauna.refresh_from_db()
    assert statuses == [404, 404, 404, 404]
    assert sauna.status == PENDING


# The treatment page


def _answer(user: User, question: Question, body: str) -> Answer:
    MembershipFactory(user=user, disease=question.disease)
    answer = services.answer_create(user=user, question=question, body=body)
    mentions_refresh(answer=answer)
    return answer


def test_the_treatment_page(vocabulary: ImportResult, client: Client) -> None:
    response = client.get("/t/acetaminophen/")
    html = response.content.decode()
    text = text_of(response)

    assert response.status_code == 200
    assert "Acetaminophen Medicine" in text
    assert "Also called: acetaminophen" not in text  # the name itself is not repeated
    assert "tylenol" in text
    assert 'href="https://go.drugbank.com/drugs/DB00316"' in html
    assert 'href="https://meshb.nlm.nih.gov/record/ui?ui=D058633"' in html
    assert 'href="https://medlineplus.gov/druginfo/meds/a621016.html"' in html
    assert "No answer mentions it yet." in text


def test_pending_rejected_and_unknown_treatments_are_404(
    vocabulary: ImportResult, member: User, client: Client
) -> None:
    pending = treatment_propose(user=member, name="Sauna", kind="lifestyle")
    rejected = treatment_reject(
        treatment=treatment_propose(user=member, name="Ear candling", kind="therapy")
    )

    statuses = [
        client.get(f"/t/{pending.slug}/").status_code,
        client.get(f"/t/{rejected.slug}/").status_code,
        client.get("/t/no-such-treatment/").status_code,
    ]

    assert statuses == [404, 404, 404]


def test_a_mention_links_to_the_page_of_the_question_that_holds_the_answer(
    vocabulary: ImportResult, question: Question, member: User, client: Client
) -> None:
    """The treatment page linked to `#answer-N` of the question's first page, where the
    answer was not: it was on page 2."""
    mention = _answer(member, question, "Imatinib worked for me.")
    for n in range(30):  # newer answers with as many votes push it to page 2
        _answer(UserFactory(), question, f"Something else, number {n}.")

    html = client.get("/t/imatinib/").content.decode()
    link = re.search(r'href="([^"]+)">What are the best treatments', html)
    assert link is not None
    landed = client.get(link.group(1), follow=True)

    assert landed.redirect_chain[-1][0] == (
        f"/d/{question.disease.slug}/q/{question.slug}/?page=2#answer-{mention.pk}"
    )
    assert f'id="answer-{mention.pk}"' in landed.content.decode()


def test_mentioned_in_counts_only_visible_answers(
    vocabulary: ImportResult,
    dfsp: Disease,
    question: Question,
    member: User,
    other_member: User,
    client: Client,
) -> None:
    shown = _answer(member, question, "Gleevec shrank it before surgery.")
    hidden = _answer(other_member, question, "Secret hidden text: imatinib for me too.")
    services.answer_set_status(answer=hidden, status=Status.HIDDEN)
    _answer(UserFactory(), question, "I did not take imatinib.")  # negated: not counted
    proposed = services.question_propose(
        user=other_member, disease=dfsp, text="Does imatinib work for children"
    )
    unpublished = Answer.objects.create(
        question=proposed, author=other_member, body="Imatinib, pending question", body_html=""
    )
    TreatmentMention.objects.create(
        answer=unpublished, treatment=Treatment.objects.get(slug="imatinib"), matched="Imatinib"
    )

    response = client.get("/t/imatinib/")
    html = response.content.decode()

    assert "Mentioned in 1 answer." in text_of(response)
    assert f'href="/answers/{shown.pk}/"' in html  # lands on the page that holds it
    assert "as “Gleevec”" in text_of(response)
    assert f"/answers/{hidden.pk}/" not in html
    assert f"/answers/{unpublished.pk}/" not in html
    assert "Does imatinib work" not in html


def test_the_page_shows_diseases_with_enough_reports(
    vocabulary: ImportResult, dfsp: Disease, client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TREATMENT_MIN_REPORTS = 5
    imatinib = Treatment.objects.get(slug="imatinib")
    other = Disease.objects.exclude(pk=dfsp.pk).order_by("pk").first()
    for disease, reports in ((dfsp, 5), (other, 4)):
        TreatmentRanking.objects.create(
            disease=disease,
            treatment=imatinib,
            reports=reports,
            effectiveness_counts=[0, 0, 0, 0, reports],
            mean=5,
            score=4,
            lower=3,
            upper=5,
            burden_mean=2,
            by_reporter={"self": reports},
            countries={},
            computed_at=timezone.now(),
        )

    text = text_of(client.get("/t/imatinib/"))

    assert f"{dfsp.title} 5 reports" in text
    assert other.title not in text


def test_treatment_page_queries_do_not_grow_with_mentions(
    vocabulary: ImportResult,
    question: Question,
    client: Client,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    _answer(UserFactory(), question, "Gleevec.")
    with django_assert_num_queries(5):
        one = client.get("/t/imatinib/")
    for n in range(2):
        _answer(UserFactory(), question, f"Imatinib, round {n}.")
    empty_caches()  # the anonymous page cache would answer without a query
    with django_assert_num_queries(5):
        three = client.get("/t/imatinib/")

    assert "Mentioned in 1 answer." in text_of(one)
    assert "Mentioned in 3 answers." in text_of(three)


# The list and its search box


def test_the_list_searches_every_name_by_prefix(vocabulary: ImportResult, client: Client) -> None:
    text = text_of(client.get("/treatments/?q=GLEE"))

    assert "1 treatment with a name starting with “GLEE”." in text
    assert "Imatinib Medicine Also called: gleevec" in text


def test_exact_names_come_first(vocabulary: ImportResult, client: Client) -> None:
    text = text_of(client.get("/treatments/?q=vitamin+d"))

    assert "2 treatments with a name starting with “vitamin d”." in text
    assert text.index("Vitamin D Supplement") < text.index("Ergocalciferol Medicine")


def test_the_list_pages_by_twenty(vocabulary: ImportResult, client: Client) -> None:
    first = text_of(client.get("/treatments/"))
    last = client.get("/treatments/?page=5")
    beyond = client.get("/treatments/?page=99")

    assert "89 treatments in the list." in first
    assert "Page 1 of 5" in first
    assert text_of(last).count("Page 5 of 5") == 1
    assert beyond.status_code == 200
    assert "Page 5 of 5" in text_of(beyond)


def test_list_queries_do_not_grow_with_results(
    vocabulary: ImportResult,
    client: Client,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    with django_assert_num_queries(3):
        one = client.get("/treatments/?q=gleevec")
    with django_assert_num_queries(3):
        three = client.get("/treatments/?q=im")

    assert "1 treatment with" in text_of(one)
    assert "3 treatments with" in text_of(three)
    assert "Imatinib Mesylate" in text_of(three)


# The admin


def test_admin_edits_names_with_their_matching_form_and_reviews_proposals(
    vocabulary: ImportResult, member: User
) -> None:
    sauna = treatment_propose(user=member, name="Sauna", kind="lifestyle")
    imatinib = Treatment.objects.get(slug="imatinib")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    verified_login(client, admin)
    names = list(imatinib.names.order_by("pk"))
    form = {
        "name": "Imatinib",
        "kind": "drug",
        "status": "approved",
        "drugbank_id": "DB00619",
        "mesh_id": "",
        "medlineplus_id": "a606018",
        "names-TOTAL_FORMS": str(len(names) + 1),
        "names-INITIAL_FORMS": str(len(names)),
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "1000",
        **{f"names-{i}-id": str(n.pk) for i, n in enumerate(names)},
        **{f"names-{i}-treatment": str(imatinib.pk) for i in range(len(names) + 1)},
        **{f"names-{i}-name": n.name for i, n in enumerate(names)},
        **{f"names-{i}-kind": n.kind for i, n in enumerate(names)},
        f"names-{len(names)}-name": "Glivec Ñ",
        f"names-{len(names)}-kind": "brand",
    }

    statuses = [
        client.get("/admin/treatments/treatment/?q=imatinib").status_code,
        client.post(f"/admin/treatments/treatment/{imatinib.pk}/change/", form).status_code,
        client.post(
            "/admin/treatments/treatment/",
            {"action": "approve", "_selected_action": [sauna.pk]},
        ).status_code,
        client.get("/admin/treatments/treatmentmention/").status_code,
    ]

    sauna.refresh_from_db()
    assert statuses == [200, 302, 302, 200]
    assert imatinib.names.get(name="Glivec Ñ").normalized == "glivec n"
    assert sauna.status == TreatmentStatus.APPROVED
