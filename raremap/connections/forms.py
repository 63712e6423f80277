from django import forms
from django.utils.translation import gettext_lazy as _

from raremap.connections.models import MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH


class RequestForm(forms.Form):
    note = forms.CharField(
        label=_("A short note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Say why you would like to connect. Plain text, at most 300 characters. Only this "
            "member reads it."
        ),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the two of you read this. Markdown works: *italic*, **bold**, links."),
    )


class PageForm(forms.Form):
    """A list page's query string (bad values fall back to the first page)."""

    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)
    before = forms.IntegerField(min_value=1, required=False)
    after = forms.IntegerField(min_value=0, required=False)
