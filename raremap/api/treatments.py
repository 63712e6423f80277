"""Treatment endpoints: the vocabulary, a disease's treatment ranking and the treatments its
community answers mention.

All reads, public and cacheable for anonymous visitors. Only approved treatments appear (a
proposed or rejected one is a 404 and absent from every list). Ranking numbers follow the
min-count rule of raremap.treatments.export, the same as the open data files: a treatment
reported by fewer than settings.TREATMENT_MIN_REPORTS members for a disease is listed with
`"statistics": null` and no rank, after the ranked ones, by name (its score is not used even
to order it). Mentions count published answers on published questions only, and never a
negated mention ("I did not try imatinib").
"""

from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.decorators import decorate_view

from raremap.api.decorators import public_read
from raremap.api.schemas import (
    MENTION_ANSWER_IDS,
    SEARCH_MAX_OFFSET,
    ErrorOut,
    MentionListOut,
    PageParams,
    RankingListOut,
    TreatmentOut,
    TreatmentSearchOut,
    TreatmentSearchParams,
)
from raremap.catalog.models import Disease
from raremap.catalog.selectors import disease_get
from raremap.questions.models import Status
from raremap.treatments.export import min_reports, statistics
from raremap.treatments.models import Treatment, TreatmentMention, TreatmentName, TreatmentRanking
from raremap.treatments.selectors import shown_filter
from raremap.treatments.vocabulary import normalize_name

router = Router(tags=["treatments"])

APPROVED = Treatment.Status.APPROVED


def _next(request: HttpRequest, total: int, limit: int, offset: int, **extra: str) -> str | None:
    following = offset + limit
    if following >= total or following > SEARCH_MAX_OFFSET:
        return None
    return f"{request.path}?{urlencode({**extra, 'limit': limit, 'offset': following})}"


def _ref(treatment: Treatment) -> dict[str, str]:
    return {"slug": treatment.slug, "name": treatment.name, "kind": treatment.kind}


def notice() -> str:
    return _(
        "Patient reports, not trial evidence: who reports is self-selected and nothing is "
        "verified. Ask your care team before changing a treatment."
    )


# --- the vocabulary -------------------------------------------------------------------------


@router.get(
    "/treatments",
    response={200: TreatmentSearchOut, 422: ErrorOut},
    operation_id="treatment_list",
    url_name="treatment-list",
    summary="Search treatments",
)
@decorate_view(public_read)
def treatment_list(request: HttpRequest, params: Query[TreatmentSearchParams]) -> dict[str, Any]:
    """Approved treatments whose name, brand name or synonym starts with the query, names that
    start with it first, then by name; all of them, by name, without a query."""
    treatments = Treatment.objects.filter(status=APPROVED)
    query = params.q
    if query:
        prefix = normalize_name(query)
        names = TreatmentName.objects.filter(normalized__startswith=prefix)
        treatments = treatments.filter(
            Q(name__istartswith=prefix) | Exists(names.filter(treatment=OuterRef("pk")))
        ).annotate(
            other_name=Case(
                When(name__istartswith=prefix, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        treatments = treatments.prefetch_related(
            Prefetch("names", queryset=names.order_by("name"), to_attr="matched")
        ).order_by("other_name", "name", "pk")
    else:
        treatments = treatments.order_by("name", "pk")
    total = treatments.count()
    page = treatments[params.offset : params.offset + params.limit]
    results = []
    for treatment in page:
        matched = None
        if query and treatment.other_name:  # type: ignore[attr-defined]
            matched = treatment.matched[0].name if treatment.matched else None  # type: ignore[attr-defined]
        results.append({**_ref(treatment), "matched_name": matched})
    return {
        "query": query,
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "next": _next(request, total, params.limit, params.offset, q=query),
        "results": results,
    }


@router.get(
    "/treatments/{slug:slug}",
    response={200: TreatmentOut, 404: ErrorOut},
    operation_id="treatment_get",
    url_name="treatment-detail",
    summary="Get a treatment",
)
@decorate_view(public_read)
def treatment_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """An approved treatment with its names, identifiers and how many answers mention it."""
    kinds = Case(
        *(When(kind=kind, then=Value(order)) for order, kind in enumerate(TreatmentName.Kind)),
        output_field=IntegerField(),
    )
    treatment = (
        Treatment.objects.filter(slug=slug, status=APPROVED)
        .prefetch_related(
            Prefetch("names", queryset=TreatmentName.objects.order_by(kinds, "name", "pk"))
        )
        .first()
    )
    if treatment is None:
        raise Http404("No such treatment")
    mentions = TreatmentMention.objects.filter(
        treatment=treatment,
        negated=False,
        answer__status=Status.PUBLISHED,
        answer__question__status=Status.PUBLISHED,
    ).count()
    return {
        **_ref(treatment),
        "source": treatment.source,
        "ids": {
            "drugbank": treatment.drugbank_id or None,
            "mesh": treatment.mesh_id or None,
            "medlineplus": treatment.medlineplus_id or None,
        },
        "names": [{"name": n.name, "kind": n.kind} for n in treatment.names.all()],
        "mentions": {"answers": mentions},
    }


# --- a disease's treatments -----------------------------------------------------------------


@router.get(
    "/diseases/{slug:slug}/treatments",
    response={200: RankingListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="ranking_list",
    url_name="ranking-list",
    summary="List a disease's treatment ranking",
)
@decorate_view(public_read)
def ranking_list(request: HttpRequest, slug: str, params: Query[PageParams]) -> dict[str, Any]:
    """The treatments members reported for the disease: those with enough reports ranked by
    score with their statistics, then the others by name, without any numbers."""
    disease = disease_get(slug)
    rankings = TreatmentRanking.objects.filter(disease=disease, treatment__status=APPROVED)
    counts = rankings.aggregate(total=Count("pk"), ranked=Count("pk", filter=shown_filter()))
    shown = Case(When(shown_filter(), then=Value(0)), default=Value(1), output_field=IntegerField())
    # Below the minimum the score must not order anything: it would leak through the order.
    score = Case(
        When(shown_filter(), then=F("score")), default=Value(0.0), output_field=FloatField()
    )
    page = (
        rankings.select_related("treatment")
        .annotate(hidden=shown)
        .order_by("hidden", score.desc(), "treatment__name", "treatment_id")[
            params.offset : params.offset + params.limit
        ]
    )
    results = []
    for position, ranking in enumerate(page, start=params.offset + 1):
        visible = not ranking.hidden
        results.append(
            {
                "rank": position if visible else None,
                "treatment": _ref(ranking.treatment),
                "statistics": statistics(ranking) if visible else None,
            }
        )
    return {
        "disease": disease.slug,
        "min_reports": min_reports(),
        "notice": notice(),
        "total": counts["total"],
        "ranked": counts["ranked"],
        "limit": params.limit,
        "offset": params.offset,
        "next": _next(request, counts["total"], params.limit, params.offset),
        "results": results,
    }


def _mentions(disease: Disease) -> Any:
    return TreatmentMention.objects.filter(
        negated=False,
        treatment__status=APPROVED,
        answer__status=Status.PUBLISHED,
        answer__question__status=Status.PUBLISHED,
        answer__question__disease=disease,
    )


@router.get(
    "/diseases/{slug:slug}/treatments/mentions",
    response={200: MentionListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="mention_list",
    url_name="mention-list",
    summary="List the treatments a disease's answers mention",
)
@decorate_view(public_read)
def mention_list(request: HttpRequest, slug: str, params: Query[PageParams]) -> dict[str, Any]:
    """Treatments named in the published answers about the disease, most mentioned first, with
    the newest of those answers."""
    disease = disease_get(slug)
    mentions = _mentions(disease)
    total = mentions.values("treatment_id").distinct().count()
    page = list(
        mentions.values("treatment_id", "treatment__slug", "treatment__name", "treatment__kind")
        .annotate(answers=Count("answer_id"))
        .order_by("-answers", "treatment__name", "treatment_id")[
            params.offset : params.offset + params.limit
        ]
    )
    answer_ids: dict[int, list[int]] = {row["treatment_id"]: [] for row in page}
    if page:
        newest = Window(RowNumber(), partition_by=F("treatment_id"), order_by=F("answer_id").desc())
        pairs = (
            mentions.filter(treatment_id__in=answer_ids)
            .annotate(row=newest)
            .filter(row__lte=MENTION_ANSWER_IDS)
            .order_by("treatment_id", "-answer_id")
            .values_list("treatment_id", "answer_id")
        )
        for treatment_id, answer_id in pairs:
            answer_ids[treatment_id].append(answer_id)
    results = [
        {
            "treatment": {
                "slug": row["treatment__slug"],
                "name": row["treatment__name"],
                "kind": row["treatment__kind"],
            },
            "answers": row["answers"],
            "answer_ids": answer_ids[row["treatment_id"]],
        }
        for row in page
    ]
    return {
        "disease": disease.slug,
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "next": _next(request, total, params.limit, params.offset),
        "results": results,
    }
