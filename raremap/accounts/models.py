"""The member account: email to log in, a pseudonymous display name to be seen by."""

import hashlib
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def new_public_id() -> str:
    """A random, unguessable id for profile URLs (no enumeration by counting)."""
    return secrets.token_urlsafe(9)


# What an erased account's display name is stored as (raremap.privacy.erasure): no member
# can choose it, since display names cannot contain "@" (accounts.forms.clean_display_name).
ERASED_NAME = "@erased"


class DisplayNameField(models.CharField):
    """A member's display name; an erased account's reads as "deleted member" in the page's
    language, wherever it is shown (answers it left, the other side of a conversation).

    Its row stays only where others' data hangs on it (raremap.privacy.erasure); it is stored
    as ERASED_NAME whatever the instance holds, so that saving it never writes the label.
    """

    def from_db_value(
        self, value: str | None, expression: object, connection: object
    ) -> str | None:
        if value == ERASED_NAME:
            return gettext("deleted member")
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        if getattr(model_instance, "erased_at", None) is not None:
            return ERASED_NAME
        return super().pre_save(model_instance, add)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("display_name", "admin")
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A member. The email is private; others see only the display name."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    display_name = DisplayNameField(_("display name"), max_length=40)
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    bio_html = models.TextField(blank=True, editable=False)  # rendered once, at write time
    # ISO 3166 alpha-2; shown only on the profile (private by default). Map places are
    # chosen per community, at a precision the member picks (atlas app), never derived from this.
    country = models.CharField(_("country"), max_length=2, blank=True)
    profile_public = models.BooleanField(
        _("show my profile to members"),
        default=False,
        help_text=_("Off: only you see your profile. On: logged-in members see it."),
    )
    is_demo = models.BooleanField(default=False, editable=False)
    # Points for taking part, kept by the questions services (rule: raremap.questions.reputation).
    reputation = models.IntegerField(default=0, editable=False)
    # On from sign-up: a member who is not on the site otherwise never learns that someone
    # asked to connect or wrote to them. The emails hold titles and links only
    # (raremap.questions.services.notification_emails_send), and each links to the settings.
    notification_emails = models.BooleanField(
        _("email me about new answers, connection requests and messages"),
        default=True,
        help_text=_(
            "Who answered or wrote, with a link: never the text of an answer, a request or a "
            "message. Untick to stop these emails."
        ),
    )
    # Emails to the member are written in this language: the interface's language they last
    # used while logged in (accounts.middleware.MemberLanguageMiddleware), or chose in settings.
    language = models.CharField(
        _("language of emails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Emails from RareMap are written in this language."),
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The privacy notice version of the member's latest consent (a copy of their newest
    # ConsentRecord's): read with the session, so no page needs a query to know whether to
    # ask again (raremap.accounts.middleware.ConsentMiddleware).
    consent_version = models.CharField(max_length=20, blank=True, editable=False)
    # Set when the member erased their account and the row had to stay as an anchor for what
    # others keep (raremap.privacy.erasure): nothing personal is left in it.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            # A sign-up that was never confirmed holds no name: if it did, anyone could learn
            # whether an address has an account by signing it up and trying the name again.
            # The name is checked again when the account is confirmed (accounts.views.activate).
            # An erased account's row (inactive, never to log in again) holds none either: they
            # all read "deleted member" (DisplayNameField).
            models.UniqueConstraint(
                Lower("display_name"),
                condition=models.Q(is_active=True) | models.Q(last_login__isnull=False),
                name="uniq_display_name_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class ConsentRecord(models.Model):
    """A member's explicit consent to RareMap processing their health data (GDPR art. 9(2)(a))
    under one version of the privacy notice (raremap.accounts.notice). Rows are only added;
    the newest is the consent in force."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    notice_version = models.CharField(max_length=20)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Serves consent_list_for_user: a member's consents, newest first.
            models.Index(fields=["user", "-given_at"], name="consent_by_user"),
        ]

    def __str__(self) -> str:
        return f"consent of {self.user_id} to notice {self.notice_version}"


class ApiToken(models.Model):
    """A member's key to the API's writes. Only the SHA-256 of the secret is stored: the secret
    is shown once, when the token is made (raremap.accounts.services.token_create)."""

    SECRET_PREFIX = "rm_"  # noqa: S105 (the marker that starts every secret, not a secret)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=50)
    key_hash = models.CharField(max_length=64, unique=True)  # the unique index serves auth
    prefix = models.CharField(max_length=8)  # the secret's start, to tell tokens apart
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Serves token_list_for_user: a member's tokens, newest first.
            models.Index(fields=["user", "-created_at"], name="apitoken_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_secret(secret: str) -> str:
        # A plain hash is enough: the secret is 256 random bits, nothing to brute-force, and a
        # deterministic hash lets the unique index find the token in one look-up.
        return hashlib.sha256(secret.encode()).hexdigest()


class Session(AbstractBaseSession):
    """A browser session, with the member it is logged in as (None before logging in).

    The member's id, also inside the signed session data, is kept in a column so that a
    member's page reads the session, the member and the moderator flag in one query
    (raremap.accounts.sessions), and so that a member's sessions can be found (and end with
    the account: CASCADE).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )

    @classmethod
    def get_session_store_class(cls) -> type:
        # The engine the settings name (raremap.accounts.sessions), found as Django's session
        # middleware finds it: that module builds on this one, so it is not imported here.
        return import_module(settings.SESSION_ENGINE).SessionStore
