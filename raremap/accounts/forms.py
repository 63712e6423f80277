from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from raremap.accounts.models import User


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254,
                             help_text=_("Never shown to anyone. We send a link to confirm it."))
    display_name = forms.CharField(
        label=_("Display name"),
        min_length=3,
        max_length=40,
        help_text=_("How others see you. Use a pseudonym rather than your real name."),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A long passphrase is best."),
    )

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if "@" in name:
            raise forms.ValidationError(_("A display name cannot contain “@”."))
        if User.objects.filter(display_name__iexact=name).exists():
            raise forms.ValidationError(_("This display name is taken. Please choose another."))
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio", "profile_public"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if "@" in name:
            raise forms.ValidationError(_("A display name cannot contain “@”."))
        taken = User.objects.filter(display_name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This display name is taken. Please choose another."))
        return name
