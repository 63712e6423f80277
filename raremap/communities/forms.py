from django import forms
from django.utils.translation import gettext_lazy as _

from raremap.communities.models import Role


class JoinForm(forms.Form):
    role = forms.ChoiceField(label=_("I am a…"), choices=Role.choices)
