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


# Roles a member can only claim: they mean something once a moderator has verified them
# (RoleVerification); pages show a claim and a verified role differently.
CLAIMED_ROLES = frozenset({Role.PROFESSIONAL, Role.RESEARCHER, Role.ORGANISATION, Role.ADVISER})


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


class RoleVerification(models.Model):
    """A moderator's check that a member holds a claimed role (in every community): what was
    checked, who checked it and when; revoked by a moderator, never deleted while the member
    has an account (the record of who vouched for whom)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_verifications"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    evidence = models.TextField()  # e.g. "Listed in the national register of physicians, no. …"
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(revoked_at__isnull=True),
                name="uniq_active_role_verification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} of {self.user_id} verified {self.verified_at:%Y-%m-%d}"
