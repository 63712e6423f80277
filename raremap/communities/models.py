"""Disease communities: who belongs to which disease, in which role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from raremap.catalog.models import Disease


class Role(models.TextChoices):
    PATIENT = "patient", _("Person with the disease")
    RELATIVE = "relative", _("Relative or friend")
    CAREGIVER = "caregiver", _("Caregiver")
    ORGANISATION = "organisation", _("Organisation")
    ADVISER = "adviser", _("Adviser (volunteers to be contacted)")
    PROFESSIONAL = "professional", _("Healthcare professional")
    RESEARCHER = "researcher", _("Researcher")


class Membership(models.Model):
    """A member in one disease community, with one role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "disease"], name="uniq_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role"
            ),
        ]
        indexes = [
            # Serves membership_role_counts: members of one disease grouped by role.
            models.Index(fields=["disease", "role"], name="membership_disease_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.disease} as {self.role}"


class RoleCount(models.Model):
    """How many active members a community has in one role (demo members apart).

    Kept by the membership services in the same transaction as the change, so a disease page
    reads a handful of rows instead of counting a million memberships.
    """

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="role_counts")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_demo = models.BooleanField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disease", "role", "is_demo"], name="uniq_role_count"),
        ]

    def __str__(self) -> str:
        return f"{self.disease_id} {self.role} demo={self.is_demo}: {self.count}"
