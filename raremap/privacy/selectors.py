"""Data rights reads: a member's exports and what their data page shows."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from raremap.accounts.models import ConsentRecord, User
from raremap.privacy.models import DataExport


def export_list_for_user(user: User) -> list[DataExport]:
    """The member's exports being prepared or ready to download (not expired), newest first;
    without their zips."""
    if not user.is_authenticated:
        return []
    exports = DataExport.objects.filter(user=user).exclude(expires_at__lt=timezone.now())
    return list(exports.defer("archive").order_by("-requested_at", "-pk"))


def export_get(*, user: User, token: str) -> DataExport:
    """A ready, unexpired export of the member's, with its zip; Http404 for anything else
    (someone else's, expired, not ready, unknown)."""
    export = (
        DataExport.objects.filter(
            user=user,
            token=token,
            state=DataExport.State.READY,
            expires_at__gte=timezone.now(),
        )
        .exclude(archive=None)
        .first()
    )
    if export is None:
        raise Http404("No such export")
    return export


def consent_list_for_user(user: User) -> QuerySet[ConsentRecord]:
    """The member's consents to the privacy notice, newest first."""
    return ConsentRecord.objects.filter(user=user).order_by("-given_at", "-pk")
