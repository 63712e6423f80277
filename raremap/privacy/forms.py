from django import forms
from django.utils.translation import gettext_lazy as _

from raremap.accounts.models import User


class PasswordConfirmForm(forms.Form):
    """The member's password again, before their data leaves or their account goes."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class AccountDeleteForm(PasswordConfirmForm):
    ERASE, KEEP = "erase", "keep"

    answers = forms.ChoiceField(
        label=_("Your answers"),
        choices=[
            (ERASE, _("Erase them with everything else")),
            (KEEP, _("Keep my published answers for others to read, as “deleted member”")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose what happens to your answers.")},
    )
    field_order = ["answers", "password"]
