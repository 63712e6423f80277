"""Who may report treatments (plain predicates)."""

from raremap.accounts.models import User
from raremap.communities.models import Membership, Role
from raremap.treatments.models import ReportedFor, TreatmentReport

# The roles whose experience a treatment report records: the person with the disease, and
# the relatives and caregivers who report for someone they look after.
REPORTING_ROLES = (Role.PATIENT, Role.RELATIVE, Role.CAREGIVER)

# Whom a member in each role reports for (the first one is the default).
REPORTED_FOR_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.PATIENT: (ReportedFor.SELF,),
    Role.RELATIVE: (ReportedFor.RELATIVE, ReportedFor.CARE),
    Role.CAREGIVER: (ReportedFor.CARE, ReportedFor.RELATIVE),
}


def can_report_treatment(user: User, membership: Membership | None) -> bool:
    """Members of the disease's community who have it, or care for someone who has it."""
    return bool(
        user.is_authenticated
        and user.is_active
        and membership is not None
        and membership.user_id == user.pk
        and membership.role in REPORTING_ROLES
    )


def reported_for_choices(membership: Membership | None) -> tuple[str, ...]:
    """Whom this member may report for (nothing for roles that do not report)."""
    if membership is None:
        return ()
    return REPORTED_FOR_BY_ROLE.get(membership.role, ())


def can_change_report(user: User, report: TreatmentReport) -> bool:
    """Only the author edits or deletes a report."""
    return bool(user.is_authenticated and report.user_id == user.pk)
