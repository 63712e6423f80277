"""Data rights: a member's data exports built in the background.

A member's export is built while they wait when it is small (raremap.privacy.services). A
big one is built by a task and kept here, in the database (any node serves it), until its
link expires: the member downloads it from their data page, and only they can.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    """The download link's random part (the link also needs the member's session)."""
    return secrets.token_urlsafe(24)


class DataExport(models.Model):
    """One export of a member's data, built in the background."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    archive = models.BinaryField(null=True, editable=False)  # the zip, once built
    size = models.PositiveIntegerField(default=0)  # bytes of the zip

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "ready"]), name="data_export_state"
            ),
        ]
        indexes = [
            # Serves export_list_for_user: a member's exports, newest first.
            models.Index(fields=["user", "-requested_at"], name="data_export_by_user"),
            # Serves exports_purge: the exports whose link has expired.
            models.Index(fields=["expires_at"], name="data_export_expires"),
        ]

    def __str__(self) -> str:
        return f"data export {self.pk} of {self.user_id} ({self.state})"
