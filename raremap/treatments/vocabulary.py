"""The treatment vocabulary: the import (drugs from drug-named-entity-recognition plus our
curated procedures, therapies, supplements and lifestyle measures), members' proposals and
their review, and the reads behind the treatment pages.

Every name is stored with its `normalize_name` form, the one definition of a "word" that the
catalog, the search box and the mention finder (mentions.py) share.
"""

import bz2
import csv
import pickle
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.catalog.normalize import normalize as normalize_name
from raremap.core.text import count_links
from raremap.questions.models import Status
from raremap.treatments.models import (
    Treatment,
    TreatmentKind,
    TreatmentMention,
    TreatmentName,
    TreatmentRanking,
    TreatmentStatus,
)

__all__ = ["normalize_name"]

PACKAGE = "drug-named-entity-recognition"
PACKAGE_DATA = "drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2"
CURATED = "curated"
MEMBER = "member"
CURATED_FILE = Path(__file__).parent / "data" / "curated.csv"
NAME_MAX = 200  # TreatmentName.name and Treatment.name; longer chemical names are left out
PROPOSAL_MAX = 100
BATCH = 2000
PAGE_SIZE = 20
MENTION_LIMIT = 20  # answers listed on a treatment page (the count covers all of them)

NameKind = TreatmentName.Kind


# --- The import -----------------------------------------------------------------------------


@dataclass
class Entry:
    """One treatment as a source describes it; `key` (its normalised name) identifies it."""

    name: str
    kind: str
    source: str
    drugbank_id: str = ""
    mesh_id: str = ""
    medlineplus_id: str = ""
    # normalised name -> (the name as written, TreatmentName.Kind)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    def add_name(self, name: str, kind: str) -> None:
        normalized = normalize_name(name)
        if normalized and len(name) <= NAME_MAX and normalized not in self.names:
            self.names[normalized] = (name, kind)

    def absorb(self, other: "Entry") -> None:
        """Take over another entry's ids (where missing) and names (its name as a synonym)."""
        for attr in ("drugbank_id", "mesh_id", "medlineplus_id"):
            if not getattr(self, attr):
                setattr(self, attr, getattr(other, attr))
        for name, kind in other.names.values():
            self.add_name(name, NameKind.SYNONYM if kind == NameKind.GENERIC else kind)


def package_version() -> str:
    return metadata.version(PACKAGE)


def _package_data() -> dict:
    """The package's bundled dictionary, read as a file: importing the package would also read
    a pickle cache from the home directory, and its helpers reach the network."""
    path = Path(str(metadata.distribution(PACKAGE).locate_file(PACKAGE_DATA)))
    with bz2.open(path, "rb") as handle:
        # A data file shipped inside a pinned dependency, not user input.
        return pickle.load(handle)  # noqa: S301


def _id(value: object, limit: int) -> str:
    text = str(value or "").strip()
    return text if len(text) <= limit else ""


def package_entries(data: dict | None = None) -> list[Entry]:
    """Drugs from drug-named-entity-recognition: the generic name, brand names (only ~140 are
    marked as brands in 2.0.9; other names are synonyms), DrugBank, MeSH and MedlinePlus ids.
    Drugs whose names normalise alike (salts spelt two ways) become one entry."""
    data = data if data is not None else _package_data()
    canonical_data: dict[str, dict] = data["drug_canonical_to_data"]
    variant_data: dict[str, dict] = data["drug_variant_to_variant_data"]
    variants: dict[str, list[str]] = {}
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        for canonical in canonicals:
            variants.setdefault(canonical, []).append(variant)
    source = f"{PACKAGE} {package_version()}"
    entries: dict[str, Entry] = {}
    for canonical in sorted(set(canonical_data) | set(variants)):
        info = canonical_data.get(canonical, {})
        name = str(info.get("name") or "").strip()
        if not name:  # a few canonical names have no record: their own spelling, capitalised
            name = canonical.upper() if len(canonical) <= 4 else canonical.capitalize()
        if len(name) > NAME_MAX or not normalize_name(name):
            continue
        entry = Entry(
            name=name,
            kind=TreatmentKind.DRUG,
            source=source,
            drugbank_id=_id(info.get("drugbank_id"), 20),
            mesh_id=_id(info.get("mesh_id"), 20),
            medlineplus_id=_id(info.get("medline_plus_id"), 40),
        )
        entry.add_name(name, NameKind.GENERIC)
        for variant in variants.get(canonical, []):
            brand = variant_data.get(variant, {}).get("is_brand")
            entry.add_name(variant, NameKind.BRAND if brand else NameKind.SYNONYM)
        for synonym in info.get("synonyms") or []:
            entry.add_name(synonym, NameKind.SYNONYM)
        if entry.key in entries:
            entries[entry.key].absorb(entry)
        else:
            entries[entry.key] = entry
    return list(entries.values())


def curated_entries(path: Path = CURATED_FILE) -> list[tuple[Entry, list[str]]]:
    """Our own list (data/curated.csv): each entry with the package names it takes over."""
    result = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entry = Entry(name=row["name"].strip(), kind=row["kind"].strip(), source=CURATED)
            if entry.kind not in TreatmentKind.values:
                raise ValueError(f"{path}: unknown kind {entry.kind!r} for {entry.name!r}")
            entry.add_name(entry.name, NameKind.GENERIC)
            for synonym in (row.get("synonyms") or "").split("|"):
                if synonym.strip():
                    entry.add_name(synonym.strip(), NameKind.SYNONYM)
            merge = [entry.key, normalize_name(row.get("merge_with") or "")]
            result.append((entry, [key for key in merge if key]))
    return result


def vocabulary_entries(
    drugs: Iterable[Entry] | None = None, curated: list[tuple[Entry, list[str]]] | None = None
) -> list[Entry]:
    """The whole vocabulary: package drugs, with curated entries taking over the drugs they
    name (curated "Iron" absorbs the package's "Iron": one treatment, kind supplement)."""
    by_key = {entry.key: entry for entry in (package_entries() if drugs is None else drugs)}
    for entry, merge_keys in curated_entries() if curated is None else curated:
        for key in merge_keys:
            if key in by_key:
                entry.absorb(by_key.pop(key))
        by_key[entry.key] = entry
    return list(by_key.values())


@dataclass(frozen=True)
class ImportResult:
    treatments: int  # in the import
    created: int
    updated: int
    names: int  # in the import
    names_added: int
    names_removed: int
    seconds: float


def _new_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:100].strip("-") or "treatment"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


FIELDS = ("name", "kind", "source", "drugbank_id", "mesh_id", "medlineplus_id")


def _sync_treatments(entries: list[Entry]) -> tuple[dict[str, int], int, int]:
    """Create or update one Treatment per entry; returns (key -> id, created, updated)."""
    rows = Treatment.objects.exclude(source=MEMBER).only("id", "slug", "status", *FIELDS)
    existing = {normalize_name(t.name): t for t in rows}
    # A member's proposal (pending or approved) for a name the sources now have is adopted.
    for t in Treatment.objects.filter(source=MEMBER).exclude(status=TreatmentStatus.REJECTED):
        existing.setdefault(normalize_name(t.name), t)
    taken = set(Treatment.objects.values_list("slug", flat=True))
    new, changed = [], []
    for entry in sorted(entries, key=lambda e: e.key):
        wanted = {name: getattr(entry, name) for name in FIELDS}
        treatment = existing.get(entry.key)
        if treatment is None:
            new.append(Treatment(slug=_new_slug(entry.name, taken), **wanted))
            continue
        if treatment.source == MEMBER:  # adopted: the sources vouch for it
            wanted["status"] = TreatmentStatus.APPROVED
        if any(getattr(treatment, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(treatment, name, value)
            changed.append(treatment)
    Treatment.objects.bulk_create(new, batch_size=BATCH)
    Treatment.objects.bulk_update(changed, [*FIELDS, "status"], batch_size=BATCH)
    ids = {key: t.pk for key, t in existing.items()}
    ids.update({normalize_name(t.name): t.pk for t in new})
    return ids, len(new), len(changed)


def _sync_names(entries: list[Entry], ids: dict[str, int]) -> tuple[int, int]:
    """Make each treatment's names exactly the entry's; returns (added, removed)."""
    wanted = {ids[e.key]: e.names for e in entries}
    have: dict[int, dict[str, tuple[int, str, str]]] = {}
    rows = TreatmentName.objects.values_list("id", "treatment_id", "normalized", "name", "kind")
    for pk, treatment_id, normalized, name, kind in rows.iterator(chunk_size=BATCH):
        if treatment_id in wanted:
            have.setdefault(treatment_id, {})[normalized] = (pk, name, kind)
    add, remove = [], []
    for treatment_id, names in wanted.items():
        current = have.get(treatment_id, {})
        for normalized, (pk, name, kind) in current.items():
            if names.get(normalized) != (name, kind):
                remove.append(pk)
        for normalized, (name, kind) in names.items():
            old = current.get(normalized)
            if old is None or (old[1], old[2]) != (name, kind):
                add.append(
                    TreatmentName(
                        treatment_id=treatment_id, name=name, normalized=normalized, kind=kind
                    )
                )
    for start in range(0, len(remove), 500):
        TreatmentName.objects.filter(pk__in=remove[start : start + 500]).delete()
    TreatmentName.objects.bulk_create(add, batch_size=BATCH)
    return len(add), len(remove)


def vocabulary_import(*, entries: list[Entry] | None = None) -> ImportResult:
    """Bring the vocabulary in line with its sources (idempotent: a second run writes nothing).

    Treatments are matched by their normalised name, so slugs, reports and mentions survive
    re-imports; a treatment that left its source is kept (reports may point at it).
    """
    started = time.monotonic()
    entries = vocabulary_entries() if entries is None else entries
    with transaction.atomic():
        ids, created, updated = _sync_treatments(entries)
        added, removed = _sync_names(entries, ids)
    return ImportResult(
        treatments=len(entries),
        created=created,
        updated=updated,
        names=sum(len(e.names) for e in entries),
        names_added=added,
        names_removed=removed,
        seconds=round(time.monotonic() - started, 1),
    )


# --- Proposals and their review -------------------------------------------------------------


def _clean_proposal(name: str, kind: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if len(name) > PROPOSAL_MAX:
        raise ValidationError(
            _("Please keep the name under %(count)d characters.") % {"count": PROPOSAL_MAX}
        )
    if kind not in TreatmentKind.values:
        raise ValidationError(_("Please choose what kind of treatment it is."))
    if len(normalize_name(name)) < 2 or count_links(name) or "www." in name.lower():
        raise ValidationError(_("Please write the name of the treatment (no links)."))
    return name, kind


@transaction.atomic
def treatment_propose(*, user: User, name: str, kind: str) -> Treatment:
    """A member proposes a treatment; it stays out of sight (PENDING) until a moderator
    approves it. Names already in the vocabulary or already proposed are refused."""
    name, kind = _clean_proposal(name, kind)
    normalized = normalize_name(name)
    known = (
        TreatmentName.objects.filter(
            normalized=normalized,
            treatment__status__in=[TreatmentStatus.APPROVED, TreatmentStatus.PENDING],
        )
        .select_related("treatment")
        .first()
    )
    if known is not None and known.treatment.status == TreatmentStatus.APPROVED:
        raise ValidationError(
            _("“%(name)s” is already in the list of treatments.") % {"name": known.treatment.name}
        )
    if known is not None:
        raise ValidationError(_("This treatment was proposed already; a moderator will review it."))
    similar = Treatment.objects.filter(slug__startswith=slugify(name)[:100])
    taken = set(similar.values_list("slug", flat=True))
    treatment = Treatment.objects.create(
        slug=_new_slug(name, taken),
        name=name,
        kind=kind,
        status=TreatmentStatus.PENDING,
        source=MEMBER,
        proposed_by=user,
    )
    TreatmentName.objects.create(
        treatment=treatment, name=name, normalized=normalized, kind=NameKind.GENERIC
    )
    return treatment


@transaction.atomic
def treatment_approve(*, treatment: Treatment) -> Treatment:
    """Add a proposed (or earlier rejected) treatment to the vocabulary. Answers written before
    are linked to it the next time `raremap extract-mentions` runs."""
    treatment = Treatment.objects.select_for_update().get(pk=treatment.pk)
    if treatment.status != TreatmentStatus.APPROVED:
        treatment.status = TreatmentStatus.APPROVED
        treatment.save(update_fields=["status"])
    return treatment


@transaction.atomic
def treatment_reject(*, treatment: Treatment) -> Treatment:
    """Turn down a proposal. A treatment already in the vocabulary cannot be rejected here:
    members may have reported it."""
    treatment = Treatment.objects.select_for_update().get(pk=treatment.pk)
    if treatment.status == TreatmentStatus.APPROVED:
        raise ValidationError(_("This treatment is already in the list; it cannot be rejected."))
    if treatment.status != TreatmentStatus.REJECTED:
        treatment.status = TreatmentStatus.REJECTED
        treatment.save(update_fields=["status"])
    return treatment


# --- Reads for the treatment pages ----------------------------------------------------------


def treatment_get(slug: str) -> Treatment:
    """An approved treatment with its names (generic first), or 404."""
    names = TreatmentName.objects.order_by("kind", "name")
    treatment = (
        Treatment.objects.filter(slug=slug, status=TreatmentStatus.APPROVED)
        .prefetch_related(Prefetch("names", queryset=names))
        .first()
    )
    if treatment is None:
        raise Http404("No such treatment")
    return treatment


def treatment_mention_list(treatment: Treatment) -> QuerySet[TreatmentMention]:
    """Where members name the treatment (not "did not try …"): published answers to
    published questions only, newest first, shaped for links to the answers."""
    return (
        TreatmentMention.objects.filter(
            treatment=treatment,
            negated=False,
            answer__status=Status.PUBLISHED,
            answer__question__status=Status.PUBLISHED,
        )
        .select_related("answer__question__disease")
        .only(
            "matched",
            "answer__id",
            "answer__question__slug",
            "answer__question__text",
            "answer__question__disease__slug",
            "answer__question__disease__name",
            "answer__question__disease__abbreviation",
            "answer__question__disease__local_names",
        )
        .order_by("-answer_id")
    )


def treatment_disease_list(treatment: Treatment) -> QuerySet[TreatmentRanking]:
    """Diseases members report the treatment for, where enough reports exist to show."""
    return (
        TreatmentRanking.objects.filter(
            treatment=treatment, reports__gte=settings.TREATMENT_MIN_REPORTS
        )
        .select_related("disease")
        .only(
            "reports",
            "disease__slug",
            "disease__name",
            "disease__abbreviation",
            "disease__local_names",
        )
        .order_by("-reports", "disease__name")
    )


# What members do with a treatment (raremap/treatments/activity.py): the index lists the most
# reported and discussed first, in the order of the `treatment_by_activity` index.
ACTIVITY = F("report_count") + F("mention_count")


def treatment_search(query: str, page: int | str | None) -> Page:
    """Approved treatments with a name starting with the query (all of them without one),
    20 a page: the treatments members report and talk about most first (their counts kept on
    the row), then the others by name; each with the names that matched."""
    normalized = normalize_name(query or "")
    treatments = (
        Treatment.objects.filter(status=TreatmentStatus.APPROVED)
        .annotate(activity=ACTIVITY)
        .order_by(ACTIVITY.desc(), "name", "pk")
    )
    if normalized:
        matching = TreatmentName.objects.filter(normalized__startswith=normalized)
        own = TreatmentName.objects.filter(treatment=OuterRef("pk"))
        treatments = (
            treatments.filter(pk__in=matching.values("treatment_id"))
            # An exact name first, then treatments whose own name starts so, then the rest;
            # within each, the most reported and discussed first.
            .annotate(
                exact=Exists(own.filter(normalized=normalized)),
                prefix=Exists(own.filter(kind=NameKind.GENERIC, normalized__startswith=normalized)),
            )
            .order_by("-exact", "-prefix", ACTIVITY.desc(), "name", "pk")
            .prefetch_related(
                Prefetch(
                    "names",
                    queryset=matching.exclude(kind=NameKind.GENERIC).order_by("name"),
                    to_attr="matched_names",
                )
            )
        )
    fields = ("slug", "name", "kind", "report_count", "mention_count")
    return Paginator(treatments.only(*fields), PAGE_SIZE).get_page(page)


def treatment_proposal_list() -> QuerySet[Treatment]:
    """Proposals waiting for a moderator, oldest first."""
    return (
        Treatment.objects.filter(status=TreatmentStatus.PENDING)
        .select_related("proposed_by")
        .order_by("created_at", "pk")
    )
