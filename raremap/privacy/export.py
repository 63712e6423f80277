"""A member's data export: everything linked to their account, as JSON and CSV in one zip.

Each section is one kind of row, with fixed columns; `data.json` holds every section and
`csv/<section>.csv` each one, with a README that says what each is. Which model goes into
which section is written down in EXPORTED, and every model linked to a member that is not
exported is in LEFT_OUT with the reason: tests/privacy/test_export.py walks every model
(Django's `_meta`) and fails on one that is in neither table.

The member's side only: their own messages and the conversations they are in (with the other
member's display name, which they saw), never the other member's messages or anything the
other member did not show them (who blocked or reported them). Token secrets are never
exported (only their hash is stored anyway).
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from raremap.accounts.models import ApiToken, ConsentRecord, User
from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.atlas.models import MapConsent, MapEntry
from raremap.atlas.selectors import place_label
from raremap.communities.models import Membership, RoleVerification
from raremap.connections.models import Block, Connection, Message, Participant
from raremap.moderation.models import ModerationAction, Report
from raremap.moderation.selectors import read_list_for_member
from raremap.questions.models import (
    Answer,
    AnswerRevision,
    Follow,
    Notification,
    OverviewRevision,
    Question,
    Vote,
)
from raremap.treatments.models import Treatment, TreatmentReport, TreatmentReportRevision

FORMAT_VERSION = 1
StrOrPromise = str | Promise

# Every model linked to a member (directly or through rows that are theirs), by label: the
# section it is exported in, and which of its rows.
EXPORTED: dict[str, tuple[str, str]] = {
    "accounts.User": ("account", "your account"),
    "accounts.User_groups": ("account", "the groups you are in (e.g. Moderators)"),
    "accounts.User_user_permissions": ("account", "permissions given to you in the admin"),
    "accounts.ConsentRecord": ("consent_records", "your consents to the privacy notice"),
    "accounts.ApiToken": ("api_tokens", "your API tokens' names and dates, never the secrets"),
    "otp_totp.TOTPDevice": ("two_factor", "your authenticator app, never its secret key"),
    "otp_static.StaticDevice": ("two_factor", "how many recovery codes you have left"),
    "communities.Membership": ("memberships", "the communities you joined and your role"),
    "communities.RoleVerification": (
        "role_verifications",
        "moderators' checks of your claimed role (not those you made as a moderator)",
    ),
    "questions.Question": ("proposed_questions", "questions you proposed"),
    "questions.Answer": ("answers", "your answers"),
    "questions.AnswerRevision": ("answer_revisions", "earlier texts of your answers"),
    "questions.Vote": ("votes", "your votes (not who voted on your answers)"),
    "questions.Follow": ("follows", "questions you follow"),
    "questions.Notification": ("notifications", "your notifications"),
    "questions.OverviewRevision": ("overview_versions", "overview versions you wrote or reviewed"),
    "treatments.Treatment": ("proposed_treatments", "treatments you proposed"),
    "treatments.TreatmentReport": ("treatment_reports", "your treatment reports"),
    "treatments.TreatmentReportRevision": (
        "treatment_report_revisions",
        "earlier versions of your treatment reports",
    ),
    "atlas.MapEntry": ("map_entries", "where you are on maps"),
    "atlas.MapConsent": ("map_consents", "your consents to appear on maps"),
    "connections.Connection": ("connections", "your connection requests and connections"),
    "connections.Conversation": ("conversations", "the conversations you are in"),
    "connections.Participant": ("conversations", "when you last read each conversation"),
    "connections.Message": ("messages", "the messages you wrote (not the other member's)"),
    "connections.Block": ("blocks", "members you blocked (not who blocked you)"),
    "moderation.Report": ("reports_made", "reports you sent to moderators"),
    "moderation.ModerationAction": (
        "moderator_reads",
        "moderators' reads of your private content (and, for a moderator, what you did)",
    ),
}

# Models linked to a member that the export leaves out, and why.
LEFT_OUT: dict[str, StrOrPromise] = {
    "accounts.Session": _(
        "Log-in sessions: a session's key works like a password, and its data "
        "only says which account is logged in."
    ),
    "admin.LogEntry": _(
        "The admin's record of changes made by operators (staff accounts only): "
        "the operators' audit trail of objects they edited, not member data."
    ),
    "otp_static.StaticToken": _(
        "Your two-factor recovery codes: they work like passwords. How many are left is in "
        "two_factor."
    ),
    "privacy.DataExport": _("The downloads themselves."),
    "questions.AnswerEmbedding": _(
        "Numbers computed from an answer's text for the digest; the text itself is in answers."
    ),
    "questions.DigestItem": _(
        "Which answers the 'what members say' digest shows, chosen from "
        "everyone's answers; not data about you."
    ),
    "treatments.TreatmentMention": _(
        "Treatments found in an answer's text, computed from the text, which is in answers."
    ),
    "treatments.TreatmentName": _(
        "The names of the treatment vocabulary; a name you proposed is in proposed_treatments."
    ),
    "treatments.TreatmentRanking": _(
        "Statistics over every member's reports, in which no one "
        "member's part can be told apart; your reports are in treatment_reports."
    ),
}

Row = dict[str, Any]


@dataclass(frozen=True)
class Section:
    name: str
    about: StrOrPromise  # one line for the README
    columns: tuple[str, ...]
    rows: Callable[[User], Iterable[Row]]


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _disease(disease: Any) -> dict[str, str]:
    return {"disease": disease.name, "disease_code": disease.primary_code}


def _account(user: User) -> Iterator[Row]:
    yield {
        "id": user.public_id,
        "email": user.email,
        "display_name": user.display_name,
        "about_me": user.bio,
        "country": user.country,
        "profile_shown_to_members": user.profile_public,
        "notification_emails": user.notification_emails,
        "language": user.language,
        "reputation": user.reputation,
        "joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
        "privacy_notice_agreed": user.consent_version,
    }


def _consents(user: User) -> Iterator[Row]:
    for record in ConsentRecord.objects.filter(user=user).order_by("given_at", "pk"):
        yield {"privacy_notice_version": record.notice_version, "given": _when(record.given_at)}


def _tokens(user: User) -> Iterator[Row]:
    for token in ApiToken.objects.filter(user=user).order_by("created_at", "pk"):
        yield {
            "name": token.name,
            "created": _when(token.created_at),
            "last_used": _when(token.last_used_at),
            "revoked": _when(token.revoked_at),
        }


def _two_factor(user: User) -> Iterator[Row]:
    for device in TOTPDevice.objects.filter(user=user).order_by("pk"):
        yield {
            "kind": "authenticator_app",
            "name": device.name,
            "confirmed": device.confirmed,
            "created": _when(device.created_at),
            "last_used": _when(device.last_used_at),
            "recovery_codes_left": None,
        }
    for codes in StaticDevice.objects.filter(user=user).order_by("pk"):
        yield {
            "kind": "recovery_codes",
            "name": codes.name,
            "confirmed": codes.confirmed,
            "created": _when(codes.created_at),
            "last_used": _when(codes.last_used_at),
            "recovery_codes_left": codes.token_set.count(),
        }


def _memberships(user: User) -> Iterator[Row]:
    for m in Membership.objects.filter(user=user).select_related("disease").order_by("pk"):
        yield {**_disease(m.disease), "role": m.role, "joined": _when(m.joined_at)}


def _role_verifications(user: User) -> Iterator[Row]:
    for v in RoleVerification.objects.filter(user=user).order_by("verified_at", "pk"):
        yield {
            "role": v.role,
            "what_was_checked": v.evidence,
            "verified": _when(v.verified_at),
            "revoked": _when(v.revoked_at),
        }


def _question(question: Question) -> dict[str, str]:
    return {**_disease(question.disease), "question": question.title}


def _proposed_questions(user: User) -> Iterator[Row]:
    for q in Question.objects.filter(author=user).select_related("disease").order_by("pk"):
        yield {**_question(q), "status": q.status, "proposed": _when(q.created_at)}


def _answers(user: User) -> Iterator[Row]:
    answers = Answer.objects.filter(author=user).select_related("question__disease")
    for a in answers.order_by("pk"):
        yield {
            "answer_id": a.pk,
            **_question(a.question),
            "text": a.body,
            "status": a.status,
            "score": a.score,
            "language": a.language,
            "written": _when(a.created_at),
            "edited": _when(a.edited_at),
        }


def _answer_revisions(user: User) -> Iterator[Row]:
    revisions = AnswerRevision.objects.filter(answer__author=user)
    for r in revisions.order_by("answer_id", "written_at", "pk"):
        yield {"answer_id": r.answer_id, "text": r.body, "written": _when(r.written_at)}


def _votes(user: User) -> Iterator[Row]:
    for v in Vote.objects.filter(user=user).order_by("pk"):
        yield {"answer_id": v.answer_id, "vote": v.value, "when": _when(v.updated_at)}


def _follows(user: User) -> Iterator[Row]:
    follows = Follow.objects.filter(user=user).select_related("question__disease")
    for f in follows.order_by("pk"):
        yield {**_question(f.question), "since": _when(f.created_at)}


def _notifications(user: User) -> Iterator[Row]:
    notifications = Notification.objects.filter(user=user).select_related(
        "connection", "conversation"
    )
    for n in notifications.order_by("pk"):
        yield {
            "kind": n.kind,
            "answer_id": n.answer_id,
            "connection_id": n.connection.public_id if n.connection else None,
            "conversation_id": n.conversation.public_id if n.conversation else None,
            "created": _when(n.created_at),
            "read": _when(n.read_at),
            "emailed": _when(n.emailed_at),
        }


def _overview_versions(user: User) -> Iterator[Row]:
    versions = OverviewRevision.objects.filter(Q(editor=user) | Q(reviewed_by=user))
    for r in versions.select_related("question__disease").order_by("pk"):
        yield {
            **_question(r.question),
            "version": r.number,
            "you": "editor_and_reviewer"
            if r.editor_id == r.reviewed_by_id
            else ("editor" if r.editor_id == user.pk else "reviewer"),
            "text": r.body if r.editor_id == user.pk else "",
            "sources": r.sources if r.editor_id == user.pk else "",
            "summary": r.summary if r.editor_id == user.pk else "",
            "written": _when(r.created_at),
            "reviewed": _when(r.reviewed_at) if r.reviewed_by_id == user.pk else None,
        }


def _proposed_treatments(user: User) -> Iterator[Row]:
    for t in Treatment.objects.filter(proposed_by=user).order_by("pk"):
        yield {"name": t.name, "kind": t.kind, "status": t.status, "proposed": _when(t.created_at)}


REPORT_COLUMNS = (
    "report_id",
    "disease",
    "disease_code",
    "treatment",
    "reported_for",
    "effectiveness",
    "side_effect_burden",
    "side_effects",
    "side_effects_note",
    "started",
    "stopped",
    "still_taking",
    "why_stopped",
    "show_name",
    "created",
    "updated",
)


def _treatment_reports(user: User) -> Iterator[Row]:
    reports = TreatmentReport.objects.filter(user=user).select_related("disease", "treatment")
    for r in reports.order_by("pk"):
        yield {
            "report_id": r.pk,
            **_disease(r.disease),
            "treatment": r.treatment.name,
            "reported_for": r.reported_for,
            "effectiveness": r.effectiveness,
            "side_effect_burden": r.side_effect_burden,
            "side_effects": r.side_effects,
            "side_effects_note": r.side_effects_note,
            "started": _when(r.started_on),
            "stopped": _when(r.stopped_on),
            "still_taking": r.still_taking,
            "why_stopped": r.why_stopped,
            "show_name": r.show_name,
            "created": _when(r.created_at),
            "updated": _when(r.updated_at),
        }


def _treatment_report_revisions(user: User) -> Iterator[Row]:
    revisions = TreatmentReportRevision.objects.filter(report__user=user)
    for r in revisions.order_by("report_id", "valid_until", "pk"):
        yield {"report_id": r.report_id, "version": r.data, "valid_until": _when(r.valid_until)}


def _map_entries(user: User) -> Iterator[Row]:
    entries = MapEntry.objects.filter(membership__user=user).select_related(
        "disease", "place", "published_place"
    )
    for e in entries.order_by("pk"):
        yield {
            **_disease(e.disease),
            "place_you_chose": place_label(e.place),
            "place_shown": place_label(e.published_place) if e.published_place else None,
            "place_changed": _when(e.place_changed_at),
        }


def _map_consents(user: User) -> Iterator[Row]:
    consents = MapConsent.objects.filter(user=user).select_related("disease")
    for c in consents.order_by("pk"):
        yield {
            **_disease(c.disease),
            "text_version": c.text_version,
            "given": _when(c.given_at),
            "withdrawn": _when(c.withdrawn_at),
        }


def _connections(user: User) -> Iterator[Row]:
    connections = Connection.objects.filter(Q(requester=user) | Q(recipient=user))
    for c in connections.select_related("requester", "recipient").order_by("pk"):
        sent = c.requester_id == user.pk
        state, answered, ended = c.state, c.responded_at, c.ended_at
        # As the member saw it on the connections page: a declined request looks like a
        # waiting one to its requester (declining is silent), and a request ended before any
        # answer was ended by a block, which is never told: to its requester it is still
        # waiting, to its recipient it was withdrawn.
        if sent and state == Connection.State.DECLINED:
            state, answered = Connection.State.PENDING, None
        elif state == Connection.State.ENDED and answered is None:
            state = Connection.State.PENDING if sent else Connection.State.WITHDRAWN
            ended = None
        yield {
            "connection_id": c.public_id,
            "direction": "sent" if sent else "received",
            "other_member": (c.recipient if sent else c.requester).display_name,
            "note": c.note,
            "state": state,
            "created": _when(c.created_at),
            "answered": _when(answered),
            "ended": _when(ended),
        }


def _conversations(user: User) -> Iterator[Row]:
    participants = Participant.objects.filter(user=user).select_related(
        "conversation__connection__requester", "conversation__connection__recipient"
    )
    for p in participants.order_by("conversation_id"):
        conversation = p.conversation
        connection = conversation.connection
        other = connection.recipient if connection.requester_id == user.pk else connection.requester
        yield {
            "conversation_id": conversation.public_id,
            "other_member": other.display_name,
            "started": _when(conversation.created_at),
            "you_last_read": _when(p.last_read_at),
        }


def _messages(user: User) -> Iterator[Row]:
    messages = Message.objects.filter(sender=user).select_related("conversation")
    for m in messages.order_by("pk"):
        yield {
            "conversation_id": m.conversation.public_id,
            "text": m.body,
            "sent": _when(m.created_at),
            "hidden_by_a_moderator": _when(m.hidden_at),
        }


def _blocks(user: User) -> Iterator[Row]:
    for b in Block.objects.filter(blocker=user).select_related("blocked").order_by("pk"):
        yield {"member": b.blocked.display_name, "since": _when(b.created_at)}


def _reports_made(user: User) -> Iterator[Row]:
    reports = Report.objects.filter(reporter=user).select_related(
        "connection", "message__conversation"
    )
    for r in reports.order_by("pk"):
        if r.answer_id:
            about, ref = "answer", str(r.answer_id)
        elif r.question_id:
            about, ref = "question", str(r.question_id)
        elif r.message_id:
            about, ref = "message", r.message.conversation.public_id  # type: ignore[union-attr]
        else:
            about, ref = "connection_request", r.connection.public_id  # type: ignore[union-attr]
        yield {
            "about": about,
            "which": ref,
            "reason": r.reason,
            "details": r.details,
            "state": r.state,
            "sent": _when(r.created_at),
            "closed": _when(r.closed_at),
        }


def _moderator_reads(user: User) -> Iterator[Row]:
    for action in read_list_for_member(user):
        message = action.message
        yield {
            "read": _when(action.created_at),
            "what": "message" if message is not None else "connection_request",
            "written": _when(message.created_at if message else action.connection.created_at),  # type: ignore[union-attr]
        }


def _moderation_actions(user: User) -> Iterator[Row]:
    for action in ModerationAction.objects.filter(moderator=user).order_by("pk"):
        yield {
            "action": action.action,
            "answer_id": action.answer_id,
            "question_id": action.question_id,
            "message_id": action.message_id,
            "connection_id": action.connection_id,
            "report_id": action.report_id,
            "note": action.note,
            "when": _when(action.created_at),
        }


def _section(name: str, about: StrOrPromise, columns: Iterable[str], rows: Callable) -> Section:
    return Section(name, about, tuple(columns), rows)


SECTIONS: tuple[Section, ...] = (
    _section(
        "account",
        _("Your account."),
        (
            "id",
            "email",
            "display_name",
            "about_me",
            "country",
            "profile_shown_to_members",
            "notification_emails",
            "language",
            "reputation",
            "joined",
            "last_login",
            "groups",
            "permissions",
            "privacy_notice_agreed",
        ),
        _account,
    ),
    _section(
        "consent_records",
        _("Each time you agreed to the privacy notice, and to which version."),
        ("privacy_notice_version", "given"),
        _consents,
    ),
    _section(
        "memberships",
        _("The communities you joined, with your role."),
        ("disease", "disease_code", "role", "joined"),
        _memberships,
    ),
    _section(
        "role_verifications",
        _("Moderators' checks of a role you claimed (e.g. healthcare professional)."),
        ("role", "what_was_checked", "verified", "revoked"),
        _role_verifications,
    ),
    _section(
        "answers",
        _("Your answers, as they are now (Markdown)."),
        (
            "answer_id",
            "disease",
            "disease_code",
            "question",
            "text",
            "status",
            "score",
            "language",
            "written",
            "edited",
        ),
        _answers,
    ),
    _section(
        "answer_revisions",
        _("Earlier texts of your answers."),
        ("answer_id", "text", "written"),
        _answer_revisions,
    ),
    _section("votes", _("Your votes on answers."), ("answer_id", "vote", "when"), _votes),
    _section(
        "follows",
        _("Questions you follow."),
        ("disease", "disease_code", "question", "since"),
        _follows,
    ),
    _section(
        "proposed_questions",
        _("Questions you proposed."),
        ("disease", "disease_code", "question", "status", "proposed"),
        _proposed_questions,
    ),
    _section(
        "overview_versions",
        _("Overview versions you wrote (with their text) or reviewed."),
        (
            "disease",
            "disease_code",
            "question",
            "version",
            "you",
            "text",
            "sources",
            "summary",
            "written",
            "reviewed",
        ),
        _overview_versions,
    ),
    _section(
        "treatment_reports",
        _("Your treatment reports, as they are now."),
        REPORT_COLUMNS,
        _treatment_reports,
    ),
    _section(
        "treatment_report_revisions",
        _("Earlier versions of your treatment reports."),
        ("report_id", "version", "valid_until"),
        _treatment_report_revisions,
    ),
    _section(
        "proposed_treatments",
        _("Treatments you proposed for the list."),
        ("name", "kind", "status", "proposed"),
        _proposed_treatments,
    ),
    _section(
        "map_entries",
        _("Where you are on disease maps: the place you chose and the place members see."),
        ("disease", "disease_code", "place_you_chose", "place_shown", "place_changed"),
        _map_entries,
    ),
    _section(
        "map_consents",
        _("Your consents to appear on maps."),
        ("disease", "disease_code", "text_version", "given", "withdrawn"),
        _map_consents,
    ),
    _section(
        "connections",
        _("Connection requests you sent or received, and your connections."),
        (
            "connection_id",
            "direction",
            "other_member",
            "note",
            "state",
            "created",
            "answered",
            "ended",
        ),
        _connections,
    ),
    _section(
        "conversations",
        _("The private conversations you are in."),
        ("conversation_id", "other_member", "started", "you_last_read"),
        _conversations,
    ),
    _section(
        "messages",
        _("The private messages you wrote (the other member's messages are theirs)."),
        ("conversation_id", "text", "sent", "hidden_by_a_moderator"),
        _messages,
    ),
    _section("blocks", _("Members you blocked."), ("member", "since"), _blocks),
    _section(
        "notifications",
        _("Your notifications."),
        (
            "kind",
            "answer_id",
            "connection_id",
            "conversation_id",
            "created",
            "read",
            "emailed",
        ),
        _notifications,
    ),
    _section(
        "reports_made",
        _("Reports you sent to moderators."),
        ("about", "which", "reason", "details", "state", "sent", "closed"),
        _reports_made,
    ),
    _section(
        "moderator_reads",
        _(
            "Each time a moderator read a message or a connection request of yours that was "
            "reported to them."
        ),
        ("read", "what", "written"),
        _moderator_reads,
    ),
    _section(
        "moderation_actions",
        _("What you did as a moderator (moderators only)."),
        (
            "action",
            "answer_id",
            "question_id",
            "message_id",
            "connection_id",
            "report_id",
            "note",
            "when",
        ),
        _moderation_actions,
    ),
    _section(
        "two_factor",
        _("Your two-factor log-in: its devices, never their secrets or your recovery codes."),
        ("kind", "name", "confirmed", "created", "last_used", "recovery_codes_left"),
        _two_factor,
    ),
    _section(
        "api_tokens",
        _("Your API tokens: names and dates (the secrets are never stored)."),
        ("name", "created", "last_used", "revoked"),
        _tokens,
    ),
)
SECTION_NAMES = frozenset(section.name for section in SECTIONS)


def export_data(user: User) -> dict[str, list[Row]]:
    """Every section's rows for one member."""
    return {section.name: list(section.rows(user)) for section in SECTIONS}


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell: lists and objects as JSON; text a spreadsheet would run as a formula (a
    note someone else wrote: "=HYPERLINK(…)") defused with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv(section: Section, rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(section.columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in section.columns])
    return out.getvalue()


def export_zip(user: User) -> bytes:
    """The member's data as a zip: README.txt, data.json and one CSV file per section."""
    now = timezone.now()
    data = export_data(user)
    document = {
        "format_version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "privacy_notice_in_force": PRIVACY_NOTICE_VERSION,
        "sections": data,
    }
    readme = render_to_string(
        "privacy/export_readme.txt",
        {
            "exported_at": now.astimezone(UTC),
            "sections": SECTIONS,
            "left_out": sorted(LEFT_OUT.items()),
            "format_version": FORMAT_VERSION,
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        for section in SECTIONS:
            archive.writestr(f"csv/{section.name}.csv", _csv(section, data[section.name]))
    return buffer.getvalue()
