"""What the catalog knows for each standard question of a disease: the facts its sources state
(DiseaseFact rows, imported by `import-catalog`) and the few written rules that turn them into
a suggestion (which specialist, whether it is contagious). docs/catalog.md ("Facts") cites
each rule; the page shows the reason with every suggestion.

Pure functions of a disease's rows: no query, no package file read.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from raremap.catalog.models import Disease, DiseaseCode, DiseaseFact, DiseasePhenotype

# The data part each standard question's overview shows (StandardQuestion.data); a question
# without one (celebrities, natural treatments, living with it, cure, diagnosis) shows none.
FACT_KINDS = (
    "life-expectancy",
    "hereditary",
    "contagious",
    "onset",
    "specialist",
    "cause",
    "prevalence",
)

SPECIALISTS: dict[str, Promise] = {
    "infectious": _("an infectious disease specialist"),
    "oncologist": _("an oncologist"),
    "haematologist": _("a haematologist"),
    "immunologist": _("an immunologist"),
    "endocrinologist": _("an endocrinologist"),
    "metabolic": _("a specialist in metabolic diseases"),
    "psychiatrist": _("a psychiatrist"),
    "neurologist": _("a neurologist"),
    "ophthalmologist": _("an ophthalmologist"),
    "ent": _("an ear, nose and throat (ENT) specialist"),
    "cardiologist": _("a cardiologist"),
    "pulmonologist": _("a pulmonologist"),
    "gastroenterologist": _("a gastroenterologist"),
    "dermatologist": _("a dermatologist"),
    "rheumatologist": _("a rheumatologist"),
    "orthopaedist": _("an orthopaedic specialist"),
    "nephrologist": _("a nephrologist or urologist"),
    "obstetrician": _("an obstetrician"),
    "neonatologist": _("a neonatologist or paediatrician"),
    "geneticist": _("a clinical geneticist"),
}

# WHO ICD-10 chapters I–XVII (the ones that become disease pages): first and last category,
# the chapter's number and the specialist whose field it is.
ICD10_CHAPTERS: tuple[tuple[str, str, str, str], ...] = (
    ("A00", "B99", "I", "infectious"),
    ("C00", "D48", "II", "oncologist"),
    ("D50", "D89", "III", "haematologist"),
    ("E00", "E90", "IV", "endocrinologist"),
    ("F00", "F99", "V", "psychiatrist"),
    ("G00", "G99", "VI", "neurologist"),
    ("H00", "H59", "VII", "ophthalmologist"),
    ("H60", "H95", "VIII", "ent"),
    ("I00", "I99", "IX", "cardiologist"),
    ("J00", "J99", "X", "pulmonologist"),
    ("K00", "K93", "XI", "gastroenterologist"),
    ("L00", "L99", "XII", "dermatologist"),
    ("M00", "M99", "XIII", "rheumatologist"),
    ("N00", "N99", "XIV", "nephrologist"),
    ("O00", "O99", "XV", "obstetrician"),
    ("P00", "P96", "XVI", "neonatologist"),
    ("Q00", "Q99", "XVII", "geneticist"),
)
INFECTIOUS_CHAPTER = "I"
# ICD-10 block Q90–Q99, "Chromosomal abnormalities, not elsewhere classified".
CHROMOSOMAL = ("Q90", "Q99")

# HPO body systems (children of "Phenotypic abnormality", HP:0000118) → specialist. Systems
# without one field (head or neck, limbs, growth, constitutional symptoms…) suggest nobody.
HPO_SYSTEM_SPECIALISTS = {
    "HP:0000707": "neurologist",  # Abnormality of the nervous system
    "HP:0001626": "cardiologist",  # … of the cardiovascular system
    "HP:0000478": "ophthalmologist",  # … of the eye
    "HP:0000598": "ent",  # … of the ear
    "HP:0001574": "dermatologist",  # … of the integument
    "HP:0033127": "orthopaedist",  # … of the musculoskeletal system
    "HP:0000119": "nephrologist",  # … of the genitourinary system
    "HP:0025031": "gastroenterologist",  # … of the digestive system
    "HP:0002086": "pulmonologist",  # … of the respiratory system
    "HP:0001871": "haematologist",  # … of blood and blood-forming tissues
    "HP:0002715": "immunologist",  # … of the immune system
    "HP:0000818": "endocrinologist",  # … of the endocrine system
    "HP:0001939": "metabolic",  # … of metabolism/homeostasis
    "HP:0002664": "oncologist",  # Neoplasm
}
# A body system is suggested when it holds at least this share of the disease's phenotypes
# (not those excluded); at most this many systems, the largest first.
SYSTEM_SHARE = 0.25
MAX_SYSTEMS = 2
# "Sporadic" is filed under Mode of inheritance but says that cases are not inherited.
SPORADIC = "HP:0003745"
# Words with which an Orphanet name says the disease is genetic ("Familial thrombocytosis").
GENETIC_NAME_WORDS = frozenset({"hereditary", "inherited", "familial", "genetic"})


class Fact(NamedTuple):
    """One fact as a page shows it (a DiseaseFact row without its disease)."""

    code: str
    label: str
    number: int
    source: str
    via: str

    @property
    def band(self) -> str:
        """The frequency band of a term ("Occasional (5–29%)"), where the source gives one."""
        known = self.number in DiseasePhenotype.Frequency.values
        if not known or self.number == DiseasePhenotype.Frequency.UNKNOWN:
            return ""
        return str(DiseasePhenotype.Frequency(self.number).label)


@dataclass(frozen=True)
class Chapter:
    number: str  # "VI"
    first: str  # "G00"
    last: str  # "G99"
    specialist: str


@dataclass(frozen=True)
class Suggestion:
    """A specialist and why: an ICD-10 chapter, a body system (with how many of the disease's
    phenotypes it holds), or a genetic cause."""

    specialist: Promise
    reason: str  # "chapter", "system" or "genetic"
    label: str = ""  # the body system's HPO name
    count: int = 0  # how many of the disease's phenotypes are in it
    total: int = 0  # of how many (not excluded)


@dataclass(frozen=True)
class DiseaseFacts:
    """Everything the standard questions' data parts show of one disease."""

    kind: str  # Disease.Kind
    inheritance: list[Fact] = field(default_factory=list)
    onset: list[Fact] = field(default_factory=list)
    mortality: list[Fact] = field(default_factory=list)
    genes: list[str] = field(default_factory=list)
    chapter: Chapter | None = None
    chromosomal: bool = False
    name_says_genetic: bool = False
    specialists: list[Suggestion] = field(default_factory=list)
    # "genetic" (not passed on by contact), "infectious" (caused by an infection) or "".
    contagion: str = ""

    @property
    def genetic(self) -> bool:
        return bool(self.inherited or self.chromosomal or self.name_says_genetic)

    @property
    def inherited(self) -> list[Fact]:
        """The modes of inheritance that make it genetic (not "Sporadic")."""
        return [fact for fact in self.inheritance if fact.code != SPORADIC]

    def known(self, data: str) -> bool:
        """Whether the data part of a standard question has anything to show."""
        return {
            "onset": bool(self.onset),
            "life-expectancy": bool(self.mortality),
            "hereditary": bool(self.inheritance or self.genetic),
            "contagious": bool(self.contagion),
            "specialist": bool(self.specialists),
            "cause": bool(self.genes or self.chromosomal or self.contagion == "infectious"),
            "prevalence": False,  # no pinned source has prevalence (docs/catalog.md)
        }.get(data, False)


def icd10_chapter(code: str) -> Chapter | None:
    """The chapter of an ICD-10 code ("G71.0" → VI), among chapters I–XVII."""
    category = code[:3].upper()
    for first, last, number, specialist in ICD10_CHAPTERS:
        if first <= category <= last:
            return Chapter(number, first, last, specialist)
    return None


def disease_facts(
    disease: Disease,
    *,
    codes: Iterable[DiseaseCode],
    facts: Iterable[DiseaseFact],
    phenotypes: int,
) -> DiseaseFacts:
    """Gather a disease's facts and apply the written rules (docs/catalog.md, "Facts");
    `phenotypes` is how many phenotypes it has that are not excluded (0%)."""
    by_kind: dict[str, list[Fact]] = {kind: [] for kind in DiseaseFact.Kind.values}
    for row in facts:
        by_kind[row.kind].append(Fact(row.code, row.label, row.number, row.source, row.via))
    icd_codes = sorted(c.code for c in codes if c.system == DiseaseCode.System.ICD10)
    chapter = icd10_chapter(icd_codes[0]) if icd_codes else None
    chromosomal = any(CHROMOSOMAL[0] <= c[:3] <= CHROMOSOMAL[1] for c in icd_codes)
    words = set(disease.name.lower().replace("-", " ").split())
    gathered = DiseaseFacts(
        kind=disease.kind,
        inheritance=by_kind["inheritance"],
        onset=by_kind["onset"],
        mortality=by_kind["mortality"],
        genes=sorted({fact.label for fact in by_kind["gene"]}),
        chapter=chapter,
        chromosomal=chromosomal,
        name_says_genetic=disease.kind == Disease.Kind.RARE and bool(words & GENETIC_NAME_WORDS),
    )
    specialists = _specialists(gathered, by_kind["system"], phenotypes)
    if gathered.genetic:
        contagion = "genetic"
    elif chapter is not None and chapter.number == INFECTIOUS_CHAPTER:
        contagion = "infectious"
    else:
        contagion = ""
    return replace(gathered, specialists=specialists, contagion=contagion)


def _specialists(facts: DiseaseFacts, systems: list[Fact], phenotypes: int) -> list[Suggestion]:
    chosen: list[Suggestion] = []
    seen: set[str] = set()

    def add(key: str, suggestion: Suggestion) -> None:
        if key not in seen:
            seen.add(key)
            chosen.append(suggestion)

    if facts.chapter is not None:
        key = facts.chapter.specialist
        add(key, Suggestion(SPECIALISTS[key], "chapter"))
    picked = 0
    for fact in sorted(systems, key=lambda fact: (-fact.number, fact.label)):
        key = HPO_SYSTEM_SPECIALISTS.get(fact.code)
        if key is None or fact.number < SYSTEM_SHARE * phenotypes or picked == MAX_SYSTEMS:
            continue
        picked += 1
        add(key, Suggestion(SPECIALISTS[key], "system", fact.label, fact.number, phenotypes))
    if facts.genetic:
        add("geneticist", Suggestion(SPECIALISTS["geneticist"], "genetic"))
    return chosen
