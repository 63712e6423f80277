import unicodedata
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from raremap.accounts.models import User
from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.accounts.selectors import display_name_taken
from raremap.core.languages import named_in_themselves

DISPLAY_NAME_MIN = 3
DISPLAY_NAME_MAX = 40


def clean_display_name(value: str, *, owner: User | None = None) -> str:
    """A display name as stored: NFKC, single spaces, visible characters, free (any case).

    NFKC folds look-alike forms (full-width letters) and the character check refuses
    invisible ones (zero-width spaces, bidi overrides), so that nobody can pass for another.
    """
    name = " ".join(unicodedata.normalize("NFKC", value).split())
    if "@" in name:
        raise forms.ValidationError(_("A display name cannot contain “@”."))
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in name):
        raise forms.ValidationError(_("A display name cannot contain invisible characters."))
    if not DISPLAY_NAME_MIN <= len(name) <= DISPLAY_NAME_MAX:  # NFKC can shrink or grow it
        raise forms.ValidationError(
            _("A display name has %(min)d to %(max)d characters.")
            % {"min": DISPLAY_NAME_MIN, "max": DISPLAY_NAME_MAX}
        )
    if display_name_taken(name, owner=owner):
        raise forms.ValidationError(_("This display name is taken. Please choose another."))
    return name


def _password_field(autocomplete: str, help_text: str = "") -> forms.CharField:
    """A password as typed: never stripped, long passphrases welcome (never truncated)."""
    return forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        help_text=help_text,
    )


def _display_name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Display name"),
        min_length=DISPLAY_NAME_MIN,
        max_length=DISPLAY_NAME_MAX,
        help_text=_("How others see you. Use a pseudonym rather than your real name."),
    )


class ConsentForm(forms.Form):
    """Explicit consent to the privacy notice: an unticked box, required, and the version the
    page showed (a notice changed while the page was open must be read again)."""

    consent = forms.BooleanField(
        label=_(
            "I agree that RareMap holds and uses the health information I share — the "
            "communities I join and my role in them, my answers, treatment reports and map "
            "place — as the privacy notice says."
        ),
        required=True,
        error_messages={
            "required": _(
                "Please tick the box. Without your consent RareMap cannot hold any health "
                "information about you."
            )
        },
    )
    notice_version = forms.CharField(widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["notice_version"].initial = PRIVACY_NOTICE_VERSION

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("notice_version") != PRIVACY_NOTICE_VERSION:
            # Shown above the form: the field is hidden.
            self.add_error(
                None,
                _(
                    "The privacy notice has changed since this page was opened. "
                    "Please read it again."
                ),
            )
        return cleaned


class SignupForm(ConsentForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("Never shown to anyone. We send a link to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = _display_name_field()
    password = _password_field(
        "new-password", _("At least 12 characters. A long passphrase is best.")
    )

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def clean(self) -> dict:
        cleaned = super().clean()
        email = cleaned.get("email", "")
        name = cleaned.get("display_name", "")
        if email and name and name.casefold() == email.split("@")[0].casefold():
            # The display name is public; the address is not (private by default).
            self.add_error(
                "display_name",
                _("This name is the first part of your email address. Please choose another."),
            )
        password = cleaned.get("password")
        if password:
            probe = User(email=email, display_name=name)
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class PasswordRulesMixin:
    """The rules a new password must follow, as a list of sentences for the page to show.

    Django's help text for a new password is one piece of HTML (a `<ul>`) in a lazy string
    that has lost its "safe" mark, so Jinja2 escaped it and the page showed the tags. The page
    lists these sentences itself (`field(…, rules=…)` in core/_forms.html): nothing is marked
    safe, and the list follows AUTH_PASSWORD_VALIDATORS and the page's language.
    """

    @property
    def password_rules(self) -> list[str]:
        return password_validation.password_validators_help_texts()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose email is written in the member's language."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = kwargs.get("context", args[2] if len(args) > 2 else {})
        with translation.override(context["user"].language):
            super().send_mail(*args, **kwargs)


class SetPasswordForm(PasswordRulesMixin, auth_forms.SetPasswordForm):
    """A new password from a reset link."""


class PasswordChangeForm(PasswordRulesMixin, auth_forms.PasswordChangeForm):
    """A new password, with the old one."""


class ActivationForm(forms.Form):
    """The password chosen at sign-up; and a new display name when someone took the chosen one
    before the account was confirmed (a sign-up holds no name until then)."""

    password = _password_field("current-password", _("The password you chose when you signed up."))

    def __init__(self, *args: object, user: User, name_taken: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        if name_taken:
            self.fields["display_name"] = _display_name_field()
            self.fields["display_name"].help_text = _(
                "Someone took “%(name)s” while your account waited to be confirmed. "
                "Please choose another name."
            ) % {"name": user.display_name}

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"], owner=self.user)


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = _password_field("current-password")


class ProfileForm(forms.ModelForm):
    display_name = _display_name_field()

    class Meta:
        model = User
        fields = ["display_name", "bio", "profile_public", "notification_emails", "language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "bio": _("Shown on your profile. You can use Markdown for links and lists."),
            # Memberships are health data: say plainly what a public profile shows.
            "profile_public": _(
                "Off: only you see your profile. On: logged-in members see your display name, "
                "your “about me” and the communities you have joined, with your role."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        # Each language by its own name; a form sent without it keeps the member's.
        language.choices = named_in_themselves()
        language.required = False

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"], owner=self.instance)

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("What the token is for, e.g. the script or app that uses it."),
    )


class CodeForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )
