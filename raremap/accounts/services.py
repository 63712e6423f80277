"""Account writes: sign-up with email confirmation, activation, profile changes, API tokens."""

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from raremap.accounts.models import ApiToken, ConsentRecord, User
from raremap.accounts.notice import NOTICE_VERSIONS
from raremap.communities.services import role_counts_recompute
from raremap.core.text import render_markdown

ACTIVATION_SECONDS = 3 * 24 * 60 * 60  # the sign-up page promises three days


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Links that confirm an address: valid three days, void once the account was used.

    The hash covers the password (a new sign-up for a pending account voids older links) and
    the last log-in (an account that was activated, then deactivated by a moderator, cannot be
    woken up again by an old link).
    """

    key_salt = "raremap.accounts.activation"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        login = (
            "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{user.password}{user.is_active}{login}{timestamp}{user.email}"

    def check_token(self, user: User | None, token: str | None) -> bool:
        # Django's check_token ties every generator to PASSWORD_RESET_TIMEOUT (one hour).
        if not (user and token) or token.count("-") != 1:
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > ACTIVATION_SECONDS:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


activation_token = ActivationTokenGenerator()


def _absolute(path: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{path}"


def _is_pending(user: User) -> bool:
    """Signed up, never confirmed: the address was never proven, so nothing there is anyone's."""
    return not user.is_active and user.last_login is None


def _send_activation(user: User, base_url: str, next_url: str) -> None:
    with translation.override(user.language):  # the language of the sign-up page
        _send_activation_mail(user, base_url, next_url)


def _send_activation_mail(user: User, base_url: str, next_url: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:activate", args=[uid, activation_token.make_token(user)])
    if next_url:
        path = f"{path}?{urlencode({'next': next_url})}"
    send_mail(
        _("Confirm your RareMap account"),
        _(
            "Welcome to RareMap. Confirm your address to finish signing up (the link works "
            "for three days): %(link)s\n\nIf you did not sign up, ignore this email: no account "
            "is created without the link."
        )
        % {"link": _absolute(path, base_url)},
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def _send_account_exists(owner: User, base_url: str) -> None:
    with translation.override(owner.language):  # written to the owner, in their language
        _send_account_exists_mail(owner.email, base_url)


def _send_account_exists_mail(email: str, base_url: str) -> None:
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


def user_signup(
    *,
    email: str,
    display_name: str,
    password: str,
    base_url: str,
    next_url: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> User | None:
    """Create an inactive account and mail a confirmation link; return it (None if none).

    Every outcome looks the same to the visitor and does the same work (the password is hashed
    once and one mail is sent on every path), so nothing tells whether the address has an
    account; nor does the display name, which a pending account does not hold (User.Meta):
    - a new address gets an account and a link;
    - an address whose account is confirmed gets a notice mail, and nothing changes;
    - an address whose account was never confirmed gets the new details and a new link,
      so that a lost mail (or someone who signed up with another person's address) cannot
      lock its owner out. Older links stop working, because the password changed.
    `next_url` must already be a safe local path; the link brings the member back to it.
    The account's language, and so its emails' (the link's first), is `language`: the sign-up
    page's.
    """
    email = email.strip().lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None and not _is_pending(existing):
        make_password(password)  # the same work as the other paths (no timing difference)
        _send_account_exists(existing, base_url)
        return None
    try:
        with transaction.atomic():
            if existing is None:
                user = User.objects.create_user(
                    email, password, display_name=display_name, is_active=False, language=language
                )
            else:
                user = existing
                user.display_name = display_name
                user.language = language
                user.set_password(password)
                user.save(update_fields=["display_name", "password", "language"])
    except IntegrityError:  # the same address signed up in parallel
        return None
    _send_activation(user, base_url, next_url)
    return user


def user_activate(*, user: User, token: str, display_name: str = "") -> bool:
    """Activate a pending account if the token is valid for it; say whether it did.

    The account takes its display name only now (a pending one holds none: User.Meta), under a
    new `display_name` if given. Raises IntegrityError if another account holds the name.
    """
    if user.is_active or not activation_token.check_token(user, token):
        return False
    user.is_active = True
    fields = ["is_active"]
    if display_name:
        user.display_name = display_name
        fields.append("display_name")
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
    except IntegrityError:
        user.is_active = False
        raise
    return True


def user_language_remember(*, user: User, language: str) -> bool:
    """Keep the interface language a member uses as the language of their emails; one UPDATE,
    and only when it changed. Says whether it did."""
    if language == user.language or language not in dict(settings.LANGUAGES):
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True


def user_update_profile(
    *,
    user: User,
    display_name: str,
    bio: str,
    profile_public: bool,
    notification_emails: bool | None = None,
    language: str | None = None,
) -> User:
    """Change the public face of an account (and whether it gets notification emails); the bio
    is rendered once, here.

    Raises IntegrityError if another member took the display name in the meantime.
    """
    user.display_name = display_name
    user.bio = bio
    user.bio_html = render_markdown(bio)
    user.profile_public = profile_public
    if notification_emails is not None:
        user.notification_emails = notification_emails
    if language is not None:
        user.language = language
    with transaction.atomic():
        user.save(
            update_fields=[
                "display_name",
                "bio",
                "bio_html",
                "profile_public",
                "notification_emails",
                "language",
            ]
        )
    return user


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Close an account without erasing it: no more log-ins (Django refuses inactive users on
    their next request) and no longer counted in any community."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    role_counts_recompute(disease_ids=user.memberships.values_list("disease_id", flat=True))
    return user


# --- Consent to the privacy notice ----------------------------------------------------------


@transaction.atomic
def consent_give(*, user: User, version: str) -> ConsentRecord:
    """Record that the member agreed to this version of the privacy notice, now; the member's
    row keeps the version too (read with the session: raremap.accounts.middleware)."""
    if version not in NOTICE_VERSIONS:
        raise ValueError(f"No privacy notice version {version!r}")
    record = ConsentRecord.objects.create(user=user, notice_version=version)
    User.objects.filter(pk=user.pk).update(consent_version=version)
    user.consent_version = version
    return record


# --- API tokens -----------------------------------------------------------------------------

TOKEN_MAX_ACTIVE = 10
TOKEN_USE_PRECISION = timedelta(minutes=1)


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token; returns it with its secret, which is stored nowhere (only its hash)."""
    # Lock the member's row so that parallel requests cannot pass the limit together.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= TOKEN_MAX_ACTIVE:
        raise ValidationError(
            _("You have %(count)d tokens. Please revoke one before you create another.")
            % {"count": TOKEN_MAX_ACTIVE}
        )
    secret = ApiToken.SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        key_hash=ApiToken.hash_secret(secret),
        prefix=secret[:8],
    )
    return token, secret


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the member's own active tokens; any other id raises Http404."""
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise Http404("No such token")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def token_mark_used(*, token: ApiToken) -> bool:
    """Note that a token was used, at most once a minute (a write on every request would be
    one more write per API call). Says whether it wrote."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_PRECISION:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_USE_PRECISION)
    # Conditional, so parallel requests write once.
    written = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return bool(written)


# --- two-factor log-in (raremap.accounts.twofactor) -----------------------------------------

RECOVERY_CODES = 10


@transaction.atomic
def two_factor_enable(*, user: User, key: str, last_t: int) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor log-in on with an authenticator whose first code was checked (`last_t`
    is that code's time step: it cannot be used again). Returns the device and a fresh set of
    recovery codes, which are shown once; earlier devices and codes are replaced."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name="authenticator", key=key, confirmed=True, last_t=last_t
    )
    return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New single-use recovery codes (django-otp's static device); the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Turn two-factor log-in off: the authenticator and the recovery codes are deleted, so no
    session counts as having passed it any more (raremap.accounts.twofactor.is_verified)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
