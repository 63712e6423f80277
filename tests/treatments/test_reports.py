"""Treatment reports: writes with history, one per member, validation, who may report, the forms."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.treatments import services
from raremap.treatments.models import (
    Treatment,
    TreatmentName,
    TreatmentReport,
    TreatmentReportRevision,
    TreatmentStatus,
)
from tests.accounts.helpers import text_of
from tests.factories import MembershipFactory, UserFactory
from tests.markers import transactional

DFSP = "/d/dermatofibrosarcoma-protuberans/"
REPORT = f"{DFSP}treatments/report/"
MINE = f"{DFSP}treatments/mine/"


def _treatment(slug: str = "imatinib", name: str = "Imatinib", **fields: object) -> Treatment:
    values = {"kind": "drug", "source": "curated", **fields}
    return Treatment.objects.create(slug=slug, name=name, **values)


@pytest.fixture
def imatinib(db: None) -> Treatment:
    treatment = _treatment()
    TreatmentName.objects.create(
        treatment=treatment, name="Gleevec", normalized="gleevec", kind="brand"
    )
    return treatment


@pytest.fixture
def patient(member: User, dfsp: Disease) -> User:
    MembershipFactory(user=member, disease=dfsp, role=Role.PATIENT)
    return member


def _save(user: User, disease: Disease, treatment: Treatment, **fields: object) -> TreatmentReport:
    values = {"effectiveness": 4, "side_effect_burden": 2, **fields}
    return services.report_save(user=user, disease=disease, treatment=treatment, **values)


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# Services


@pytest.mark.django_db
def test_report_create(patient: User, dfsp: Disease, imatinib: Treatment) -> None:
    report = _save(
        patient,
        dfsp,
        imatinib,
        side_effects=["nausea", "fatigue"],
        side_effects_note="Mild *nausea* <script>x</script>",
        started_on=date(2023, 3, 17),
        stopped_on=date(2024, 1, 9),
        why_stopped="completed",
    )

    report.refresh_from_db()
    assert (report.user, report.disease, report.treatment) == (patient, dfsp, imatinib)
    assert report.reported_for == "self"  # a person with the disease reports for themselves
    assert (report.effectiveness, report.side_effect_burden) == (4, 2)
    assert report.side_effects == ["nausea", "fatigue"]
    assert (
        report.side_effects_note_html
        == "<p>Mild <em>nausea</em> &lt;script&gt;x&lt;/script&gt;</p>"
    )
    assert (report.started_on, report.stopped_on) == (date(2023, 3, 1), date(2024, 1, 1))
    assert (report.still_taking, report.why_stopped, report.show_name) == (
        False,
        "completed",
        False,
    )
    assert report.revisions.count() == 0


@pytest.mark.django_db
def test_second_report_updates_and_keeps_the_earlier_version(
    patient: User, dfsp: Disease, imatinib: Treatment
) -> None:
    first = _save(patient, dfsp, imatinib, effectiveness=2, started_on=date(2023, 3, 1))

    second = _save(patient, dfsp, imatinib, effectiveness=5, still_taking=True, show_name=True)

    assert second.pk == first.pk
    assert TreatmentReport.objects.count() == 1
    second.refresh_from_db()
    assert (second.effectiveness, second.still_taking, second.show_name) == (5, True, True)
    assert second.started_on is None
    revision = TreatmentReportRevision.objects.get()
    assert revision.report_id == first.pk
    data = dict(revision.data)
    assert data.pop("written_at") == first.updated_at.isoformat()
    assert data == {
        "reported_for": "self",
        "effectiveness": 2,
        "side_effect_burden": 2,
        "side_effects": [],
        "side_effects_note": "",
        "started_on": "2023-03-01",
        "stopped_on": None,
        "still_taking": False,
        "why_stopped": "",
        "show_name": False,
    }


@pytest.mark.django_db
def test_the_same_report_again_keeps_no_revision(
    patient: User, dfsp: Disease, imatinib: Treatment
) -> None:
    _save(patient, dfsp, imatinib, side_effects=["nausea"])
    _save(patient, dfsp, imatinib, side_effects=["nausea"])

    assert TreatmentReport.objects.count() == 1
    assert TreatmentReportRevision.objects.count() == 0


@pytest.mark.django_db
def test_one_report_per_member_treatment_and_disease_in_the_database(
    patient: User, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(patient, dfsp, imatinib)

    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentReport.objects.create(
            user=patient,
            disease=dfsp,
            treatment=imatinib,
            reported_for="self",
            effectiveness=1,
            side_effect_burden=1,
        )
    assert list(TreatmentReport.objects.values_list("pk", flat=True)) == [report.pk]


@pytest.mark.django_db
def test_the_same_member_reports_several_treatments_and_diseases(
    patient: User, dfsp: Disease, imatinib: Treatment
) -> None:
    other = Disease.objects.get(primary_code="ORPHA:586")
    MembershipFactory(user=patient, disease=other, role=Role.RELATIVE)
    surgery = _treatment("mohs-surgery", "Mohs surgery", kind="procedure")

    _save(patient, dfsp, imatinib)
    _save(patient, dfsp, surgery)
    relative = _save(patient, other, imatinib)

    assert TreatmentReport.objects.filter(user=patient).count() == 3
    assert relative.reported_for == "relative"  # the default for a relative


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"started_on": date(2024, 5, 1), "stopped_on": date(2024, 4, 30)},
            {"stopped_on": ["The end cannot be before the start."]},
        ),
        ({"started_on": date(2999, 1, 1)}, {"started_on": ["The start cannot be in the future."]}),
        ({"stopped_on": date(2999, 1, 1)}, {"stopped_on": ["The end cannot be in the future."]}),
        (
            {"still_taking": True, "why_stopped": "side_effects"},
            {
                "why_stopped": [
                    "You said you are still taking it: a reason for stopping does not apply."
                ]
            },
        ),
        (
            {"still_taking": True, "stopped_on": date(2024, 1, 1)},
            {"stopped_on": ["You said you are still taking it: please leave the end date empty."]},
        ),
        (
            {"effectiveness": 6, "side_effect_burden": 0},
            {
                "effectiveness": ["Please rate how well it worked, from 1 to 5."],
                "side_effect_burden": ["Please rate the side effects, from 1 to 5."],
            },
        ),
        (
            {"side_effects": ["nausea", "werewolf"]},
            {"side_effects": ["Please choose side effects from the list."]},
        ),
        ({"why_stopped": "bored"}, {"why_stopped": ["Please choose a reason from the list."]}),
        (
            {"reported_for": "relative"},
            {"reported_for": ["Please say whom you are reporting for."]},
        ),
        (
            {"side_effects_note": "x" * 2001},
            {"side_effects_note": ["Please keep the note under 2000 characters."]},
        ),
    ],
)
@pytest.mark.django_db
def test_validation_messages(
    patient: User, dfsp: Disease, imatinib: Treatment, fields: dict, expected: dict
) -> None:
    with pytest.raises(ValidationError) as error:
        _save(patient, dfsp, imatinib, **fields)

    assert _messages(error) == expected
    assert not TreatmentReport.objects.exists()


@pytest.mark.django_db
def test_same_month_start_and_end_is_fine(
    patient: User, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(
        patient, dfsp, imatinib, started_on=date(2024, 5, 20), stopped_on=date(2024, 5, 2)
    )

    assert (report.started_on, report.stopped_on) == (date(2024, 5, 1), date(2024, 5, 1))


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.RESEARCHER, Role.ORGANISATION, None])
@pytest.mark.django_db
def test_only_patients_relatives_and_caregivers_report(
    member: User, dfsp: Disease, imatinib: Treatment, role: str | None
) -> None:
    if role:
        MembershipFactory(user=member, disease=dfsp, role=role)

    with pytest.raises(ValidationError) as error:
        _save(member, dfsp, imatinib)

    assert error.value.messages == [
        "Treatment reports come from members of the community who have the disease, "
        "or who look after someone who has it."
    ]


@pytest.mark.django_db
def test_a_member_of_another_community_does_not_report_here(
    member: User, dfsp: Disease, imatinib: Treatment
) -> None:
    MembershipFactory(user=member, disease=Disease.objects.get(primary_code="ORPHA:586"))

    with pytest.raises(ValidationError):
        _save(member, dfsp, imatinib)


@pytest.mark.parametrize("status", [TreatmentStatus.PENDING, TreatmentStatus.REJECTED])
@pytest.mark.django_db
def test_only_treatments_in_the_vocabulary(patient: User, dfsp: Disease, status: str) -> None:
    proposed = _treatment("wonder-tea", "Wonder tea", status=status)

    with pytest.raises(ValidationError) as error:
        _save(patient, dfsp, proposed)

    assert _messages(error) == {"treatment": ["Please choose a treatment from the list."]}


@pytest.mark.django_db
def test_caregiver_reports_for_someone_they_look_after(
    member: User, dfsp: Disease, imatinib: Treatment
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.CAREGIVER)

    assert _save(member, dfsp, imatinib).reported_for == "care"
    assert _save(member, dfsp, imatinib, reported_for="relative").reported_for == "relative"
    with pytest.raises(ValidationError):
        _save(member, dfsp, imatinib, reported_for="self")


@pytest.mark.django_db
def test_report_delete_removes_the_report_and_its_history(
    patient: User, dfsp: Disease, imatinib: Treatment
) -> None:
    _save(patient, dfsp, imatinib, effectiveness=1)
    report = _save(patient, dfsp, imatinib, effectiveness=2)

    services.report_delete(report=report)

    assert not TreatmentReport.objects.exists()
    assert not TreatmentReportRevision.objects.exists()


@pytest.mark.django_db
def test_demo_members_write_demo_reports(dfsp: Disease, imatinib: Treatment) -> None:
    demo = UserFactory(is_demo=True)
    MembershipFactory(user=demo, disease=dfsp)

    assert _save(demo, dfsp, imatinib).is_demo is True


# Pages

FORM = {"treatment": "Imatinib", "effectiveness": "4", "side_effect_burden": "2"}


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(REPORT)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={REPORT}"


@pytest.mark.django_db
def test_non_members_are_told_to_join_not_shown_a_form(
    member_client: Client, imatinib: Treatment
) -> None:
    response = member_client.get(REPORT)

    page = text_of(response)
    assert response.status_code == 200
    assert "Treatment reports come from members of the community who have the disease" in page
    assert f'href="{DFSP}#community">Join the community</a>' in response.content.decode()
    assert 'name="effectiveness"' not in response.content.decode()


@pytest.mark.django_db
def test_members_in_other_roles_are_told_why(
    member: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.PROFESSIONAL)

    response = member_client.get(REPORT)

    page = text_of(response)
    assert "You are a member as: Healthcare professional." in page
    assert "Change your role in the community" in page
    assert 'name="effectiveness"' not in response.content.decode()


@pytest.mark.django_db
def test_a_non_member_post_writes_nothing(member_client: Client, imatinib: Treatment) -> None:
    response = member_client.post(REPORT, FORM)

    assert response.status_code == 302
    assert response["Location"] == REPORT
    assert not TreatmentReport.objects.exists()


@pytest.mark.django_db
def test_report_through_the_form(patient: User, member_client: Client, imatinib: Treatment) -> None:
    response = member_client.post(
        REPORT,
        {
            **FORM,
            "side_effects": ["nausea", "skin"],
            "side_effects_note": "Some **itching**.",
            "started_month": "3",
            "started_year": "2022",
            "stopped_month": "11",
            "stopped_year": "2023",
            "why_stopped": "completed",
            "show_name": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == MINE
    report = TreatmentReport.objects.get()
    assert (report.user, report.treatment, report.effectiveness) == (patient, imatinib, 4)
    assert report.side_effects == ["nausea", "skin"]
    assert (report.started_on, report.stopped_on) == (date(2022, 3, 1), date(2023, 11, 1))
    assert (report.why_stopped, report.show_name) == ("completed", True)
    page = text_of(member_client.get(MINE))
    assert "Thank you: your report is saved." in page
    assert "Imatinib" in page
    assert "4 – Clearly helped" in page
    assert "Side effects noticed: Nausea or vomiting, Skin rash or itching" in page
    assert "Started March 2022" in page
    assert "Stopped November 2023" in page


@pytest.mark.django_db
def test_a_brand_name_finds_the_treatment(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    member_client.post(REPORT, {**FORM, "treatment": "  GLEEVEC "})

    assert TreatmentReport.objects.get().treatment == imatinib


@pytest.mark.django_db
def test_bad_input_comes_back_with_the_values_and_the_reasons(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    response = member_client.post(
        REPORT,
        {
            **FORM,
            "side_effects_note": "My unique note 7F3A",
            "side_effects": ["fatigue"],
            "started_month": "5",
            "started_year": "2024",
            "stopped_month": "2",
            "stopped_year": "2024",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "The end cannot be before the start." in text_of(response)
    assert "My unique note 7F3A</textarea>" in html
    assert 'value="Imatinib"' in html
    assert 'value="4" id="id_effectiveness_3" required checked' in html
    assert 'value="fatigue" id="id_side_effects_5" checked' in html
    assert '<option value="5" selected>May</option>' in html
    assert 'value="2024"' in html
    assert not TreatmentReport.objects.exists()


@pytest.mark.django_db
def test_form_errors_say_what_is_missing(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    response = member_client.post(
        REPORT, {"treatment": "Unobtainium", "started_month": "4", "stopped_year": "1800"}
    )

    page = text_of(response)
    assert response.status_code == 400
    assert "We do not know a treatment called “Unobtainium”." in page
    assert "Please rate how well it worked." in page
    assert "Please rate the side effects (1 if there were none)." in page
    assert "Please give both the month and the year." in page
    assert "Ensure this value is greater than or equal to 1900." in page


@pytest.mark.django_db
def test_a_patient_has_no_choice_of_whom_they_report_for(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    response = member_client.get(REPORT)

    assert 'name="reported_for"' not in response.content.decode()
    assert "You report as a person with the disease, for yourself." in text_of(response)


@pytest.mark.django_db
def test_a_relative_chooses(
    member: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.RELATIVE)

    member_client.post(REPORT, {**FORM, "reported_for": "care"})
    response = member_client.post(REPORT, {**FORM, "reported_for": "self"})

    assert response.status_code == 400
    assert TreatmentReport.objects.get().reported_for == "care"


@pytest.mark.django_db
def test_choosing_a_reported_treatment_opens_the_report_to_edit(
    patient: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(patient, dfsp, imatinib, effectiveness=3, side_effects=["headache"])

    response = member_client.get(f"{REPORT}?treatment=imatinib")
    edit = member_client.get(response["Location"])

    html = edit.content.decode()
    assert response["Location"] == f"{REPORT}{report.pk}/"
    assert "Change your report of Imatinib" in text_of(edit)
    assert 'value="3" id="id_effectiveness_2" required checked' in html
    assert 'value="headache" id="id_side_effects_6" checked' in html
    assert 'name="treatment"' not in html  # the treatment of a report is fixed


@pytest.mark.django_db
def test_a_new_report_of_an_unreported_treatment_is_prefilled(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    response = member_client.get(f"{REPORT}?treatment=imatinib")

    assert response.status_code == 200
    assert 'name="treatment" value="Imatinib"' in response.content.decode()


@pytest.mark.django_db
def test_editing_keeps_history(
    patient: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(patient, dfsp, imatinib, effectiveness=3)

    response = member_client.post(
        f"{REPORT}{report.pk}/", {"effectiveness": "5", "side_effect_burden": "1"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.effectiveness, report.side_effect_burden) == (5, 1)
    assert [r.data["effectiveness"] for r in report.revisions.all()] == [3]


@pytest.mark.django_db
def test_another_members_report_is_404(
    patient: User,
    member_client: Client,
    other_member: User,
    dfsp: Disease,
    imatinib: Treatment,
) -> None:
    MembershipFactory(user=other_member, disease=dfsp, role=Role.PATIENT)
    theirs = _save(other_member, dfsp, imatinib, side_effects_note="Their private note 5C2B")

    edit = member_client.get(f"{REPORT}{theirs.pk}/")
    post = member_client.post(
        f"{REPORT}{theirs.pk}/", {"effectiveness": "1", "side_effect_burden": "1"}
    )
    delete = member_client.post(f"{REPORT}{theirs.pk}/delete/")
    mine = member_client.get(MINE)

    assert (edit.status_code, post.status_code, delete.status_code) == (404, 404, 404)
    assert "5C2B" not in edit.content.decode() + mine.content.decode()
    theirs.refresh_from_db()
    assert theirs.effectiveness == 4
    assert not theirs.revisions.exists()


@pytest.mark.django_db
def test_a_report_is_404_under_another_disease(
    patient: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(patient, dfsp, imatinib)

    response = member_client.get(f"/d/cystic-fibrosis/treatments/report/{report.pk}/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_delete_through_the_page(
    patient: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(patient, dfsp, imatinib)

    response = member_client.post(f"{REPORT}{report.pk}/delete/")

    assert response.status_code == 302
    assert response["Location"] == MINE
    assert not TreatmentReport.objects.exists()
    assert "Your report of Imatinib is deleted." in text_of(member_client.get(MINE))


@pytest.mark.django_db
def test_delete_needs_post(
    patient: User, member_client: Client, dfsp: Disease, imatinib: Treatment
) -> None:
    report = _save(patient, dfsp, imatinib)

    assert member_client.get(f"{REPORT}{report.pk}/delete/").status_code == 405
    assert TreatmentReport.objects.exists()


@pytest.mark.django_db
def test_my_reports_lists_only_mine(
    patient: User,
    member_client: Client,
    other_member: User,
    dfsp: Disease,
    imatinib: Treatment,
) -> None:
    MembershipFactory(user=other_member, disease=dfsp, role=Role.PATIENT)
    surgery = _treatment("mohs-surgery", "Mohs surgery", kind="procedure")
    _save(other_member, dfsp, surgery, side_effects_note="Their note 9D1E")
    _save(patient, dfsp, imatinib, side_effects_note="My note 4B7C", still_taking=True)

    page = text_of(member_client.get(MINE))

    assert "Imatinib" in page
    assert "My note 4B7C" in page
    assert "Still taking it" in page
    assert "Counted in the statistics without your name." in page
    assert "Mohs surgery" not in page
    assert "9D1E" not in page


@pytest.mark.django_db
def test_report_writes_are_throttled(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    for _ in range(30):
        member_client.post(REPORT, {"treatment": "Imatinib"})

    response = member_client.post(REPORT, FORM)

    assert response.status_code == 429
    assert not TreatmentReport.objects.exists()


# Concurrency (PostgreSQL: SQLite has a single writer)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and parallel writers: PostgreSQL (SQLite has a single writer)",
)
@transactional
def test_parallel_submissions_of_one_report_count_once() -> None:
    # Through the service (the pages call it): a transactional test's app registry leaves the
    # catalog app out (tests.markers), so its templates cannot render here.
    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    patient = UserFactory()
    MembershipFactory(user=patient, disease=dfsp, role=Role.PATIENT)
    treatment = _treatment()
    jobs = 8
    start = threading.Barrier(jobs)
    saved: list[int] = []

    def save() -> None:
        try:
            start.wait(timeout=10)
            report = services.report_save(
                user=patient,
                disease=dfsp,
                treatment=treatment,
                effectiveness=4,
                side_effect_burden=2,
            )
            saved.append(report.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save) for _ in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(saved) == jobs
    assert len(set(saved)) == 1
    assert TreatmentReport.objects.filter(user=patient).count() == 1
    assert TreatmentReportRevision.objects.count() == 0  # the same values: nothing changed


@pytest.mark.django_db
def test_the_rating_labels_speak_the_language_of_the_page(
    patient: User, member_client: Client, imatinib: Treatment
) -> None:
    english = text_of(member_client.get(REPORT))
    spanish = text_of(member_client.get(f"/es{REPORT}"))

    assert "1 – No effect 2 – A little 3 – Moderately 4 – Clearly helped" in english
    assert "1 – None 2 – Mild 3 – Moderate 4 – Severe 5 – Unbearable" in english
    assert (
        "1 – Sin efecto 2 – Un poco 3 – Moderadamente 4 – Ayudó claramente 5 – Muy eficaz"
        in spanish
    )
    assert "1 – Ninguna 2 – Leve 3 – Moderada 4 – Intensa 5 – Insoportable" in spanish
    assert "No effect" not in spanish
