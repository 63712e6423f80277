""" "Did you mean": the closest names of the vocabulary for a treatment name that matched
none ("imatinb" was refused with no suggestion)."""

import pytest
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.treatments.models import Treatment, TreatmentReport, TreatmentStatus
from raremap.treatments.selectors import treatment_suggest
from raremap.treatments.vocabulary import ImportResult
from tests.accounts.helpers import text_of
from tests.factories import MembershipFactory

REPORT = "/d/dermatofibrosarcoma-protuberans/treatments/report/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("imatinb", ["Imatinib"]),  # a letter missing
        ("Imatinibb", ["Imatinib"]),
        # A brand, misspelt: the names themselves, one per treatment (Gleevec is imatinib,
        # Glivec imatinib mesylate).
        ("Glevec", ["gleevec", "glivec"]),
        ("paracetmol", ["paracetamol"]),
        ("metfromin", ["Metformin"]),  # two letters swapped
        ("Mohs surgey", ["Mohs surgery"]),
        ("unobtainium", []),
        ("imat", []),  # too short to be a misspelling of one name
    ],
)
def test_close_names_are_suggested(
    vocabulary: ImportResult, typed: str, expected: list[str]
) -> None:
    assert treatment_suggest(typed) == expected


@pytest.mark.django_db
def test_one_suggestion_per_treatment_and_only_approved_ones(vocabulary: ImportResult) -> None:
    Treatment.objects.create(
        slug="imatinix", name="Imatinix", kind="drug", status=TreatmentStatus.PENDING
    )

    assert treatment_suggest("imatinibe") == ["Imatinib"]


@pytest.mark.django_db
def test_suggesting_is_one_query(
    vocabulary: ImportResult, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        assert treatment_suggest("imatinb") == ["Imatinib"]


@pytest.mark.django_db
def test_the_report_form_says_did_you_mean(
    vocabulary: ImportResult, member: User, member_client: Client, dfsp: Disease
) -> None:
    MembershipFactory(user=member, disease=dfsp)

    response = member_client.post(REPORT, {"treatment": "imatinb", "effectiveness": "4"})

    page = text_of(response)
    assert response.status_code == 400
    assert "We do not know a treatment called “imatinb”. Did you mean “Imatinib”?" in page
    assert 'value="imatinb"' in response.content.decode()  # what was typed stays
    assert not TreatmentReport.objects.exists()
    spanish = text_of(member_client.post("/es" + REPORT, {"treatment": "imatinb"}))
    assert "No conocemos ningún tratamiento llamado «imatinb». ¿Querías decir «Imatinib»?" in (
        spanish
    )
    # Several: "“a”, “b” or “c”", as each language joins them.
    two = text_of(member_client.post("/es" + REPORT, {"treatment": "Glevec"}))
    assert "¿Querías decir «gleevec» o «glivec»?" in two


@pytest.mark.django_db
def test_suggestions_on_the_whole_vocabulary(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """20,000 treatments and ~100,000 names: still one indexed query, a few thousand names
    compared at most."""
    call_command("import-treatments", verbosity=0)

    with django_assert_num_queries(1):
        found = treatment_suggest("imatinb")

    assert found[0] == "Imatinib"
    assert treatment_suggest("Gleevc")[0].casefold() == "gleevec"
