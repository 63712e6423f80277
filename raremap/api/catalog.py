"""Catalog endpoints: disease search and the disease record, from the pages' own selectors."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router
from ninja.decorators import decorate_view

from raremap.api.decorators import public_read
from raremap.api.schemas import (
    SEARCH_MAX_OFFSET,
    DiseaseOut,
    DiseaseSearchOut,
    ErrorOut,
    SearchParams,
)
from raremap.catalog import selectors
from raremap.catalog.models import Disease, DiseasePhenotype
from raremap.communities.selectors import membership_role_counts

router = Router(tags=["catalog"])


def _page_url(disease: Disease) -> str:
    return reverse("catalog:disease-detail", kwargs={"slug": disease.slug})


@router.get(
    "/search",
    response={200: DiseaseSearchOut, 422: ErrorOut},
    operation_id="disease_search",
    url_name="disease-search",
    summary="Search diseases",
)
@decorate_view(public_read)
def disease_search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Diseases by name, synonym, abbreviation or code, best first; typos are corrected."""
    result = selectors.disease_search(params.q, limit=params.limit, offset=params.offset)
    next_offset = params.offset + params.limit
    next_url = None
    if next_offset < result.total and next_offset <= SEARCH_MAX_OFFSET:
        query = urlencode({"q": result.query, "limit": params.limit, "offset": next_offset})
        next_url = f"{request.path}?{query}"
    return {
        "query": result.query,
        "corrected_query": result.corrected_query or None,
        "total": result.total,
        "capped": result.capped,
        "limit": params.limit,
        "offset": params.offset,
        "next": next_url,
        "results": [
            {
                "slug": hit.disease.slug,
                "name": hit.disease.name,
                "title": hit.disease.title,
                "kind": hit.disease.kind,
                "primary_code": hit.disease.primary_code,
                "matched_name": hit.matched_name or None,
                "url": _page_url(hit.disease),
            }
            for hit in result.hits
        ],
    }


@router.get(
    "/{slug:slug}",
    response={200: DiseaseOut, 404: ErrorOut},
    operation_id="disease_get",
    url_name="disease-detail",
    summary="Get a disease",
)
@decorate_view(public_read)
def disease_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A disease with its other names, codes, phenotypes and member counts."""
    disease = selectors.disease_get(slug)
    counts = membership_role_counts(disease)
    return {
        "slug": disease.slug,
        "name": disease.name,
        "title": disease.title,
        "kind": disease.kind,
        "primary_code": disease.primary_code,
        "group_label": disease.group_label or None,
        "abbreviation": disease.abbreviation or None,
        "is_obsolete": disease.is_obsolete,
        "names": [{"name": n.name, "kind": n.kind} for n in disease.names.all()],
        "codes": [
            {
                "system": c.system,
                "code": c.code,
                "label": c.label or None,
                "url": c.url,
            }
            for c in disease.codes.all()
        ],
        "phenotypes": [
            {
                "hpo_id": p.term.hpo_id,
                "name": p.term.name,
                "frequency": DiseasePhenotype.Frequency(p.frequency).name.lower(),
                "frequency_label": str(p.get_frequency_display()),
            }
            for p in disease.phenotypes.all()
        ],
        "members": {
            "total": counts["total"],
            "demo": counts["demo"],
            "by_role": {row["role"]: row["count"] for row in counts["roles"]},
        },
        "url": _page_url(disease),
    }
