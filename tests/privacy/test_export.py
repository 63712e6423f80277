"""Download my data: every model linked to a member is exported or left out with a reason;
the zip holds the member's data as JSON and CSV, and nothing of anyone else's."""

import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client

from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.privacy import services
from raremap.privacy.export import EXPORTED, LEFT_OUT, SECTION_NAMES, SECTIONS, export_zip
from raremap.privacy.models import DataExport
from raremap.privacy.tasks import export_build
from tests.factories import PASSWORD, UserFactory
from tests.privacy.conftest import MARK, OTHERS, Story

DATA = "/accounts/data/"
DOWNLOAD = "/accounts/data/download/"


def linked_models() -> set[str]:
    """Every model with a row that belongs to a member: a foreign key to the user model, or
    to a model already linked, followed until nothing new is found (auto-created many-to-many
    tables included)."""
    linked = {get_user_model()}
    found = True
    while found:
        found = False
        for model in apps.get_models(include_auto_created=True):
            if model in linked:
                continue
            for field in model._meta.get_fields():
                relation = isinstance(field, models.ForeignKey | models.OneToOneField)
                if relation and field.concrete and field.related_model in linked:
                    linked.add(model)
                    found = True
                    break
    return {model._meta.label for model in linked}


def test_every_model_linked_to_a_member_is_exported_or_left_out_with_a_reason() -> None:
    linked = linked_models()

    neither = linked - set(EXPORTED) - set(LEFT_OUT)
    assert neither == set(), f"neither exported nor left out (with a reason): {sorted(neither)}"
    assert set(EXPORTED) & set(LEFT_OUT) == set()
    assert set(EXPORTED) | set(LEFT_OUT) == linked  # no stale entries either
    assert all(len(str(reason)) > 20 for reason in LEFT_OUT.values())
    assert {section for section, _what in EXPORTED.values()} <= SECTION_NAMES


def test_the_walk_finds_models_linked_only_through_other_rows() -> None:
    linked = linked_models()

    # Through an answer, a conversation and a membership; never the catalog.
    assert {"questions.AnswerRevision", "connections.Message", "atlas.MapEntry"} <= linked
    assert "catalog.Disease" not in linked


def _zip(response) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="raremap-data-')
    return zipfile.ZipFile(io.BytesIO(response.content))


def _download(story: Story) -> zipfile.ZipFile:
    client = Client()
    client.force_login(story.member)
    return _zip(client.post(DOWNLOAD, {"password": PASSWORD}))


def test_the_zip_holds_a_readme_the_json_and_a_csv_per_section(story: Story) -> None:
    archive = _download(story)

    assert sorted(archive.namelist()) == sorted(
        ["README.txt", "data.json"] + [f"csv/{section.name}.csv" for section in SECTIONS]
    )
    readme = archive.read("README.txt").decode()
    assert "- answers: Your answers, as they are now (Markdown)." in readme
    assert "- accounts.Session: Log-in sessions" in readme


def test_the_json_holds_the_members_data(story: Story) -> None:
    data = json.loads(_download(story).read("data.json"))
    sections = data["sections"]

    assert data["format_version"] == 1
    assert data["privacy_notice_in_force"] == PRIVACY_NOTICE_VERSION
    assert set(sections) == SECTION_NAMES
    account = sections["account"][0]
    assert (account["email"], account["display_name"], account["about_me"]) == (
        f"{MARK.lower()}@example.org",
        f"Heron {MARK}",
        f"About me: {MARK}",
    )
    assert account["privacy_notice_agreed"] == PRIVACY_NOTICE_VERSION
    assert [r["privacy_notice_version"] for r in sections["consent_records"]] == [
        PRIVACY_NOTICE_VERSION
    ]
    assert [(m["disease_code"], m["role"]) for m in sections["memberships"]] == [
        ("ORPHA:31112", "patient")
    ]
    assert [(v["role"], v["what_was_checked"]) for v in sections["role_verifications"]] == [
        ("professional", f"Register {MARK}")
    ]
    assert [(a["text"], a["status"], a["score"]) for a in sections["answers"]] == [
        (f"Imatinib helped me. {MARK}", "published", 1),
        (f"Gone {MARK}", "deleted", 0),
    ]
    assert [r["text"] for r in sections["answer_revisions"]] == [f"First {MARK}", f"Gone {MARK}"]
    assert [(v["answer_id"], v["vote"]) for v in sections["votes"]] == [(story.other_answer.pk, 1)]
    assert len(sections["follows"]) == 2  # the questions the member answered
    assert [(q["question"], q["status"]) for q in sections["proposed_questions"]] == [
        (f"Does {MARK} help?", "pending"),
        (f"Is {MARK} tea useful?", "published"),
    ]
    assert [(v["you"], v["text"]) for v in sections["overview_versions"]] == [
        ("editor", f"Overview {MARK}")
    ]
    [report] = sections["treatment_reports"]
    assert (report["treatment"], report["effectiveness"], report["side_effects_note"]) == (
        "Imatinib",
        4,
        f"Less nausea {MARK}",
    )
    [earlier] = sections["treatment_report_revisions"]
    assert (earlier["version"]["effectiveness"], earlier["version"]["side_effects_note"]) == (
        3,
        f"Nausea {MARK}",
    )
    assert [t["name"] for t in sections["proposed_treatments"]] == [
        f"{MARK} tonic",
        f"{MARK} balm",
    ]
    assert [(e["place_you_chose"], e["disease_code"]) for e in sections["map_entries"]] == [
        ("France", "ORPHA:31112")
    ]
    assert [c["withdrawn"] for c in sections["map_consents"]] == [None]
    connections = [
        (c["direction"], c["other_member"], c["note"], c["state"], c["ended"])
        for c in sections["connections"]
    ]
    assert connections == [
        ("sent", "Brisk Otter", f"Hello {MARK}", "accepted", None),
        # Nosy Magpie blocked the member, which ended the request: never told.
        ("sent", "Nosy Magpie", f"Hi {MARK}", "pending", None),
    ]
    assert [(c["conversation_id"], c["other_member"]) for c in sections["conversations"]] == [
        (story.conversation.public_id, "Brisk Otter")
    ]
    assert [m["text"] for m in sections["messages"]] == [f"Private {MARK}"]
    assert [b["member"] for b in sections["blocks"]] == ["Loud Crow"]
    assert [(r["about"], r["details"]) for r in sections["reports_made"]] == [
        ("answer", f"Details {MARK}")
    ]
    assert [r["what"] for r in sections["moderator_reads"]] == ["message"]
    assert sections["moderation_actions"] == []
    assert [t["name"] for t in sections["api_tokens"]] == [f"Script {MARK}"]
    assert [(d["kind"], d["recovery_codes_left"]) for d in sections["two_factor"]] == [
        ("authenticator_app", None),
        ("recovery_codes", 10),
    ]
    assert {n["kind"] for n in sections["notifications"]} >= {"new_message"}


def test_the_export_holds_nothing_of_anyone_else_nor_a_secret(story: Story) -> None:
    archive = _download(story)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()

    assert OTHERS not in everything  # the other members' answers and messages
    assert story.secret not in everything
    assert story.token.key_hash not in everything
    assert "3132333435363738393031323334353637383930" not in everything  # the authenticator's key
    assert not any(code in everything for code in story.recovery_codes)
    assert "Calm Lynx" not in everything  # the moderator who read the message
    # Who blocked the member is never said: the blocker's name appears only as the member
    # they asked (their request, which the block ended).
    assert everything.count("Nosy Magpie") == 2  # connections.csv and data.json
    assert story.member.password not in everything


def test_the_csv_files_match_the_json(story: Story) -> None:
    archive = _download(story)
    data = json.loads(archive.read("data.json"))["sections"]

    rows = list(csv.DictReader(io.StringIO(archive.read("csv/answers.csv").decode())))
    assert [(r["text"], r["score"]) for r in rows] == [
        (a["text"], str(a["score"])) for a in data["answers"]
    ]
    [report] = csv.DictReader(io.StringIO(archive.read("csv/treatment_reports.csv").decode()))
    assert report["side_effects"] == '["nausea"]'


def test_a_csv_cell_a_spreadsheet_would_run_is_defused(story: Story) -> None:
    from raremap.accounts.services import token_create

    token_create(user=story.member, name="=HYPERLINK(1)")
    rows = list(csv.DictReader(io.StringIO(_download(story).read("csv/api_tokens.csv").decode())))

    assert [r["name"] for r in rows] == [f"Script {MARK}", "'=HYPERLINK(1)"]


@pytest.mark.django_db
def test_an_empty_account_exports_every_section_empty_but_the_account() -> None:
    user = UserFactory()
    archive = zipfile.ZipFile(io.BytesIO(export_zip(user)))
    sections = json.loads(archive.read("data.json"))["sections"]

    assert {name for name, rows in sections.items() if rows} == {"account", "consent_records"}
    assert archive.read("csv/answers.csv").decode().strip() == (
        "answer_id,disease,disease_code,question,text,status,score,language,written,edited"
    )


def test_the_password_is_asked_first(story: Story) -> None:
    client = Client()
    client.force_login(story.member)

    wrong = client.post(DOWNLOAD, {"password": "not my password at all"})
    empty = client.post(DOWNLOAD, {})
    anonymous = Client().post(DOWNLOAD, {"password": PASSWORD})

    assert (wrong.status_code, wrong["Content-Type"]) == (400, "text/html; charset=utf-8")
    assert "This is not your password." in wrong.content.decode()
    assert empty.status_code == 400
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert client.get(DOWNLOAD).status_code == 405  # no GET changes or gives anything


# A big account: prepared in the background, a link that only its member can use.


@pytest.fixture
def big(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_EXPORT_INLINE_ROWS = 0


@pytest.mark.usefixtures("big")
def test_a_big_account_is_prepared_in_the_background_and_linked_from_settings(
    story: Story, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(story.member)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asked = client.post(DOWNLOAD, {"password": PASSWORD})
    waiting = client.get("/accounts/settings/").content.decode()
    for callback in callbacks:  # the task (the immediate backend runs it on enqueue)
        callback()
    export = DataExport.objects.get(user=story.member)
    ready = client.get("/accounts/settings/").content.decode()
    link = f"/accounts/data/download/{export.token}/"

    assert (asked.status_code, asked["Location"]) == (302, DATA)
    assert "Your data download is being prepared." in waiting
    assert export.state == DataExport.State.READY
    assert (export.expires_at - export.ready_at).days == 7
    assert "Your data download is ready." in ready
    assert link in ready
    data = json.loads(_zip(client.get(link)).read("data.json"))
    assert data["sections"]["account"][0]["display_name"] == f"Heron {MARK}"


@pytest.mark.usefixtures("big")
def test_a_prepared_export_is_the_members_alone_and_expires(
    story: Story, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(story.member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DOWNLOAD, {"password": PASSWORD})
    export = DataExport.objects.get(user=story.member)
    link = f"/accounts/data/download/{export.token}/"
    other = Client()
    other.force_login(story.other)

    assert other.get(link).status_code == 404
    assert Client().get(link).status_code == 302  # to log in
    assert client.get("/accounts/data/download/not-a-token/").status_code == 404
    DataExport.objects.filter(pk=export.pk).update(expires_at=export.ready_at)
    assert client.get(link).status_code == 404
    assert services.exports_purge() == 1


@pytest.mark.usefixtures("big")
def test_asking_again_while_one_is_prepared_gives_that_one(story: Story) -> None:
    first = services.export_request(user=story.member)
    second = services.export_request(user=story.member)

    assert first.export is not None
    assert first.archive is None
    assert second.export == first.export
    assert DataExport.objects.filter(user=story.member).count() == 1


@pytest.mark.usefixtures("big")
def test_building_twice_stores_once(story: Story) -> None:
    export = services.export_request(user=story.member).export
    assert export is not None

    built = export_build(export_id=export.pk)
    again = export_build(export_id=export.pk)

    assert built is not None
    assert again is not None
    assert (again.ready_at, again.size) == (built.ready_at, built.size)
