"""Map pages: the map of a disease, opting in and out, people in a place, the privacy page, and
the place search that the opt-in form uses."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from raremap.accounts.fragments import page_fillers
from raremap.atlas import fragments, selectors, services
from raremap.atlas.forms import MapJoinForm
from raremap.atlas.models import Place, Precision
from raremap.atlas.selectors import PEOPLE_PAGES
from raremap.catalog.fragments import disease_part
from raremap.communities.models import Role
from raremap.communities.selectors import mark_role_standing, membership_get
from raremap.core.decorators import cache_for_anonymous
from raremap.core.shell import Viewer
from raremap.core.throttle import Limit, throttled

MAP_WRITES = Limit("map-write", 20, 60 * 60)


@require_safe
@cache_for_anonymous
def disease_map(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone sees the published counts by country; members of the community also see the
    published places (markers) and who is there."""
    disease = disease_part(slug).disease
    membership = membership_get(request.user, disease)
    summary = selectors.map_summary(disease)
    country = request.GET.get("country", "").upper() if membership else ""
    if country and country not in {code for code, _name, _n in summary.countries}:
        raise Http404
    page = fragments.map_page(
        request, disease, summary, country=country, members=membership is not None
    )
    viewer = Viewer(request)
    fillers = page_fillers(viewer)
    if request.user.is_authenticated:
        fillers |= fragments.member_fillers(viewer, disease, summary, membership)
    return HttpResponse(page.fill(fillers))


@login_required
@require_http_methods(["GET", "POST"])
@throttled(MAP_WRITES, methods=("POST",))
def map_join(request: HttpRequest, slug: str) -> HttpResponse:
    """Opt in to a disease's map (consent, place, precision), or change place or precision.

    "Find" only searches places: with htmx it fetches the choices (place_search); without
    JavaScript it posts the form, which comes back with the places found and everything the
    member entered, unvalidated (no error for what they have not finished)."""
    disease = disease_part(slug).disease
    membership = membership_get(request.user, disease)
    if membership is None:
        messages.error(request, _("Join the community before you put yourself on its map."))
        return redirect("catalog:disease-detail", disease.slug)
    entry = selectors.map_entry_get(membership)
    needs_consent = entry is None
    data = request.POST if request.method == "POST" else None
    form = MapJoinForm(data, needs_consent=needs_consent, initial=_initial(entry))
    finding = data is not None and "find" in data
    if finding:
        form = MapJoinForm(None, needs_consent=needs_consent, initial=_entered(form, entry))
    elif data is not None and form.is_valid():
        try:
            entry = services.map_join(
                user=request.user,
                disease=disease,
                place=form.cleaned_data["place"],
                precision=int(form.cleaned_data["precision"]),
                consent=form.cleaned_data.get("consent", True),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if entry.published_place is None:
                messages.success(
                    request,
                    _(
                        "You are on the map. You will be shown once enough members "
                        "near you have joined."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("You are on the map as %(place)s.")
                    % {"place": selectors.place_label(entry.published_place)},
                )
            return redirect("atlas:map", disease.slug)
    query = (data.get("q") or "").strip()[:200] if data is not None else ""
    chosen = form.initial.get("place")
    needed = 0 if entry else services.answers_needed_to_join(request.user)
    context = {
        "disease": disease,
        "form": form,
        "entry": entry,
        "query": query,
        "choices": selectors.place_choices(query, limit=PLACE_CHOICES) if query else [],
        "chosen": chosen,
        "chosen_label": selectors.place_label(chosen) if chosen else "",
        "consent_version": services.CONSENT_VERSION,
        "k": selectors.snapshot_get(disease.pk)["k"],
        "rule": services.join_rule_text(needed) if needed else "",
    }
    return render(request, "atlas/join.html", context, status=400 if form.errors else 200)


def _entered(posted: MapJoinForm, entry: object) -> dict:
    """What the member entered, as the initial values of the form shown again after "Find":
    each field that is valid on its own (a place they chose, the precision, the consent box)."""
    posted.is_valid()
    initial = _initial(entry)
    initial.update(
        {name: value for name, value in posted.cleaned_data.items() if value is not None}
    )
    return initial


def _initial(entry: object) -> dict:
    if entry is None:
        return {"precision": Precision.CITY}
    return {"place": entry.place, "precision": entry.place.kind}


@login_required
@require_POST
@throttled(MAP_WRITES)
def map_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    disease = disease_part(slug).disease
    if services.map_withdraw(user=request.user, disease=disease):
        messages.success(
            request,
            _("You are no longer on the map of %(name)s.")
            % {"name": disease.local_name(get_language() or "en") or disease.name},
        )
    return redirect("atlas:map", disease.slug)


@login_required
@require_safe
@throttled(PEOPLE_PAGES, methods=("GET", "HEAD"))
def people(request: HttpRequest, slug: str) -> HttpResponse:
    """Members of the community shown in a place (or inside it), for members of the
    community only; by published place, never by distance.

    Without a place (an address typed or cut short) the map is where one is chosen: it is
    public, so sending anyone there shows nothing they could not see."""
    disease = disease_part(slug).disease
    membership = membership_get(request.user, disease)
    if not request.GET.get("place"):
        if membership is not None:
            messages.info(
                request, _("To see who is in a place, choose a country on the map, then a place.")
            )
        return redirect("atlas:map", disease.slug)
    if membership is None:
        raise Http404
    try:
        place = get_object_or_404(Place, pk=int(request.GET.get("place", "")))
    except ValueError as error:
        raise Http404 from error
    role = request.GET.get("role", "")
    if role and role not in Role.values:
        role = ""
    page = selectors.people_page(
        disease, place, role=role or None, number=request.GET.get("page", 1), viewer=request.user
    )
    context = {
        "disease": disease,
        "place": place,
        "place_name": selectors.place_label(place),
        "page": page,
        "people": [
            (entry, selectors.place_label(entry.published_place)) for entry in page.object_list
        ],
        "standings": {
            m.pk: m.role_standing  # type: ignore[attr-defined]
            for m in mark_role_standing([entry.membership for entry in page.object_list])
        },
        "role": role,
        "roles": Role.choices,
    }
    return render(request, "atlas/people.html", context)


@login_required
@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """What others see of the member: on each map, in people lists, on their profile."""
    entries = selectors.map_entries_for_user(request.user)
    context = {
        "entries": [
            (
                entry,
                selectors.place_label(entry.place),
                selectors.place_label(entry.published_place) if entry.published_place else "",
            )
            for entry in entries
        ],
        "k": settings.MAP_K,
        "established_days": settings.MAP_ESTABLISHED_DAYS,
    }
    return render(request, "atlas/privacy.html", context)


# Gazetteer ---------------------------------------------------------------------------------

PLACE_CHOICES = 10
# About one look-up per keystroke while typing; a scraper needs thousands.
PLACE_SEARCH = Limit("place-search", 60, 60)
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


@require_safe
@throttled(PLACE_SEARCH, methods=("GET", "HEAD"))
def place_search(request: HttpRequest) -> HttpResponse:
    """The place autocomplete: radio buttons named `field` (default "place") for the places
    matching `q`, the one the member had checked (sent as `field`) still checked, so that a
    late answer (typing, then Find) does not take their choice away. htmx gets the fragment;
    called directly, a small page with a search form and the same list (forms that embed the
    picker render the fragment themselves)."""
    query = request.GET.get("q", "")[:200]
    field = request.GET.get("field", "place")
    field = field if _FIELD_NAME.fullmatch(field) else "place"
    chosen = request.GET.get(field, "")
    context = {
        "query": query.strip(),
        "field": field,
        "choices": selectors.place_choices(query, limit=PLACE_CHOICES),
        "chosen_pk": int(chosen) if chosen.isdigit() else None,
    }
    template = "atlas/_place_choices.html"
    if "HX-Request" not in request.headers:
        template = "atlas/place_search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
