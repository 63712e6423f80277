"""Rendered catalog fragments: the parts of disease and question pages that only an import
changes, rendered once per import and language and kept in the cache."""

from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language

from raremap.catalog import selectors
from raremap.catalog.models import Disease


@dataclass(frozen=True)
class CatalogPart:
    """What a disease page shows from the catalog, rendered: it changes only with an import."""

    disease: Disease  # without its related rows
    header_html: str
    symptoms_html: str
    generation: int  # the import it was rendered from: part of the keys of pages showing it


def disease_part(slug: str) -> CatalogPart:
    """Render a disease's names, codes and symptoms once per import and language.

    Template rendering is most of a page's time (docs/architecture.md); this part is the same
    for every visitor, so it is kept rendered in the cache beside the catalog reads.
    """
    generation = selectors.catalog_generation()
    key = f"catalog:{generation}:part:{get_language()}:{slug}"
    part = cache.get(key)
    if part is None:
        disease = selectors.disease_get(slug)
        context = {
            "disease": disease,
            "codes": list(disease.codes.all()),
            "names": list(disease.names.all()),
            "bands": selectors.disease_phenotype_bands(disease),
            "sources": {s.key: s for s in selectors.catalog_source_list()},
        }
        # Without its prefetched names and codes: the page needs only the row.
        plain = Disease(
            **{f.attname: getattr(disease, f.attname) for f in Disease._meta.concrete_fields}
        )
        part = CatalogPart(
            disease=plain,
            header_html=render_to_string("catalog/_disease_header.html", context),
            symptoms_html=render_to_string("catalog/_disease_symptoms.html", context),
            generation=generation,
        )
        cache.set(key, part, selectors.CATALOG_CACHE_SECONDS)
    return part
