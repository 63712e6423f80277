"""Rendered catalog fragments: the parts of disease and question pages that only an import
changes, rendered once per import and language and kept in the cache."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.translation import get_language

from raremap.catalog import selectors, seo
from raremap.catalog.models import Disease
from raremap.core.cache import ProcessCopies


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
    part = CatalogPart(
        disease=plain,
        header_html=render_to_string("catalog/_disease_header.html", context),
        symptoms_html=render_to_string("catalog/_disease_symptoms.html", context),
        generation=generation,
        head_html=render_to_string("catalog/_disease_head.html", context),
        symptoms=tuple(symptoms),
    )
    return part


def _size(part: CatalogPart) -> int:
    return len(part.header_html) + len(part.symptoms_html) + len(part.head_html)
