"""Helpers for the account and community tests: page text, masking, mail links, a clock."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core import mail
from django.http import HttpResponse

from raremap.accounts.notice import PRIVACY_NOTICE_VERSION

if TYPE_CHECKING:
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from raremap.accounts.models import User

SIGNUP = "/accounts/signup/"
SIGNUP_DONE = "/accounts/signup/done/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
SETTINGS = "/accounts/settings/"
RESET = "/accounts/password/reset/"
RESET_DONE = "/accounts/password/reset/sent/"
PASSWORD_CHANGE = "/accounts/password/change/"
DFSP_URL = "/d/dermatofibrosarcoma-protuberans/"

# The sign-up form's consent: the box ticked, under the notice the page showed.
CONSENT = {"consent": "on", "notice_version": PRIVACY_NOTICE_VERSION}

TOO_MANY = "Too many attempts. Please wait a little and try again."
FAILED_LOGIN = "That email address and password do not match an active account."
NEW_PASSWORD = "a new and rather long passphrase"

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_ACTIVATION = re.compile(
    r"http://testserver(/(?:[a-z]{2}/)?accounts/activate/[^/\s]+/[^/\s]+/(?:\?\S+)?)"
)
_RESET = re.compile(r"http://testserver(/(?:[a-z]{2}/)?accounts/password/reset/[^/\s]+/[^/\s]+/)")


def text_of(response: HttpResponse) -> str:
    """The visible text of a page, whitespace collapsed."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def masked(response: HttpResponse, *private: str) -> str:
    """The page with its CSRF token and the given strings replaced by placeholders."""
    html = _CSRF.sub('name="csrfmiddlewaretoken" value="…"', response.content.decode())
    for number, value in enumerate(private):
        html = html.replace(value, f"«private {number}»")
    return html


def activation_path(message: mail.EmailMessage) -> str:
    match = _ACTIVATION.search(message.body)
    assert match is not None, message.body
    return match[1]


def reset_path(message: mail.EmailMessage) -> str:
    match = _RESET.search(message.body)
    assert match is not None, message.body
    return match[1]


@dataclass
class Clock:
    """A stand-in for the `time` module inside raremap.core.throttle (windows are fixed)."""

    now: float

    def time(self) -> float:
        return self.now


# A multiple of every throttle window (5 min, 30 min, 1 h): the start of a window for each.
WINDOW_START = 1_800_000_000


def verified_login(client: "Client", user: "User") -> "TOTPDevice":
    """Log `client` in as `user` with two-factor log-in on and passed, as staff and moderators
    need for /admin/ and the moderation pages. Returns the member's authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.util import random_hex

    from raremap.accounts import middleware
    from raremap.accounts.services import two_factor_enable

    device, _codes = two_factor_enable(user=user, key=random_hex(20), last_t=0)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[middleware.LAST_SEEN_KEY] = int(middleware.time.time())  # as after a request
    session.save()
    return device
