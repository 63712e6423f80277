"""A disease's treatments page (the ranking) and the pages where members report treatments:
the report form (new or edit), the member's own reports, deletion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from raremap.accounts.fragments import page_fillers
from raremap.catalog.fragments import disease_part
from raremap.communities.selectors import membership_get
from raremap.core.decorators import cache_for_anonymous
from raremap.core.shell import Viewer
from raremap.core.throttle import Limit, throttled
from raremap.treatments import fragments, permissions, selectors, services
from raremap.treatments.forms import ReportForm
from raremap.treatments.models import ReportedFor, WhyStopped
from raremap.treatments.ranking import BURDEN_LABELS, EFFECTIVENESS_LABELS

REPORT_WRITES = Limit("treatment-report", 30, 60 * 60)


def _mine_url(slug: str) -> str:
    return reverse("treatments:report-list", args=[slug])


@require_safe
@cache_for_anonymous
def disease_treatments(request: HttpRequest, slug: str) -> HttpResponse:
    """The treatments members report for a disease, ranked, with how the ranking is made."""
    disease = disease_part(slug).disease
    page = fragments.treatments_page(request, disease)
    viewer = Viewer(request)
    fillers = page_fillers(viewer)
    if request.user.is_authenticated:
        fillers |= fragments.member_fillers(viewer, disease)
    return HttpResponse(page.fill(fillers))


@login_required
@require_http_methods(["GET", "POST"])
@throttled(REPORT_WRITES)
def report_form(request: HttpRequest, slug: str, report_id: int | None = None) -> HttpResponse:
    """Report a treatment, or change one's report (a new report of a treatment one has
    already reported updates it). Members who do not report are told how to join."""
    disease = disease_part(slug).disease
    report = selectors.report_get_for_user(request.user, disease, report_id) if report_id else None
    membership = membership_get(request.user, disease)
    context = {"disease": disease, "membership": membership, "report": report, "form": None}
    if not permissions.can_report_treatment(request.user, membership):
        if request.method == "POST":
            return redirect(request.path)
        return render(request, "treatments/report_form.html", context)
    initial = ReportForm.initial_from(report) if report else {}
    if report is None and request.GET.get("treatment"):
        chosen = selectors.treatment_get_approved(request.GET["treatment"])
        current = chosen and selectors.report_current(request.user, disease, chosen)
        if current:  # already reported: edit it
            return redirect("treatments:report-edit", slug, current.pk)
        initial["treatment"] = chosen.name if chosen else ""
    form = ReportForm(
        request.POST or None,
        initial=initial,
        reported_for=permissions.reported_for_choices(membership),
        treatment=report.treatment if report else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.report_save(user=request.user, disease=disease, **form.report_values())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, _("Thank you: your report is saved. The rankings update within minutes.")
            )
            return redirect(_mine_url(slug))
    context["form"] = form
    # Nothing typed is lost: the form comes back with the values and the reasons.
    status = 400 if request.method == "POST" else 200
    return render(request, "treatments/report_form.html", context, status=status)


@login_required
@require_safe
def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The member's own reports for a disease, to change or delete."""
    disease = disease_part(slug).disease
    context = {
        "disease": disease,
        "reports": selectors.report_list_for_user(request.user, disease),
        "side_effects": services.SIDE_EFFECTS,
        "effectiveness_labels": EFFECTIVENESS_LABELS,
        "burden_labels": BURDEN_LABELS,
        "why_stopped": dict(WhyStopped.choices),
        "reported_for": dict(ReportedFor.choices),
    }
    return render(request, "treatments/report_list.html", context)


@login_required
@require_POST
@throttled(REPORT_WRITES)
def report_delete(request: HttpRequest, slug: str, report_id: int) -> HttpResponse:
    disease = disease_part(slug).disease
    report = selectors.report_get_for_user(request.user, disease, report_id)
    services.report_delete(report=report)
    messages.success(request, _("Your report of %(name)s is deleted.") % {"name": report.treatment})
    return redirect(_mine_url(slug))
