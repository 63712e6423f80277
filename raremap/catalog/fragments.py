"""Rendered catalog fragments: the parts of disease and question pages that only an import
changes, rendered once per import and language and kept in the cache; and the disease page,
kept as an anonymous visitor sees it (raremap.core.shell) and completed per member."""

import hashlib
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from raremap.catalog import selectors, seo
from raremap.catalog.models import Disease
from raremap.communities.forms import JoinForm
from raremap.communities.models import Membership
from raremap.core.cache import ProcessCopies
from raremap.core.shell import KEPT_SECONDS, Filler, KeptPage, Viewer, keep, render_kept


@dataclass(frozen=True)
class CatalogPart:
    """What a disease page shows from the catalog, rendered: it changes only with an import."""

    disease: Disease  # without its related rows
    header_html: str
    symptoms_html: str
    generation: int  # the import it was rendered from: part of the keys of pages showing it
    # The head of the disease page: its description and structured data (raremap.catalog.seo).
    head_html: str
    # The symptoms the page lists, most frequent first (descriptions, "has content" rules).
    symptoms: tuple[str, ...]


# Each process copies the parts it read (raremap.core.cache.ProcessCopies): a part's key holds
# the import it was rendered from. 2,000 parts of 64 KB at most (a part is about 5 KB). The
# part's disease is shared by the requests that read it: it is read, never changed.
_copies: ProcessCopies[CatalogPart] = ProcessCopies(entries=2000, largest=64 * 1024)


def disease_part(slug: str) -> CatalogPart:
    """Render a disease's names, codes and symptoms once per import and language.

    Template rendering is most of a page's time (docs/architecture.md); this part is the same
    for every visitor, so it is kept rendered in the cache beside the catalog reads.
    """
    generation = selectors.catalog_generation()
    # "part4": kept with the end of its shared entry (parts kept before are not read back).
    key = f"catalog:{generation}:part4:{get_language()}:{slug}"
    return _copies.read(
        key, selectors.CATALOG_CACHE_SECONDS, lambda: _disease_part(slug, generation), _size
    )


def _disease_part(slug: str, generation: int) -> CatalogPart:
    disease = selectors.disease_get(slug)
    bands = selectors.disease_phenotype_bands(disease)
    symptoms = [term for band in bands for term in band.terms]
    context = {
        "disease": disease,
        "codes": list(disease.codes.all()),
        "names": list(disease.names.all()),
        "bands": bands,
        "sources": {s.key: s for s in selectors.catalog_source_list()},
        "described_symptoms": symptoms[: seo.DESCRIBED_SYMPTOMS],
    }
    context["structured_data"] = seo.medical_condition(
        disease=disease, names=context["names"], codes=context["codes"], symptoms=symptoms
    )
    # Without its prefetched names and codes: the page needs only the row.
    plain = Disease(
        **{f.attname: getattr(disease, f.attname) for f in Disease._meta.concrete_fields}
    )
    return CatalogPart(
        disease=plain,
        header_html=render_to_string("catalog/_disease_header.html", context),
        symptoms_html=render_to_string("catalog/_disease_symptoms.html", context),
        generation=generation,
        head_html=render_to_string("catalog/_disease_head.html", context),
        symptoms=tuple(symptoms),
    )


def _size(part: CatalogPart) -> int:
    return len(part.header_html) + len(part.symptoms_html) + len(part.head_html)


# --- the disease page, kept (raremap.core.shell) ------------------------------------------------


def disease_page(
    request: HttpRequest, part: CatalogPart, *, counts: dict, questions: list
) -> KeptPage:
    """The disease page as an anonymous visitor sees it, kept until the catalog (an import),
    the community's counts or its questions' counts change: all in its key. `counts` and
    `questions` are what the communities and questions selectors read for the page."""
    disease = part.disease
    shown = (counts, [(q.slug, q.answer_count) for q in questions])
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=8).hexdigest()
    language = get_language()
    key = f"catalog:page:{disease.pk}:{part.generation}:{digest}:{language}"

    def render() -> tuple[str, None]:
        context = {
            "disease": disease,
            "catalog": part,
            "counts": counts,
            "questions": questions,
            "membership": None,
            "logged_in": False,
        }
        return render_kept("catalog/disease_detail.html", context, request), None

    return keep(key, KEPT_SECONDS, render)


def member_fillers(
    viewer: Viewer, disease: Disease, membership: Membership | None
) -> dict[str, Filler]:
    """A member's part of the disease page: the community card's join form, or their role
    with the forms to change it or to leave."""
    language = get_language()
    role = membership.role if membership else None

    def community(_argument: str, _anonymous: str) -> str:
        return viewer.fragment(
            "catalog/_community_join.html",
            (language, disease.slug, role),
            lambda: {
                "LANGUAGE_CODE": language,
                "disease": disease,
                "membership": membership,
                "logged_in": True,
                "join_form": JoinForm(initial={"role": role}),
            },
        )

    return {"community": community}
