"""Delete my account: everything the member wrote is gone from every table (apart from the
few shared texts listed in KEPT, without their name), counts follow at once, the other member
keeps their side of a conversation, and the address can sign up again."""

import pytest
from django.apps import apps
from django.core import mail
from django.db import models
from django.db.models.functions import Cast
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from raremap.accounts.models import ERASED_NAME, ApiToken, ConsentRecord, Session, User
from raremap.atlas.models import MapConsent, MapCountry, MapEntry
from raremap.atlas.services import map_publish
from raremap.communities.models import Membership
from raremap.communities.selectors import membership_role_counts
from raremap.connections.models import Block, Connection, Message
from raremap.moderation.models import Report
from raremap.privacy.services import account_erase
from raremap.questions.models import (
    Answer,
    AnswerRevision,
    Follow,
    Notification,
    OverviewRevision,
    Question,
    Vote,
)
from raremap.treatments.models import (
    Treatment,
    TreatmentName,
    TreatmentRanking,
    TreatmentReport,
)
from raremap.treatments.ranking import rankings_recompute
from tests.accounts.helpers import CONSENT, SIGNUP, activation_path
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.privacy.conftest import MARK, OTHERS, Story

DELETE = "/accounts/data/delete/"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def marked_cells(marker: str) -> set[tuple[str, str, object]]:
    """Every (table, column, row) whose text holds the marker, in every table of every model
    (Django's _meta), many-to-many tables included: text columns, and JSON as text."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            rows = model._base_manager.annotate(_text=Cast(field.attname, models.TextField()))
            for pk in rows.filter(_text__icontains=marker).values_list("pk", flat=True):
                found.add((model._meta.db_table, field.column, pk))
    return found


def kept_cells(story: Story) -> set[tuple[str, str, object]]:
    """What erasure leaves, without the member's name (the delete page says so): a question
    the member proposed that another member answered, the overview version they wrote, and a
    treatment they proposed that is now in the list (its names and slug)."""
    accepted = story.accepted_proposal
    return {
        ("questions_question", "text", story.approved.pk),
        ("questions_question", "slug", story.approved.pk),
        *(
            ("questions_overviewrevision", column, story.overview.pk)
            for column in ("body", "body_html", "sources", "sources_html", "summary")
        ),
        ("treatments_treatment", "name", accepted.pk),
        ("treatments_treatment", "slug", accepted.pk),
        *(
            ("treatments_treatmentname", column, pk)
            for pk in TreatmentName.objects.filter(treatment=accepted).values_list("pk", flat=True)
            for column in ("name", "normalized")
        ),
    }


def _delete(story: Story, answers: str = "erase", password: str = PASSWORD) -> Client:
    client = Client()
    client.force_login(story.member)
    response = client.post(DELETE, {"answers": answers, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_the_marker_is_in_every_writable_field_before(story: Story) -> None:
    """The scan sees what the member wrote (so that its silence afterwards means something)."""
    tables = {table for table, _column, _pk in marked_cells(MARK)}

    assert tables >= {
        "accounts_user",
        "accounts_apitoken",
        "communities_roleverification",
        "questions_answer",
        "questions_answerrevision",
        "questions_question",
        "questions_overviewrevision",
        "treatments_treatmentreport",
        "treatments_treatmentreportrevision",
        "treatments_treatment",
        "treatments_treatmentname",
        "connections_connection",
        "connections_message",
        "moderation_report",
    }


def test_erasing_leaves_no_marker_in_any_text_column(
    story: Story, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        _delete(story)

    assert marked_cells(MARK) == kept_cells(story)
    assert marked_cells(story.member.email) == set()


def test_what_stays_has_no_name(story: Story) -> None:
    _delete(story)

    assert Question.objects.get(pk=story.approved.pk).author is None
    overview = OverviewRevision.objects.get(pk=story.overview.pk)
    assert (overview.editor, overview.reviewed_by) == (None, None)
    assert Treatment.objects.get(pk=story.accepted_proposal.pk).proposed_by is None
    report = Report.objects.get(pk=story.report_made.pk)
    assert (report.reporter, report.details, report.state) == (None, "", "open")


def test_everything_of_the_member_is_gone(story: Story) -> None:
    member = story.member
    _delete(story)

    assert Membership.objects.filter(user=member).count() == 0
    assert MapEntry.objects.filter(membership__user=member).count() == 0
    assert MapConsent.objects.filter(user=member).count() == 0
    assert TreatmentReport.objects.filter(user=member).count() == 0
    assert Answer.objects.filter(author=member).count() == 0
    assert AnswerRevision.objects.filter(answer__author=member).count() == 0
    assert Vote.objects.filter(user=member).count() == 0
    assert Follow.objects.filter(user=member).count() == 0
    assert Notification.objects.filter(user=member).count() == 0
    assert Message.objects.filter(sender=member).count() == 0
    assert Block.objects.filter(blocker=member).count() == 0
    assert Block.objects.filter(blocked=member).count() == 0
    assert Connection.objects.filter(pk=story.request.pk).count() == 0
    assert ApiToken.objects.filter(user=member).count() == 0
    assert TOTPDevice.objects.filter(user=member).count() == 0
    assert StaticDevice.objects.filter(user=member).count() == 0
    assert Session.objects.filter(user=member).count() == 0
    assert ConsentRecord.objects.filter(user=member).count() == 0
    assert Question.objects.filter(pk=story.proposed.pk).count() == 0  # waiting: gone
    assert Treatment.objects.filter(pk=story.proposal.pk).count() == 0  # waiting: gone


def test_the_row_that_anchors_a_conversation_holds_nothing_of_the_person(story: Story) -> None:
    _delete(story)
    row = User.objects.get(pk=story.member.pk)  # the other member's conversation hangs on it

    assert row.erased_at is not None
    assert row.email.startswith("erased-")
    assert row.email.endswith("@erased.invalid")
    assert row.display_name == "deleted member"
    stored = User.objects.annotate(raw=Cast("display_name", models.CharField()))
    assert stored.values_list("raw", flat=True).get(pk=row.pk) == ERASED_NAME
    assert (row.bio, row.bio_html, row.country, row.consent_version) == ("", "", "", "")
    assert (row.is_active, row.is_staff, row.is_superuser) == (False, False, False)
    assert row.has_usable_password() is False
    assert row.public_id != story.member.public_id
    assert list(row.groups.all()) == []


@pytest.mark.django_db
def test_an_account_nothing_hangs_on_is_deleted(dfsp) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    MembershipFactory(user=user, disease=dfsp)

    assert account_erase(user=user, keep_answers=False) is False
    assert User.objects.filter(pk=user.pk).exists() is False


def test_the_other_member_keeps_their_side_of_the_conversation(story: Story) -> None:
    _delete(story)
    other = Client()
    other.force_login(story.other)

    page = other.get(f"/messages/{story.conversation.public_id}/")
    html = page.content.decode()
    inbox = other.get("/messages/").content.decode()
    spanish = other.get(f"/es/messages/{story.conversation.public_id}/").content.decode()
    sent = other.post(f"/messages/{story.conversation.public_id}/send/", {"body": "Are you there?"})

    assert page.status_code == 200
    assert f"{OTHERS} private" in html
    assert MARK not in html
    assert "Conversation with deleted member" in html
    assert "This member deleted their account: their messages went with it." in html
    assert 'name="body"' not in html  # no form to write to no one
    assert "deleted member" in inbox
    assert "Heron" not in inbox
    assert "miembro eliminado" in spanish
    assert sent.status_code == 404  # the conversation has ended
    assert Message.objects.filter(conversation=story.conversation).count() == 1


def test_a_conversation_nobody_keeps_goes_entirely(story: Story) -> None:
    from raremap.connections.services import conversation_remove

    conversation_remove(user=story.other, conversation=story.conversation)
    _delete(story)

    assert Connection.objects.filter(pk=story.connection.pk).exists() is False
    assert Message.objects.filter(pk=story.other_message.pk).exists() is False
    # Nothing else hangs on the account (its answers are erased): its row is gone too.
    assert User.objects.filter(pk=story.member.pk).exists() is False


def test_answers_can_stay_as_deleted_member(
    story: Story, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        _delete(story, answers="keep")
    page = Client().get("/d/dermatofibrosarcoma-protuberans/q/best-treatments/")
    html = page.content.decode()

    kept = Answer.objects.get(pk=story.answer.pk)
    assert (kept.body, kept.author_id) == (f"Imatinib helped me. {MARK}", story.member.pk)
    assert kept.author.display_name == "deleted member"
    assert Answer.objects.filter(pk=story.withdrawn.pk).exists() is False
    assert AnswerRevision.objects.filter(answer=kept).exists() is False  # no history
    assert "deleted member" in html
    assert "Heron" not in html
    assert f"Imatinib helped me. {MARK}" in html
    # The marker stays in the kept answer (and what stays in any case), nowhere else.
    answer_cells = {("questions_answer", column, kept.pk) for column in ("body", "body_html")}
    assert marked_cells(MARK) == kept_cells(story) | answer_cells


def test_counts_rankings_and_the_map_follow_at_once(
    story: Story, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.MAP_K, settings.MAP_ESTABLISHED_DAYS = 1, 0
    map_publish(disease_id=story.dfsp.pk)
    rankings_recompute(disease_ids=[story.dfsp.pk])
    before = {
        "members": membership_role_counts(story.dfsp)["total"],
        "answers": Question.objects.get(pk=story.question.pk).answer_count,
        "score": Answer.objects.get(pk=story.other_answer.pk).score,
        "reputation": User.objects.get(pk=story.other.pk).reputation,
        "on map": MapCountry.objects.filter(disease=story.dfsp).count(),
        "rankings": TreatmentRanking.objects.filter(disease=story.dfsp).count(),
    }

    with django_capture_on_commit_callbacks(execute=True):
        _delete(story)

    after = {
        "members": membership_role_counts(story.dfsp)["total"],
        "answers": Question.objects.get(pk=story.question.pk).answer_count,
        "score": Answer.objects.get(pk=story.other_answer.pk).score,
        "reputation": User.objects.get(pk=story.other.pk).reputation,
        "on map": MapCountry.objects.filter(disease=story.dfsp).count(),
        "rankings": TreatmentRanking.objects.filter(disease=story.dfsp).count(),
    }
    assert before == {
        "members": 3,
        "answers": 2,
        "score": 1,
        "reputation": 10,
        "on map": 1,
        "rankings": 1,
    }
    assert after == {
        "members": 2,
        "answers": 1,
        "score": 0,
        "reputation": 0,
        "on map": 0,
        "rankings": 0,
    }


def test_the_address_can_sign_up_again(story: Story) -> None:
    email, name = story.member.email, story.member.display_name
    _delete(story)

    client = Client()
    client.post(
        SIGNUP, {"email": email, "display_name": name, "password": "a new passphrase", **CONSENT}
    )
    confirmed = client.post(activation_path(mail.outbox[-1]), {"password": "a new passphrase"})

    assert confirmed.status_code == 302
    again = User.objects.get(email=email)
    assert again.pk != story.member.pk
    assert (again.display_name, again.is_active) == (name, True)


def test_every_session_ends(story: Story) -> None:
    elsewhere = Client()
    elsewhere.force_login(story.member)
    here = _delete(story)

    assert elsewhere.get("/accounts/settings/").status_code == 302  # to log in
    assert here.get("/accounts/settings/").status_code == 302


def test_the_password_and_a_choice_are_needed(story: Story) -> None:
    client = Client()
    client.force_login(story.member)

    wrong = client.post(DELETE, {"answers": "erase", "password": "not my password at all"})
    no_choice = client.post(DELETE, {"password": PASSWORD})

    assert wrong.status_code == 400
    assert "This is not your password." in wrong.content.decode()
    assert no_choice.status_code == 400
    assert "Please choose what happens to your answers." in no_choice.content.decode()
    assert User.objects.get(pk=story.member.pk).is_active is True
    assert Answer.objects.filter(author=story.member).count() == 2


def test_password_guesses_are_limited(story: Story) -> None:
    client = Client()
    client.force_login(story.member)

    tries = [
        client.post(DELETE, {"answers": "erase", "password": f"guess number {n}"}) for n in range(6)
    ]

    assert [r.status_code for r in tries] == [400] * 5 + [429]


@pytest.mark.django_db
def test_a_demo_account_cannot_be_deleted() -> None:
    demo = UserFactory(is_demo=True)
    client = Client()
    client.force_login(demo)

    assert client.get(DELETE).status_code == 404
    assert client.post(DELETE, {"answers": "erase", "password": PASSWORD}).status_code == 404
