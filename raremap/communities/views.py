"""Community pages: join and leave a disease community."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from raremap.catalog.models import Disease
from raremap.communities import services
from raremap.communities.forms import JoinForm
from raremap.core.throttle import Limit, throttled

MEMBERSHIP_CHANGES = Limit("membership", 30, 60 * 60)


@require_POST
@login_required
@throttled(MEMBERSHIP_CHANGES)
def membership_join(request: HttpRequest, slug: str) -> HttpResponse:
    disease = get_object_or_404(Disease, slug=slug)
    form = JoinForm(request.POST)
    if form.is_valid():
        services.membership_join(user=request.user, disease=disease, role=form.cleaned_data["role"])
        messages.success(request, _("Welcome to the %(name)s community.") % {"name": disease.name})
    else:
        messages.error(request, _("Please choose how you are affected by this disease."))
    return redirect("catalog:disease-detail", slug=disease.slug)


@require_POST
@login_required
@throttled(MEMBERSHIP_CHANGES)
def membership_leave(request: HttpRequest, slug: str) -> HttpResponse:
    disease = get_object_or_404(Disease, slug=slug)
    if services.membership_leave(user=request.user, disease=disease):
        messages.success(request, _("You have left the %(name)s community.") % {"name": disease.name})
    return redirect("catalog:disease-detail", slug=disease.slug)
