from django import forms
from django.utils.translation import gettext_lazy as _

from raremap.moderation.models import ReportReason
from raremap.moderation.services import TEXT_MAX_LENGTH


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a reason.")},
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only moderators read this. Plain text, at most 500 characters."),
    )


class NoteForm(forms.Form):
    """The optional note a moderator adds to an action (kept in the audit log)."""

    note = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH)


class VerifyForm(forms.Form):
    """What a moderator checked to verify a claimed role (kept with the verification)."""

    evidence = forms.CharField(
        label=_("What did you check?"),
        max_length=1000,
        error_messages={"required": _("Please say what you checked.")},
    )
