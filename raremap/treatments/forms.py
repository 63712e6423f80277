from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from raremap.treatments.models import ReportedFor, Treatment, TreatmentReport, WhyStopped
from raremap.treatments.ranking import BURDEN_LABELS, EFFECTIVENESS_LABELS
from raremap.treatments.selectors import treatment_find, treatment_suggest
from raremap.treatments.services import NOTE_MAX_LENGTH, SIDE_EFFECTS

FIRST_YEAR = 1900
# Where a service error about a report field is shown in this form.
SERVICE_FIELDS = {"started_on": "started_month", "stopped_on": "stopped_month"}


def _or_list(names: list[str]) -> str:
    """ "“a”", "“a” or “b”", "“a”, “b” or “c”", quoted and joined as the active language
    does."""
    quoted = [str(_("“%(name)s”") % {"name": name}) for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return str(_("%(names)s or %(last)s") % {"names": ", ".join(quoted[:-1]), "last": quoted[-1]})


def _scale(labels: dict) -> list[tuple[int, Promise]]:
    """A rating's choices, "4 – Clearly helped": lazy, so each request gets its own language
    (the choices are made once, when the module is imported)."""
    return [(score, format_lazy("{} – {}", score, label)) for score, label in labels.items()]


def _month_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("Month")), *MONTHS.items()],
        coerce=int,
        empty_value=None,
        required=False,
    )


def _year_field(label: str, last: int | None = None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=FIRST_YEAR,
        max_value=last,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("Year")}),
    )


class ReportForm(forms.Form):
    """A member's treatment report. The treatment is typed by name (generic, brand or
    synonym) and resolved to a treatment in the vocabulary."""

    treatment = forms.CharField(
        label=_("Treatment"),
        max_length=200,
        help_text=_("Its name as you know it, e.g. imatinib, Gleevec or Mohs surgery."),
        error_messages={"required": _("Please name the treatment.")},
    )
    reported_for = forms.ChoiceField(
        label=_("I am reporting for"), choices=ReportedFor.choices, widget=forms.RadioSelect
    )
    effectiveness = forms.TypedChoiceField(
        label=_("How well did it work?"),
        choices=_scale(EFFECTIVENESS_LABELS),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please rate how well it worked.")},
    )
    side_effect_burden = forms.TypedChoiceField(
        label=_("How much did its side effects weigh on daily life?"),
        choices=_scale(BURDEN_LABELS),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please rate the side effects (1 if there were none).")},
    )
    side_effects = forms.MultipleChoiceField(
        label=_("Side effects noticed"),
        choices=list(SIDE_EFFECTS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    side_effects_note = forms.CharField(
        label=_("Anything else about side effects or how it went"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=_("Optional. Markdown works. Please do not share anyone's private details."),
    )
    started_month = _month_field(_("Started: month"))
    started_year = _year_field(_("Started: year"))
    still_taking = forms.BooleanField(label=_("I am still taking it"), required=False)
    stopped_month = _month_field(_("Stopped: month"))
    stopped_year = _year_field(_("Stopped: year"))
    why_stopped = forms.ChoiceField(
        label=_("Why did it stop?"),
        choices=[("", "—"), *WhyStopped.choices],
        required=False,
    )
    show_name = forms.BooleanField(
        label=_("Show my display name next to this report"),
        required=False,
        help_text=_("Off: your report counts only in the statistics, without your name."),
    )

    def __init__(
        self,
        *args: object,
        reported_for: tuple[str, ...] = (),
        treatment: Treatment | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Years up to this one (the service refuses future months).
        this_year = timezone.localdate().year
        for name in ("started_year", "stopped_year"):
            self.fields[name] = _year_field(str(self.fields[name].label), this_year)
        # A person with the disease reports for themselves: nothing to choose.
        if len(reported_for) <= 1:
            del self.fields["reported_for"]
        else:
            self.fields["reported_for"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in ReportedFor.choices if value in reported_for
            ]
            self.fields["reported_for"].initial = reported_for[0]
        # Editing a report: the treatment is fixed.
        self.fixed_treatment = treatment
        if treatment is not None:
            del self.fields["treatment"]

    @staticmethod
    def initial_from(report: TreatmentReport) -> dict[str, object]:
        started, stopped = report.started_on, report.stopped_on
        return {
            "reported_for": report.reported_for,
            "effectiveness": report.effectiveness,
            "side_effect_burden": report.side_effect_burden,
            "side_effects": list(report.side_effects),
            "side_effects_note": report.side_effects_note,
            "started_month": started.month if started else None,
            "started_year": started.year if started else None,
            "still_taking": report.still_taking,
            "stopped_month": stopped.month if stopped else None,
            "stopped_year": stopped.year if stopped else None,
            "why_stopped": report.why_stopped,
            "show_name": report.show_name,
        }

    def clean_treatment(self) -> Treatment:
        name = self.cleaned_data["treatment"]
        treatment = treatment_find(name)
        if treatment is None:
            suggestions = treatment_suggest(name)
            if suggestions:
                raise ValidationError(
                    _("We do not know a treatment called “%(name)s”. Did you mean %(names)s?"),
                    params={"name": name, "names": _or_list(suggestions)},
                    code="suggest",
                )
            raise ValidationError(
                _(
                    "We do not know a treatment called “%(name)s”. Please check the spelling, "
                    "or try its generic or brand name."
                ),
                params={"name": name},
            )
        return treatment

    def _month(self, prefix: str) -> date | None:
        month = self.cleaned_data.get(f"{prefix}_month")
        year = self.cleaned_data.get(f"{prefix}_year")
        if month is None and year is None:
            return None
        if month is None or year is None:
            if f"{prefix}_year" not in self.errors:
                self.add_error(f"{prefix}_month", _("Please give both the month and the year."))
            return None
        return date(year, month, 1)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        cleaned["started_on"] = self._month("started")
        cleaned["stopped_on"] = self._month("stopped")
        if self.fixed_treatment is not None:
            cleaned["treatment"] = self.fixed_treatment
        return cleaned

    def report_values(self) -> dict[str, object]:
        """The cleaned values as report_save takes them."""
        data = self.cleaned_data
        return {
            "treatment": data["treatment"],
            "reported_for": data.get("reported_for") or None,
            "effectiveness": data["effectiveness"],
            "side_effect_burden": data["side_effect_burden"],
            "side_effects": data["side_effects"],
            "side_effects_note": data["side_effects_note"],
            "started_on": data["started_on"],
            "stopped_on": data["stopped_on"],
            "still_taking": data["still_taking"],
            "why_stopped": data["why_stopped"],
            "show_name": data["show_name"],
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it names (else on top)."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for name, errors in error.error_dict.items():
            field = SERVICE_FIELDS.get(name, name)
            for message in ValidationError(errors).messages:
                self.add_error(field if field in self.fields else None, message)
