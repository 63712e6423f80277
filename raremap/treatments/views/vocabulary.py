"""Treatment pages: the list with its search box, one treatment's page, the form to propose a
treatment, and the moderators' list of proposals (404 for everyone else)."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from raremap.accounts.permissions import is_moderator
from raremap.accounts.twofactor import second_factor_redirect
from raremap.communities.selectors import membership_demo_exists
from raremap.core.decorators import cache_for_anonymous
from raremap.core.throttle import Limit, throttled
from raremap.treatments import vocabulary
from raremap.treatments.models import Treatment, TreatmentKind, TreatmentName, TreatmentStatus

PROPOSALS = Limit("treatment-propose", 10, 24 * 60 * 60)
REVIEWS = Limit("treatment-review", 600, 60 * 60)  # generous: a moderator clears a list


class TreatmentSearchForm(forms.Form):
    """The list page's query string (bad values fall back to defaults)."""

    q = forms.CharField(required=False, max_length=100)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)


class ProposeTreatmentForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the treatment"),
        max_length=vocabulary.PROPOSAL_MAX,
        help_text=gettext_lazy(
            "A medicine, procedure, therapy, supplement or lifestyle measure that is not in the "
            "list yet. A moderator reviews it first."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TreatmentKind.choices)


def moderator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 for everyone who is not a moderator, before anything else is looked at; a moderator
    whose session has not passed the second factor is sent to enrol or to type a code."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_moderator(request.user):
            raise Http404("No such page")
        second_factor = second_factor_redirect(request)
        if second_factor is not None:
            return second_factor
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@cache_for_anonymous
def treatment_list(request: HttpRequest) -> HttpResponse:
    """Every treatment in the vocabulary, or those with a name starting with the query: the
    ones members report and talk about most first, with their counts, then the others."""
    form = TreatmentSearchForm(request.GET)
    query, number = "", 1
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        number = form.cleaned_data["page"] or 1
    page = vocabulary.treatment_search(query, number)
    counted = any(treatment.activity for treatment in page.object_list)
    context = {
        "query": query,
        "page": page,
        "demo": counted and membership_demo_exists(),
        "min_reports": settings.TREATMENT_MIN_REPORTS,
    }
    return render(request, "treatments/treatment_list.html", context)


@require_safe
@cache_for_anonymous
def treatment_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One treatment: its names and ids, the answers that mention it, the diseases it is
    reported for (where there are enough reports to show)."""
    treatment = vocabulary.treatment_get(slug)
    mentions = vocabulary.treatment_mention_list(treatment)
    names = treatment.names.all()
    context = {
        "treatment": treatment,
        "brands": [n for n in names if n.kind == TreatmentName.Kind.BRAND],
        "synonyms": [n for n in names if n.kind == TreatmentName.Kind.SYNONYM],
        "mention_count": mentions.count(),
        "mentions": list(mentions[: vocabulary.MENTION_LIMIT]),
        "diseases": list(vocabulary.treatment_disease_list(treatment)),
    }
    return render(request, "treatments/treatment_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(PROPOSALS)
def treatment_propose(request: HttpRequest) -> HttpResponse:
    form = ProposeTreatmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            vocabulary.treatment_propose(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Thank you. A moderator will review the treatment before it appears.")
            )
            return redirect("treatments:treatment-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "treatments/treatment_propose.html", {"form": form}, status=status)


@moderator_only
@require_safe
def treatment_proposed(request: HttpRequest) -> HttpResponse:
    """Proposals waiting for a moderator."""
    proposals = vocabulary.treatment_proposal_list()
    return render(request, "treatments/treatment_proposed.html", {"proposals": proposals})


REVIEW_ACTIONS = {
    "approve": (vocabulary.treatment_approve, gettext_lazy("“%(name)s” is in the list now.")),
    "reject": (vocabulary.treatment_reject, gettext_lazy("“%(name)s” is rejected.")),
}


@moderator_only
@require_POST
@throttled(REVIEWS)
def treatment_review(request: HttpRequest, treatment_id: int, action: str) -> HttpResponse:
    treatment = get_object_or_404(
        Treatment, pk=treatment_id, status__in=[TreatmentStatus.PENDING, TreatmentStatus.REJECTED]
    )
    service, done = REVIEW_ACTIONS[action]
    try:
        service(treatment=treatment)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done % {"name": treatment.name})
    return redirect("treatments:treatment-proposed")
