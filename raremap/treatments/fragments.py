"""A disease's treatments page, rendered once per ranking version and kept in the cache
(raremap.core.shell): the same for everyone but for the header and a member's link to their
own reports."""

from django.http import HttpRequest
from django.utils.translation import get_language

from raremap.catalog.models import Disease
from raremap.communities.selectors import membership_role_counts
from raremap.core.shell import KEPT_SECONDS, Filler, KeptPage, Viewer, keep, render_kept
from raremap.treatments import selectors


def treatments_page(request: HttpRequest, disease: Disease) -> KeptPage:
    """The page as an anonymous visitor sees it, kept until the disease's rankings are
    recomputed (a treatment approved or withdrawn between recomputes shows within
    KEPT_SECONDS, as do member counts)."""
    language = get_language()
    version = selectors.ranking_version(disease)
    # "page2": kept with the end of its shared entry (raremap.core.cache.ProcessCopies).
    key = f"treatments:page2:{disease.pk}:{version}:{language}"

    def render() -> tuple[str, None]:
        context = {
            "disease": disease,
            "page": selectors.ranking_page(disease),
            "demo": membership_role_counts(disease)["demo"],
        }
        return render_kept("treatments/disease_treatments.html", context, request), None

    return keep(key, KEPT_SECONDS, render)


def member_fillers(viewer: Viewer, disease: Disease) -> dict[str, Filler]:
    request = viewer.request
    language = get_language()
    return {
        "mine": lambda _argument, _anonymous: viewer.fragment(
            "treatments/_mine.html",
            (language, disease.slug),
            lambda: {"request": request, "LANGUAGE_CODE": language, "disease": disease},
        )
    }
