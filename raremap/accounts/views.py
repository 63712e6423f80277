"""Account pages: sign-up, activation, log-in/out, password reset, profile and settings."""

import copy
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from raremap.accounts import services, twofactor
from raremap.accounts.forms import (
    ActivationForm,
    CodeForm,
    ConsentForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
    TokenForm,
)
from raremap.accounts.models import User
from raremap.accounts.notice import NOTICE_VERSIONS, PRIVACY_NOTICE_VERSION, notice_template
from raremap.accounts.permissions import is_moderator
from raremap.accounts.selectors import (
    display_name_taken,
    profile_get,
    recovery_codes_left,
    token_list_for_user,
)
from raremap.communities.selectors import membership_list_for_user
from raremap.core.decorators import cache_for_anonymous
from raremap.core.throttle import (
    Limit,
    client_ip,
    throttle_hit,
    throttle_reset,
    throttled,
    too_many_requests,
)

LOGIN_PER_IP = Limit("login-ip", 25, 5 * 60)  # Mastodon's limit
LOGIN_PER_ACCOUNT = Limit("login-account", 5, 30 * 60)  # Zulip's limit
SIGNUP_PER_IP = Limit("signup-ip", 10, 60 * 60)
SIGNUP_PER_ADDRESS = Limit("signup-address", 3, 60 * 60)  # mails to one inbox
RESET_PER_IP = Limit("reset-ip", 10, 60 * 60)
RESET_PER_ADDRESS = Limit("reset-address", 3, 60 * 60)
PASSWORD_CHANGE = Limit("password-change", 5, 30 * 60)  # guesses of the old password
PROFILE_EDIT = Limit("profile-edit", 30, 60 * 60)

LOGIN_CODE = Limit("login-code", 5, 30 * 60)  # guesses of a second-factor code, per member
TWO_FACTOR = Limit("two-factor", 30, 60 * 60)  # enrolment and its changes

FAILED_LOGIN = gettext_lazy("That email address and password do not match an active account.")
WRONG_CODE = gettext_lazy(
    "This code does not work. Check that the clock of your phone is right, or use a recovery code."
)


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """The `next` parameter if it is an absolute path on this site; otherwise `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _posted(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST, even an empty one (an empty POST must show "required" errors)."""
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "HEAD", "POST"])
@throttled(SIGNUP_PER_IP, fail_open=False)
def signup(request: HttpRequest) -> HttpResponse:
    """Known and new addresses get the same answer (services.user_signup mails the difference)."""
    if request.user.is_authenticated:
        return redirect("catalog:home")
    form = SignupForm(_posted(request))
    next_url = safe_next(request, "")
    if form.is_valid():
        email = form.cleaned_data["email"].lower()
        # Silently: the answer must not differ.
        if not throttle_hit(SIGNUP_PER_ADDRESS, email, fail_open=False):
            user = services.user_signup(
                email=email,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password"],
                base_url=request.build_absolute_uri("/"),
                next_url=next_url,
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
            if user is not None:  # the consent ticked on the form, for the account it made
                services.consent_give(user=user, version=form.cleaned_data["notice_version"])
        return redirect("accounts:signup-done")
    context = {"form": form, "next": next_url, "notice_version": PRIVACY_NOTICE_VERSION}
    return render(request, "accounts/signup.html", context)


@require_http_methods(["GET", "HEAD"])
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


def _user_from_uid(uidb64: str) -> User | None:
    try:
        return User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64)))).first()
    except (ValueError, TypeError, OverflowError):
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Show a confirm button (GET changes nothing: mail scanners follow links); POST activates.

    After activation the member is logged in and sent to `next` (the page where they chose
    to join), or to their settings.
    """
    user = _user_from_uid(uidb64)
    if user is None:
        return render(request, "accounts/activate.html", {"valid": False})
    valid = not user.is_active and services.activation_token.check_token(user, token)
    # A pending sign-up holds no name (User.Meta): ask for another if someone took it since.
    name_taken = valid and display_name_taken(user.display_name, owner=user)
    form = ActivationForm(_posted(request), user=user, name_taken=name_taken)
    if valid and form.is_bound:
        # The password proves the person at the link is the one who signed up: someone who
        # signed up with another person's address cannot take over the confirmed account.
        retry = throttle_hit(LOGIN_PER_ACCOUNT, user.email, fail_open=False)
        if retry:
            return too_many_requests(request, retry)
        if not user.check_password(request.POST.get("password", "")):
            form.add_error("password", _("This is not the password you chose when you signed up."))
        elif form.is_valid():
            try:
                services.user_activate(
                    user=user, token=token, display_name=form.cleaned_data.get("display_name", "")
                )
            except IntegrityError:  # taken between the check and the save
                form.add_error(
                    "display_name" if name_taken else None,
                    _("This display name is taken. Please choose another."),
                )
            else:
                throttle_reset(LOGIN_PER_ACCOUNT, user.email)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Your account is confirmed. Welcome to RareMap!"))
                return redirect(safe_next(request, reverse("accounts:settings")))
    return render(request, "accounts/activate.html", {"valid": valid, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest, default_next: str = "") -> HttpResponse:
    """Log in by email. Limited per address and per client; the same error for every failure.

    The limits are counted before the password is checked and fail closed: without a working
    cache nobody can guess passwords (log-in is refused with 429). A member with two-factor
    log-in is logged in only after the code step (login_code). /admin/ logs in here too
    (accounts.admin_site), under the same limits.
    """
    form = LoginForm(_posted(request))
    next_url = safe_next(request, default_next or reverse("catalog:home"))
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()[:254]
        for limit, key in ((LOGIN_PER_IP, client_ip(request)), (LOGIN_PER_ACCOUNT, email)):
            retry = throttle_hit(limit, key, fail_open=False)
            if retry:
                return too_many_requests(request, retry)
        if form.is_valid():
            user = authenticate(
                request,
                email=form.cleaned_data["email"].lower(),
                password=form.cleaned_data["password"],
            )
            if user is not None:
                throttle_reset(LOGIN_PER_ACCOUNT, email)
                if twofactor.has_second_factor(user):  # the code step counts its own guesses
                    twofactor.pending_start(request, user)
                    return redirect(_with_next("accounts:login-code", next_url))
                login(request, user)
                return redirect(next_url)
            form.add_error(None, FAILED_LOGIN)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@require_http_methods(["GET", "HEAD", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a log-in with two-factor log-in: a code after the password.

    Also where a logged-in member whose session has not passed the second factor proves it
    (staff and moderators, on their way to /admin/ or the moderation pages). Guesses count
    toward the log-in limit per client and a limit per member, both failing closed.
    """
    next_url = safe_next(request, reverse("catalog:home"))
    logged_in = request.user.is_authenticated
    user = request.user if logged_in else twofactor.pending_user(request)
    if user is None:
        return redirect(_with_next("accounts:login", next_url))
    if logged_in and (twofactor.is_verified(request) or not twofactor.has_second_factor(user)):
        return redirect(next_url)
    form = CodeForm(_posted(request))
    if request.method == "POST":
        for limit, key in ((LOGIN_PER_IP, client_ip(request)), (LOGIN_CODE, f"user:{user.pk}")):
            retry = throttle_hit(limit, key, fail_open=False)
            if retry:
                return too_many_requests(request, retry)
        if form.is_valid():
            device = twofactor.verify_code(user, form.cleaned_data["code"])
            if device is not None:
                if not logged_in:
                    twofactor.pending_end(request)
                    login(request, user)
                twofactor.mark_verified(request, device)
                return redirect(next_url)
            form.add_error("code", WRONG_CODE)
    return render(request, "accounts/login_code.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    # Said after logout(), which empties the session: the message lives in the new one (or
    # its cookie), so the next page shows it.
    messages.success(request, _("You have logged out."))
    return redirect("catalog:home")


@method_decorator(throttled(RESET_PER_IP, fail_open=False), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view (same answer for every address), limited per client and address."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        if throttle_hit(RESET_PER_ADDRESS, form.cleaned_data["email"].lower(), fail_open=False):
            return redirect(self.success_url)  # silently: the answer must not differ
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, _("Your password is changed. Please log in."))
        return super().form_valid(form)


@require_http_methods(["GET", "HEAD"])
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


@method_decorator(throttled(PASSWORD_CHANGE, fail_open=False), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Needs the old password; other sessions end (their session hash no longer matches)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:settings")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)


@require_http_methods(["GET", "HEAD"])
def profile(request: HttpRequest, public_id: str) -> HttpResponse:
    owner = profile_get(viewer=request.user, public_id=public_id)
    # Imported when used: raremap.connections builds on accounts (and on questions); it hides
    # the profile from a member its owner has blocked (Http404) and offers "Connect".
    from raremap.connections.selectors import profile_connect

    connect = profile_connect(request.user, owner)
    memberships = membership_list_for_user(owner)
    context = {"owner": owner, "memberships": memberships, "connect": connect}
    response = render(request, "accounts/profile.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"  # member pages stay out of search engines
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(PROFILE_EDIT)
def settings_view(request: HttpRequest) -> HttpResponse:
    # A copy: a ModelForm writes what it validates into its instance, and an invalid name
    # must not show up as request.user (the page header) while the form is redisplayed.
    form = ProfileForm(_posted(request), instance=copy.copy(request.user))
    if form.is_valid():
        try:
            services.user_update_profile(user=form.instance, **form.cleaned_data)
        except IntegrityError:  # someone took the name between the check and the save
            form.add_error("display_name", _("This display name is taken. Please choose another."))
        else:
            # In the language just chosen, which the next pages (and the emails) then use.
            with translation.override(form.instance.language):
                messages.success(request, _("Your settings are saved."))
                return redirect(reverse("accounts:settings"))
    memberships = membership_list_for_user(request.user)
    context = {
        "form": form,
        "memberships": memberships,
        "is_moderator": is_moderator(request.user),
        "two_factor": twofactor.has_second_factor(request.user),
    }
    return render(request, "accounts/settings.html", context)


# --- The privacy notice and consent ------------------------------------------------------------

CONSENT = Limit("consent", 30, 60 * 60)


@require_http_methods(["GET", "HEAD"])
@cache_for_anonymous
def privacy_notice(request: HttpRequest, version: str = PRIVACY_NOTICE_VERSION) -> HttpResponse:
    """The privacy notice in force, or an earlier version members agreed to (by its version)."""
    if version not in NOTICE_VERSIONS:
        raise Http404("No such version")
    context = {
        "version": version,
        "notice": notice_template(version),
        "current": PRIVACY_NOTICE_VERSION,
        "versions": NOTICE_VERSIONS,
    }
    return render(request, "accounts/privacy_notice.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(CONSENT)
def consent(request: HttpRequest) -> HttpResponse:
    """Ask a member for consent to the notice in force (ConsentMiddleware sends them here until
    they agree). Without agreeing they can still log out, download their data or delete
    their account."""
    form = ConsentForm(_posted(request))
    next_url = safe_next(request, reverse("accounts:settings"))
    if request.user.consent_version == PRIVACY_NOTICE_VERSION:
        return redirect(next_url)
    if form.is_valid():
        services.consent_give(user=request.user, version=form.cleaned_data["notice_version"])
        messages.success(request, _("Thank you. Your consent is recorded."))
        return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "notice": notice_template(PRIVACY_NOTICE_VERSION),
        "version": PRIVACY_NOTICE_VERSION,
        "agreed_before": request.user.consent_version,
    }
    return render(request, "accounts/consent.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(TWO_FACTOR)
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-factor log-in on (scan the QR code, type the first code); once on, make new
    recovery codes or turn it off, each with a current code.

    New recovery codes are shown once, in the answer to the POST that made them (not after a
    redirect, like a new API token), and never again; the page is no-store like every
    logged-in page.
    """
    user = request.user
    next_url = safe_next(request, "")
    form = CodeForm(_posted(request))
    if twofactor.has_second_factor(user):
        if form.is_valid():
            retry = throttle_hit(LOGIN_CODE, f"user:{user.pk}", fail_open=False)
            if retry:
                return too_many_requests(request, retry)
            if twofactor.verify_code(user, form.cleaned_data["code"]) is None:
                form.add_error("code", WRONG_CODE)
            elif request.POST.get("action") == "off":
                services.two_factor_disable(user=user)
                twofactor.forget_verified(request)
                messages.success(request, _("Two-factor log-in is off."))
                return redirect("accounts:two-factor")
            else:
                codes = services.recovery_codes_renew(user=user)
                return _recovery_codes(request, codes, next_url)
        context = {"form": form, "codes_left": recovery_codes_left(user), "next": next_url}
        return render(request, "accounts/two_factor.html", context)
    key = twofactor.enrol_key(request)
    if form.is_valid():
        step = twofactor.enrol_check(key, form.cleaned_data["code"])
        if step is None:
            form.add_error("code", WRONG_CODE)
        else:
            device, codes = services.two_factor_enable(user=user, key=key, last_t=step)
            twofactor.enrol_end(request)
            twofactor.mark_verified(request, device)
            return _recovery_codes(request, codes, next_url)
    context = {
        "form": form,
        "qr": twofactor.enrol_qr(user, key),
        "secret": twofactor.enrol_secret(key),
        "required": twofactor.needs_second_factor(user),
        "next": next_url,
    }
    return render(request, "accounts/two_factor_enrol.html", context)


def _recovery_codes(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    shown = [f"{code[:4]}-{code[4:]}" for code in codes]
    context = {"codes": shown, "next": next_url or reverse("accounts:settings")}
    return render(request, "accounts/recovery_codes.html", context)


TOKEN_CREATE = Limit("token-create", 10, 60 * 60)
TOKEN_REVOKE = Limit("token-revoke", 30, 60 * 60)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(TOKEN_CREATE)
def token_list(request: HttpRequest) -> HttpResponse:
    """The member's API tokens; a POST creates one.

    The new secret is shown in the answer to the POST itself, not after a redirect: it is
    stored nowhere (only its hash), so no later page could show it. The page is no-store like
    every logged-in page.
    """
    form = TokenForm(_posted(request))
    secret = None
    if form.is_valid():
        try:
            _token, secret = services.token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    tokens = token_list_for_user(request.user)
    return render(
        request, "accounts/token_list.html", {"form": form, "tokens": tokens, "secret": secret}
    )


@login_required
@require_POST
@throttled(TOKEN_REVOKE)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.token_revoke(user=request.user, token_id=token_id)  # 404 unless one's own
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("accounts:token-list")
