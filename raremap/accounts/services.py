"""Account writes: sign-up with email confirmation, activation, profile changes."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.core.text import render_markdown


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "raremap.accounts.activation"

    def _make_hash_value(self, user: User, timestamp: int) -> str:  # type: ignore[override]
        return f"{user.pk}{user.is_active}{timestamp}{user.email}"


activation_token = ActivationTokenGenerator()


def _absolute(path: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{path}"


def user_signup(*, email: str, display_name: str, password: str, base_url: str) -> User | None:
    """Create an inactive account and mail a confirmation link.

    For an address that already has an account, mail a notice instead and create nothing:
    the visitor sees the same page either way (no account enumeration).
    """
    email = email.strip().lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        send_mail(
            _("Someone tried to sign up with your address"),
            _(
                "Someone (perhaps you) tried to create a RareMap account with this address. "
                "You already have one: log in or reset your password at %(url)s"
            )
            % {"url": _absolute(reverse("accounts:password-reset"), base_url)},
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, display_name=display_name, is_active=False
            )
    except IntegrityError:  # the same address or name signed up in parallel
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = _absolute(
        reverse("accounts:activate", args=[uid, activation_token.make_token(user)]), base_url
    )
    send_mail(
        _("Confirm your RareMap account"),
        _("Welcome to RareMap. Confirm your address to finish signing up: %(link)s")
        % {"link": link},
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    return user


def user_activate(*, user: User, token: str) -> bool:
    if user.is_active or not activation_token.check_token(user, token):
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    return True


def user_update_profile(*, user: User, display_name: str, bio: str, profile_public: bool) -> User:
    """Change the public face of an account; the bio is rendered once, here."""
    user.display_name = display_name
    user.bio = bio
    user.bio_html = render_markdown(bio)
    user.profile_public = profile_public
    user.save(update_fields=["display_name", "bio", "bio_html", "profile_public"])
    return user
