"""Data rights writes: exporting a member's data, and erasing their account.

Erasure asks each app to take the member out of what it keeps, with its counts right at once
(communities: member counts; atlas: the maps, republished; treatments: the rankings,
recomputed when the erasure commits; questions: answer counts, scores, reputation, digests;
connections, moderation), then deletes the account's row — or, where someone else's data
hangs on it, empties it (see `account_erase`). docs/privacy.md has the whole picture.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation

from raremap.accounts.models import ApiToken, ConsentRecord, Session, User, new_public_id
from raremap.accounts.services import two_factor_disable
from raremap.atlas.services import map_erase
from raremap.communities.services import memberships_erase
from raremap.connections.models import Message
from raremap.connections.services import member_connections_erase
from raremap.moderation.services import reports_anonymise
from raremap.privacy.export import export_zip
from raremap.privacy.models import DataExport
from raremap.questions.models import Answer, AnswerRevision, Notification, Vote
from raremap.questions.services import contributions_erase
from raremap.treatments.models import TreatmentReportRevision
from raremap.treatments.services import reports_erase

EXPORT_PENDING_HOURS = 24  # a prepared export not ready by then has failed: ask again


def export_rows(user: User) -> int:
    """How many rows the member's biggest sections hold (the rest are a handful each)."""
    counts = [
        Answer.objects.filter(author=user),
        AnswerRevision.objects.filter(answer__author=user),
        Vote.objects.filter(user=user),
        Message.objects.filter(sender=user),
        Notification.objects.filter(user=user),
        TreatmentReportRevision.objects.filter(report__user=user),
    ]
    return sum(rows.aggregate(n=Count("pk"))["n"] for rows in counts)


@dataclass(frozen=True)
class ExportRequest:
    """What an export request gave: the zip itself (small accounts) or an export being
    prepared in the background."""

    archive: bytes | None = None
    export: DataExport | None = None


def exports_purge() -> int:
    """Delete the exports whose link has expired, and those never finished. Returns how many."""
    now = timezone.now()
    expired = DataExport.objects.filter(expires_at__lt=now)
    stuck = DataExport.objects.filter(
        state=DataExport.State.PENDING,
        requested_at__lt=now - timedelta(hours=EXPORT_PENDING_HOURS),
    )
    return expired.delete()[0] + stuck.delete()[0]


def export_request(*, user: User) -> ExportRequest:
    """The member's data: built now when small, else prepared by a task (one at a time per
    member: asking again while one is being prepared returns that one). A new export
    replaces the member's earlier ones."""
    exports_purge()
    # Small: built while the member waits (well under a second); else by a task.
    if export_rows(user) <= settings.DATA_EXPORT_INLINE_ROWS:
        return ExportRequest(archive=export_zip(user))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
        pending = DataExport.objects.filter(user=user, state=DataExport.State.PENDING).first()
        if pending is not None:
            return ExportRequest(export=pending)
        DataExport.objects.filter(user=user).delete()
        export = DataExport.objects.create(user=user, requested_at=timezone.now())
        language = translation.get_language() or ""

        def enqueue() -> None:
            from raremap.privacy.tasks import export_build_task

            export_build_task.enqueue(export.pk, language)

        transaction.on_commit(enqueue)
    return ExportRequest(export=export)


@transaction.atomic
def account_erase(*, user: User, keep_answers: bool) -> bool:
    """Erase a member's account and what they put into RareMap, at once: memberships, map
    entries and consents, treatment reports, votes, follows, notifications, messages, blocks,
    requests, tokens, two-factor devices, sessions, consents and exports. Their answers go
    too, unless they chose `keep_answers`: then their published answers stay, shown as by
    "deleted member".

    Counts, rankings and maps follow in the same request. Returns whether the account's row
    stayed (emptied: no email, name, password or anything else of the person) because
    others' data hangs on it — answers kept, or a conversation the other member keeps;
    otherwise the row is deleted. Either way the address can sign up again.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    map_erase(user=user)
    memberships_erase(user=user)
    reports_erase(user=user)
    contributions_erase(user=user, keep_answers=keep_answers)
    conversations_kept = member_connections_erase(user=user)
    reports_anonymise(user=user)
    ApiToken.objects.filter(user=user).delete()
    two_factor_disable(user=user)
    Session.objects.filter(user=user).delete()
    ConsentRecord.objects.filter(user=user).delete()
    DataExport.objects.filter(user=user).delete()
    if not conversations_kept and not Answer.objects.filter(author=user).exists():
        user.delete()
        return False
    _empty(user)
    return True


def _empty(user: User) -> None:
    """Leave nothing of the person in the account's row: it only anchors what others keep."""
    now = timezone.now()
    user.erased_at = now  # the display name is stored as accounts.models.ERASED_NAME
    user.email = f"erased-{secrets.token_hex(12)}@erased.invalid"  # RFC 2606: never a mailbox
    user.public_id = new_public_id()
    user.bio = user.bio_html = user.country = user.consent_version = ""
    user.profile_public = user.notification_emails = False
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.last_login = None
    user.date_joined = now
    user.reputation = 0
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
