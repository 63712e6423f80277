"""Community actions: join and leave a disease community (POST; the disease page has the forms)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from raremap.catalog.models import Disease
from raremap.communities import services
from raremap.communities.forms import JoinForm
from raremap.core.throttle import Limit, throttled

MEMBERSHIP_CHANGES = Limit("membership", 30, 60 * 60)


def _name(disease: Disease) -> str:
    """The disease's name in a message (plain text): in the page's language where a source
    gives it."""
    return disease.local_name(get_language() or "en") or disease.name


@require_POST
@throttled(MEMBERSHIP_CHANGES)
def membership_join(request: HttpRequest, slug: str) -> HttpResponse:
    """Join with a role, or change one's role (one membership per member and disease)."""
    disease = get_object_or_404(Disease, slug=slug)
    page = reverse("catalog:disease-detail", args=[disease.slug])
    if not request.user.is_authenticated:
        # Back to the disease page after log-in: this URL answers POST only.
        return redirect_to_login(page)
    form = JoinForm(request.POST)
    if form.is_valid():
        services.membership_join(user=request.user, disease=disease, role=form.cleaned_data["role"])
        messages.success(
            request, _("Welcome to the %(name)s community.") % {"name": _name(disease)}
        )
    else:
        messages.error(request, _("Please choose how you are affected by this disease."))
    return redirect(page)


@require_POST
@throttled(MEMBERSHIP_CHANGES)
def membership_leave(request: HttpRequest, slug: str) -> HttpResponse:
    disease = get_object_or_404(Disease, slug=slug)
    page = reverse("catalog:disease-detail", args=[disease.slug])
    if not request.user.is_authenticated:
        return redirect_to_login(page)
    if services.membership_leave(user=request.user, disease=disease):
        messages.success(
            request, _("You have left the %(name)s community.") % {"name": _name(disease)}
        )
    return redirect(page)
