"""Authentication from the member the session was read with (raremap.accounts.sessions).

Django's AuthenticationMiddleware reads the member with a query of its own. Here, when the
session store already read the member, the same checks Django makes are made on that row:
the session names this member and an installed backend, the account is active, and the
session's hash matches the member's password hash. Anything else — no member, another
member, a hash made with an older secret, an inactive account — goes down Django's own path,
which handles it (cycling the key, flushing, anonymous).
"""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.accounts.services import user_language_remember


def _session_member(request: HttpRequest) -> User | None:
    session = request.session
    user_id = session.get(auth.SESSION_KEY)  # reads the session (and its member) if not yet
    member = getattr(session, "member", None)
    if member is None or user_id != str(member.pk) or not member.is_active:
        return None
    if session.get(auth.BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    if not constant_time_compare(
        session.get(auth.HASH_SESSION_KEY) or "", member.get_session_auth_hash()
    ):
        return None
    return member


def get_user(request: HttpRequest) -> object:
    if not hasattr(request, "_cached_user"):
        request._cached_user = _session_member(request) or auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthentication):
    """Sets `request.user` at once rather than lazily: every page asks for it (the no-store
    header of members' pages does), and a lazy object costs on each of the forty-odd attribute
    reads a member's page makes. A request without a session cookie reads nothing."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = get_user(request)


# When the member last made a request (seconds since the epoch), in the session.
LAST_SEEN_KEY = "_last_seen"
# The time is written at most this often: not a session write on every request.
LAST_SEEN_PRECISION = 60


class StaffIdleMiddleware:
    """Log staff and moderators out after STAFF_IDLE_SECONDS without a request.

    The time of their last request lives in their session, which lives in the database, so
    every process and node sees the same one; it is written at most once a minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Imported when used: twofactor reads django-otp's models.
        from raremap.accounts.twofactor import needs_second_factor

        user = request.user
        if user.is_authenticated and needs_second_factor(user):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.STAFF_IDLE_SECONDS:
                auth.logout(request)
                messages.info(
                    request,
                    _("You were logged out after a while without activity. Please log in again."),
                )
                return redirect_to_login(request.get_full_path())
            if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_PRECISION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


# What a member who has not agreed to the notice in force may still do: read it and agree,
# log out, download their data, see what moderators read, delete their account (views by
# name). The API (token holders) and the admin (operators) are left alone.
CONSENT_FREE_VIEWS = frozenset(
    {
        "accounts:consent",
        "accounts:privacy-notice",
        "accounts:privacy-notice-version",
        "accounts:logout",
        "privacy:data",
        "privacy:export-request",
        "privacy:export-download",
        "privacy:moderator-reads",
        "privacy:account-delete",
        "health",
    }
)
CONSENT_FREE_NAMESPACES = frozenset({"api", "admin"})


class ConsentMiddleware:
    """Send a logged-in member who has not agreed to the privacy notice in force to the
    consent page, until they agree (the version is on their row, read with the session: no
    query). Demo members are fictional and never asked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        user = request.user
        if (
            not user.is_authenticated
            or user.consent_version == PRIVACY_NOTICE_VERSION
            or user.is_demo
        ):
            return None
        match = request.resolver_match
        if match is None or match.view_name in CONSENT_FREE_VIEWS:
            return None
        if CONSENT_FREE_NAMESPACES.intersection(match.namespaces):
            return None
        target = reverse("accounts:consent")
        if request.method in ("GET", "HEAD") and "HX-Request" not in request.headers:
            target += "?" + urlencode({"next": request.get_full_path()})
        if "HX-Request" in request.headers:  # htmx would swap the page into a fragment
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


class MemberLanguageMiddleware:
    """Remember the interface language a logged-in member reads pages in: their emails are
    written in it (User.language). Pages only (a 200 HTML answer to a GET), not the admin site,
    whose pages are English whatever the member reads; one UPDATE when it changed, none else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and getattr(request.resolver_match, "namespace", "") != "admin"
        ):
            user_language_remember(user=user, language=request.LANGUAGE_CODE)
        return response
