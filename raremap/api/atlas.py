"""Map endpoints: a disease map's public aggregate, and for members of its community (token)
the published places with their counts and the people shown in a place.

The same rules as the pages (docs/map.md): only published places, every count 0 or at least
k, no coordinates of members and no endpoint that takes coordinates. The aggregate is the same
for every visitor: a public read, kept by the anonymous page cache like the others.
"""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import Throttled

from raremap.accounts.models import User
from raremap.api.auth import token_auth
from raremap.api.decorators import public_read
from raremap.api.schemas import ErrorOut
from raremap.atlas import selectors
from raremap.atlas.models import Place, Precision
from raremap.atlas.selectors import PEOPLE_PAGES
from raremap.catalog.models import Disease
from raremap.catalog.selectors import disease_get
from raremap.communities.models import Role
from raremap.communities.selectors import membership_get
from raremap.core.throttle import throttle_hit

router = Router(tags=["maps"])


class RoleCountOut(Schema):
    role: str = Field(description='A role key, or "other" for roles joined to stay above k.')
    count: int


class CountryCountOut(Schema):
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    count: int


class MapAggregateOut(Schema):
    k: int = Field(description="Counts below k are never shown.")
    total: int = Field(description="Members shown on the map.")
    demo: bool = Field(description="Whether fictional demo members are among them.")
    updated_at: str | None
    roles: list[RoleCountOut]
    countries: list[CountryCountOut]


class PlaceOut(Schema):
    id: int
    kind: str
    name: str
    label: str
    country: str


class MapPlaceOut(Schema):
    place: PlaceOut
    count: int


class PersonOut(Schema):
    display_name: str
    role: str
    shown_at: PlaceOut
    demo: bool


class PeopleOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PersonOut]


class PeopleParams(Schema):
    place: int
    role: str | None = Field(None, description="A role key to filter by.")
    page: int = Field(1, ge=1, le=10_000)


def _place_out(place: Place) -> PlaceOut:
    return PlaceOut(
        id=place.pk,
        kind=Precision(place.kind).name.lower(),
        name=place.name,
        label=selectors.place_label(place),
        country=place.country_code,
    )


def _disease(slug: str) -> Disease:
    try:
        return disease_get(slug)
    except Disease.DoesNotExist as error:
        raise Http404 from error


def _disease_id(slug: str) -> int:
    disease_id = Disease.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if disease_id is None:
        raise Http404
    return disease_id


def _member_disease(request: HttpRequest, slug: str) -> Disease:
    disease = _disease(slug)
    if membership_get(request.auth, disease) is None:  # type: ignore[attr-defined]
        raise Http404  # not a member of this community: the map's places are not for you
    return disease


@router.get(
    "/diseases/{slug:slug}/map",
    response={200: MapAggregateOut, 404: ErrorOut},
    summary="A disease map's counts (public)",
)
@decorate_view(public_read)
def map_aggregate(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(
        selectors.aggregate_json(_disease_id(slug)), content_type="application/json"
    )


@router.get(
    "/diseases/{slug:slug}/map/places",
    response={200: list[MapPlaceOut], 401: ErrorOut, 404: ErrorOut},
    auth=token_auth,
    summary="Published places of one country on a map, with counts (members)",
)
def map_places(request: HttpRequest, slug: str, country: str) -> list[MapPlaceOut]:
    disease = _member_disease(request, slug)
    cells = selectors.map_cells(disease, country.upper()[:2])
    return [MapPlaceOut(place=_place_out(place), count=n) for place, n in cells]


@router.get(
    "/diseases/{slug:slug}/people",
    response={200: PeopleOut, 401: ErrorOut, 404: ErrorOut},
    auth=token_auth,
    summary="Members shown in a place or inside it (members)",
)
def people(request: HttpRequest, slug: str, params: Query[PeopleParams]) -> PeopleOut:
    disease = _member_disease(request, slug)
    user: User = request.auth  # type: ignore[attr-defined]
    retry = throttle_hit(PEOPLE_PAGES, f"user:{user.pk}")  # the pages' limit, shared
    if retry:
        raise Throttled(wait=retry)
    place = Place.objects.select_related("parent__parent").filter(pk=params.place).first()
    if place is None:
        raise Http404
    role = params.role if params.role in Role.values else None
    page = selectors.people_page(disease, place, role=role, number=params.page, viewer=user)
    return PeopleOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        results=[
            PersonOut(
                display_name=entry.membership.user.display_name,
                role=entry.membership.role,
                shown_at=_place_out(entry.published_place),
                demo=entry.membership.user.is_demo,
            )
            for entry in page.object_list
        ],
    )
