"""Data rights pages: the member's data page, downloading their data, what moderators read of
their private content, and deleting their account. Each is reachable without agreeing to a
new privacy notice (raremap.accounts.middleware.CONSENT_FREE_VIEWS)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from raremap.core.throttle import Limit, throttled
from raremap.moderation.selectors import read_list_for_member
from raremap.privacy import services
from raremap.privacy.forms import AccountDeleteForm, PasswordConfirmForm
from raremap.privacy.permissions import can_delete_account
from raremap.privacy.selectors import consent_list_for_user, export_get, export_list_for_user

# Both need the password: as many guesses as changing it allows (raremap.accounts.views).
PASSWORD_CONFIRM = Limit("data-password", 5, 30 * 60)
EXPORT_REQUEST = Limit("data-export", 10, 60 * 60)
READS_PER_PAGE = 50
ZIP_TYPE = "application/zip"


def _zip_response(archive: bytes) -> HttpResponse:
    response = HttpResponse(archive, content_type=ZIP_TYPE)
    name = f"raremap-data-{timezone.now():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _data_page(request: HttpRequest, form: PasswordConfirmForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "exports": export_list_for_user(request.user),
        "consents": consent_list_for_user(request.user)[:5],
        "reads": read_list_for_member(request.user).count(),
        "can_delete": can_delete_account(request.user),
        "link_days": settings.DATA_EXPORT_DAYS,
    }
    return render(request, "privacy/data.html", context, status=status)


@login_required
@require_safe
def data(request: HttpRequest) -> HttpResponse:
    """The member's data page: consents, downloads, moderators' reads, deleting the account."""
    return _data_page(request, PasswordConfirmForm(user=request.user))


@login_required
@require_POST
@throttled(PASSWORD_CONFIRM, EXPORT_REQUEST, fail_open=False)
def export_request(request: HttpRequest) -> HttpResponse:
    """With the member's password: their data as a zip now, or prepared in the background."""
    form = PasswordConfirmForm(request.POST, user=request.user)
    if not form.is_valid():
        return _data_page(request, form, status=400)
    result = services.export_request(user=request.user)
    if result.archive is not None:
        return _zip_response(result.archive)
    messages.success(
        request,
        _(
            "Your data is being prepared. A download link will appear on this page in a few "
            "minutes."
        ),
    )
    return redirect("privacy:data")


@login_required
@require_safe
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """A prepared export: to its member only, until it expires (404 for anyone else)."""
    export = export_get(user=request.user, token=token)
    return _zip_response(bytes(export.archive))  # type: ignore[arg-type]


@login_required
@require_safe
def moderator_reads(request: HttpRequest) -> HttpResponse:
    """Each time a moderator read a message or request of the member's that was reported."""
    page = Paginator(read_list_for_member(request.user), READS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "privacy/moderator_reads.html", {"page": page})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(PASSWORD_CONFIRM, fail_open=False)
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account, after the member chose what happens to their answers and gave
    their password. Everything goes at once; the member is logged out."""
    if not can_delete_account(request.user):
        raise Http404("Demo accounts cannot be deleted")
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_valid():
        keep = form.cleaned_data["answers"] == AccountDeleteForm.KEEP
        services.account_erase(user=request.user, keep_answers=keep)
        logout(request)
        messages.success(
            request, _("Your account is deleted. Thank you for having been part of RareMap.")
        )
        return redirect("catalog:home")
    status = 400 if form.is_bound else 200
    return render(request, "privacy/account_delete.html", {"form": form}, status=status)
