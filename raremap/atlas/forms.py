"""The opt-in form: a gazetteer place (never coordinates or an address), a precision, and
the consent box the first time."""

from django import forms
from django.utils.translation import gettext_lazy as _

from raremap.atlas.models import Place, Precision


class MapJoinForm(forms.Form):
    place = forms.ModelChoiceField(
        label=_("Place"),
        queryset=Place.objects.select_related("parent__parent"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Please search for your place and choose it.")},
    )
    precision = forms.TypedChoiceField(
        label=_("What others may see"),
        choices=Precision.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_("I agree to be shown on this map as described above."), required=False
    )

    def __init__(self, *args: object, needs_consent: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.needs_consent = needs_consent
        if not needs_consent:
            del self.fields["consent"]

    def clean_consent(self) -> bool:
        if self.needs_consent and not self.cleaned_data.get("consent"):
            raise forms.ValidationError(_("Please confirm that you agree to be shown on the map."))
        return True
