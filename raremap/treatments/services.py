"""Treatment report writes: one current report per member, treatment and disease, with the
earlier versions kept; every change asks for the disease's rankings to be recomputed."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership
from raremap.core.text import render_markdown
from raremap.treatments import permissions
from raremap.treatments.models import (
    Treatment,
    TreatmentReport,
    TreatmentReportRevision,
    TreatmentStatus,
    WhyStopped,
)
from raremap.treatments.ranking import SCALE, rankings_recompute, rankings_recompute_task

NOTE_MAX_LENGTH = 2000

# Side effects members tick most often; anything else goes in the note.
SIDE_EFFECTS: dict[str, object] = {
    "nausea": gettext_lazy("Nausea or vomiting"),
    "diarrhoea": gettext_lazy("Diarrhoea"),
    "constipation": gettext_lazy("Constipation"),
    "appetite": gettext_lazy("Loss of appetite"),
    "weight": gettext_lazy("Weight change"),
    "fatigue": gettext_lazy("Tiredness"),
    "headache": gettext_lazy("Headache"),
    "dizziness": gettext_lazy("Dizziness"),
    "sleep": gettext_lazy("Sleep problems"),
    "mood": gettext_lazy("Mood changes"),
    "skin": gettext_lazy("Skin rash or itching"),
    "hair": gettext_lazy("Hair loss or changes"),
    "swelling": gettext_lazy("Swelling (oedema)"),
    "muscle": gettext_lazy("Muscle or joint pain"),
    "pain": gettext_lazy("Pain where treated"),
    "scarring": gettext_lazy("Scarring"),
    "infection": gettext_lazy("Infections"),
}

# The fields of a report a member writes; a revision keeps them as they were.
REPORT_FIELDS = (
    "reported_for",
    "effectiveness",
    "side_effect_burden",
    "side_effects",
    "side_effects_note",
    "started_on",
    "stopped_on",
    "still_taking",
    "why_stopped",
    "show_name",
)


def _month(value: date | None) -> date | None:
    """Month precision: a date is stored as the first of its month."""
    return value.replace(day=1) if value is not None else None


def _clean(
    *,
    membership: Membership | None,
    reported_for: str | None,
    effectiveness: int,
    side_effect_burden: int,
    side_effects: Iterable[str],
    side_effects_note: str,
    started_on: date | None,
    stopped_on: date | None,
    still_taking: bool,
    why_stopped: str,
    show_name: bool,
) -> dict[str, object]:
    """The report's values, checked; every problem is reported at once, by field."""
    errors: dict[str, str] = {}
    allowed = permissions.reported_for_choices(membership)
    reported_for = reported_for or (allowed[0] if allowed else "")
    if reported_for not in allowed:
        errors["reported_for"] = _("Please say whom you are reporting for.")
    if effectiveness not in SCALE:
        errors["effectiveness"] = _("Please rate how well it worked, from 1 to 5.")
    if side_effect_burden not in SCALE:
        errors["side_effect_burden"] = _("Please rate the side effects, from 1 to 5.")
    side_effects = list(dict.fromkeys(side_effects or ()))
    if any(key not in SIDE_EFFECTS for key in side_effects):
        errors["side_effects"] = _("Please choose side effects from the list.")
    note = (side_effects_note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["side_effects_note"] = _("Please keep the note under %(count)d characters.") % {
            "count": NOTE_MAX_LENGTH
        }
    started_on, stopped_on = _month(started_on), _month(stopped_on)
    this_month = timezone.localdate().replace(day=1)
    if started_on is not None and started_on > this_month:
        errors["started_on"] = _("The start cannot be in the future.")
    if stopped_on is not None and stopped_on > this_month:
        errors["stopped_on"] = _("The end cannot be in the future.")
    elif stopped_on is not None and started_on is not None and stopped_on < started_on:
        errors["stopped_on"] = _("The end cannot be before the start.")
    if still_taking and stopped_on is not None:
        errors["stopped_on"] = _(
            "You said you are still taking it: please leave the end date empty."
        )
    if why_stopped and why_stopped not in WhyStopped.values:
        errors["why_stopped"] = _("Please choose a reason from the list.")
    elif still_taking and why_stopped:
        errors["why_stopped"] = _(
            "You said you are still taking it: a reason for stopping does not apply."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "reported_for": reported_for,
        "effectiveness": effectiveness,
        "side_effect_burden": side_effect_burden,
        "side_effects": side_effects,
        "side_effects_note": note,
        "started_on": started_on,
        "stopped_on": stopped_on,
        "still_taking": bool(still_taking),
        "why_stopped": why_stopped or "",
        "show_name": bool(show_name),
    }


def _snapshot(report: TreatmentReport) -> dict[str, object]:
    data: dict[str, object] = {}
    for name in REPORT_FIELDS:
        value = getattr(report, name)
        data[name] = value.isoformat() if isinstance(value, date) else value
    data["written_at"] = report.updated_at.isoformat()
    return data


def _rankings_soon(disease_id: int) -> None:
    """Recompute the disease's rankings in the background once this change is committed (the
    worker must see it). The request time is taken at commit, so that a recompute which began
    later is known to include the change."""
    transaction.on_commit(
        lambda: rankings_recompute_task.enqueue(disease_id, timezone.now().isoformat())
    )


def _update(report: TreatmentReport, values: dict[str, object]) -> TreatmentReport:
    """Change a locked report, keeping the version before as a revision."""
    if all(getattr(report, name) == values[name] for name in REPORT_FIELDS):
        return report
    TreatmentReportRevision.objects.create(
        report=report, data=_snapshot(report), valid_until=timezone.now()
    )
    for name, value in values.items():
        setattr(report, name, value)
    report.side_effects_note_html = render_markdown(report.side_effects_note)
    report.save()
    _rankings_soon(report.disease_id)
    return report


@transaction.atomic
def report_save(
    *,
    user: User,
    disease: Disease,
    treatment: Treatment,
    effectiveness: int,
    side_effect_burden: int,
    reported_for: str | None = None,
    side_effects: Iterable[str] = (),
    side_effects_note: str = "",
    started_on: date | None = None,
    stopped_on: date | None = None,
    still_taking: bool = False,
    why_stopped: str = "",
    show_name: bool = False,
) -> TreatmentReport:
    """Create the member's report of a treatment for a disease, or update it (the earlier
    version is kept as a revision). Only people with the disease, their relatives and
    caregivers in the disease's community report; `reported_for` defaults by role.

    The report row is locked while it changes, so parallel submissions make one report.
    """
    membership = Membership.objects.filter(user=user, disease=disease).first()
    if not permissions.can_report_treatment(user, membership):
        raise ValidationError(
            _(
                "Treatment reports come from members of the community who have the disease, "
                "or who look after someone who has it."
            )
        )
    if treatment.status != TreatmentStatus.APPROVED:
        raise ValidationError({"treatment": _("Please choose a treatment from the list.")})
    values = _clean(
        membership=membership,
        reported_for=reported_for,
        effectiveness=effectiveness,
        side_effect_burden=side_effect_burden,
        side_effects=side_effects,
        side_effects_note=side_effects_note,
        started_on=started_on,
        stopped_on=stopped_on,
        still_taking=still_taking,
        why_stopped=why_stopped,
        show_name=show_name,
    )
    current = TreatmentReport.objects.select_for_update().filter(
        user=user, disease=disease, treatment=treatment
    )
    report = current.first()
    if report is not None:
        return _update(report, values)
    try:
        with transaction.atomic():
            report = TreatmentReport.objects.create(
                user=user,
                disease=disease,
                treatment=treatment,
                side_effects_note_html=render_markdown(values["side_effects_note"]),  # type: ignore[arg-type]
                is_demo=user.is_demo,
                **values,
            )
    except IntegrityError:  # a parallel submission created it first: this one updates it
        return _update(current.get(), values)
    _rankings_soon(disease.pk)
    return report


@transaction.atomic
def report_delete(*, report: TreatmentReport) -> None:
    """The member withdraws a report: it and its earlier versions are gone."""
    disease_id = report.disease_id
    TreatmentReport.objects.filter(pk=report.pk).delete()
    _rankings_soon(disease_id)


@transaction.atomic
def reports_erase(*, user: User) -> set[int]:
    """Take a member who is erasing their account out of the treatment evidence
    (raremap.privacy.services.account_erase): their reports go with their history, and
    treatments they proposed that are not in the vocabulary go too (those in it stay, without
    their name). The rankings of the diseases concerned are recomputed as soon as this
    commits, in the same request: they never count an erased member's reports again.
    Returns those diseases."""
    reports = TreatmentReport.objects.filter(user=user)
    disease_ids = set(reports.values_list("disease_id", flat=True))
    reports.delete()
    proposed = Treatment.objects.filter(proposed_by=user)
    proposed.exclude(status=TreatmentStatus.APPROVED).delete()
    proposed.update(proposed_by=None)
    if disease_ids:
        transaction.on_commit(lambda: rankings_recompute(disease_ids=disease_ids))
    return disease_ids
