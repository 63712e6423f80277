"""Two-factor log-in (django-otp): who needs it, whether a session has passed it, the code step.

A member turns it on in their settings (an authenticator app's TOTP device, confirmed with a
first code, and single-use recovery codes: django-otp's static device). From then on a log-in
asks for a code after the password (accounts.views.login_code). Staff and moderators must have
it: /admin/ (accounts.admin_site) and the moderation pages (moderation.views.moderator_only)
send them to enrol first, or to the code step when their session has not passed it.

A session has passed it when it names one of its member's confirmed devices
(django_otp.DEVICE_ID_SESSION_KEY, written by django_otp.login). Sessions live in the database,
so every process agrees; turning two-factor log-in off deletes the devices, which unverifies
every session that named them.
"""

import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator

# The log-in waiting for its code: who, with which password (the session hash: a password
# changed meanwhile voids it), through which backend, since when.
PENDING_KEY = "_2fa_pending"
PENDING_SECONDS = 5 * 60
TOTP_STEP = 30  # django-otp's defaults, which every authenticator app takes
TOTP_DIGITS = 6


def needs_second_factor(user: User) -> bool:
    """Staff, superusers and moderators: whoever can read or change others' data."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser or is_moderator(user))
    )


def has_second_factor(user: User) -> bool:
    """Whether the member has turned two-factor log-in on (a confirmed authenticator)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor with one of its member's devices."""
    cached = getattr(request, "_second_factor_verified", None)
    if cached is not None:
        return bool(cached)
    verified = False
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if persistent_id and request.user.is_authenticated:
        device = Device.from_persistent_id(persistent_id)
        verified = bool(device and device.user_id == request.user.pk and device.confirmed)
    request._second_factor_verified = verified  # type: ignore[attr-defined]
    return verified


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def second_factor_redirect(request: HttpRequest, next_url: str = "") -> HttpResponse | None:
    """None if the member may go on to a staff or moderator page; otherwise a redirect to the
    code step (they have an authenticator) or to enrolment (they have none), coming back to
    `next_url` (a local path; the page asked for by default)."""
    user = request.user
    if not needs_second_factor(user) or is_verified(request):
        return None
    step = "accounts:login-code" if has_second_factor(user) else "accounts:two-factor"
    return redirect(_with_next(step, next_url or request.get_full_path()))


def verify_code(user: User, code: str) -> Device | None:
    """The member's device that accepts `code` (an authenticator code or a recovery code,
    which is used up), or None. Devices are locked while they check, so that one code works
    once even when sent twice at the same moment; each device also slows down guessing."""
    code = "".join(code.split()).replace("-", "").lower()
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        if code.isdigit():
            devices: list[Device] = list(
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        else:
            devices = list(
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the (logged-in) session that it passed the second factor with `device`."""
    otp_login(request, device)
    request._second_factor_verified = True  # type: ignore[attr-defined]


def forget_verified(request: HttpRequest) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request._second_factor_verified = False  # type: ignore[attr-defined]


# --- the log-in waiting for its code ---------------------------------------------------------


def pending_start(request: HttpRequest, user: User) -> None:
    """The password was right; the member still owes a code. Nobody is logged in yet."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "since": int(time.time()),
    }


def pending_user(request: HttpRequest) -> User | None:
    """The member whose password was right a moment ago in this session, if still valid."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None
    user.backend = pending.get("backend") or settings.AUTHENTICATION_BACKENDS[0]
    return user


def pending_end(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


# --- enrolment -------------------------------------------------------------------------------

# The secret of an authenticator being set up lives in the session until its first code is
# checked: a visit to the page writes no device, and an abandoned set-up leaves nothing behind.
ENROL_KEY = "_2fa_enrol_key"


def enrol_key(request: HttpRequest) -> str:
    """The secret (hex) of the authenticator this session is setting up; made on first use."""
    key = request.session.get(ENROL_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = random_hex(20)
        request.session[ENROL_KEY] = key
    return key


def enrol_end(request: HttpRequest) -> None:
    request.session.pop(ENROL_KEY, None)


def enrol_check(key: str, code: str) -> int | None:
    """The time step at which `code` is the authenticator's code for `key` (one step of
    clock drift either way), or None."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != TOTP_DIGITS:
        return None
    totp = TOTP(unhexlify(key), step=TOTP_STEP, digits=TOTP_DIGITS)
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1):
        return None
    return int(totp.t())


def enrol_secret(key: str) -> str:
    """The secret as an authenticator app asks for it when typed: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def enrol_qr(user: User, key: str) -> str:
    """The authenticator's set-up link as a QR code: an SVG data URI, made here (no network)."""
    url = TOTPDevice(user=user, key=key, step=TOTP_STEP, digits=TOTP_DIGITS).config_url
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2, light="#fff"))
