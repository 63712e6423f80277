"""The disease catalog: diseases, their names and codes, and phenotype annotations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Disease(models.Model):
    """A disease page. Identity is the primary code; the slug never changes once given."""

    class Kind(models.TextChoices):
        RARE = "rare", _("Rare disease")
        COMMON = "common", _("Disease")

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    primary_code = models.CharField(max_length=40, unique=True)  # "ORPHA:31112", "ICD10:G71"
    group_label = models.CharField(max_length=300, blank=True)  # e.g. the ICD-10 block
    abbreviation = models.CharField(max_length=20, blank=True)
    is_obsolete = models.BooleanField(default=False)  # gone from the source; page and URL kept
    # The name in other interface languages where a source has it ({"es": "Fibrosis quística"}),
    # on the row so that every page showing a disease has it without another query.
    local_names = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        """The name as questions use it: "Dermatofibrosarcoma protuberans (DFSP)"."""
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def local_name(self, language: str) -> str:
        """The name in `language` (not English: the sources' own names are) where a source
        gives it, else ""."""
        return str(self.local_names.get(language, ""))

    def display_title(self, language: str) -> str:
        """The name in `language` where a source gives it, else the English title."""
        return self.local_name(language) or self.title


CODE_LINKS = {
    "ORPHA": "https://www.orpha.net/en/disease/detail/{code}",
    "ICD10": "https://icd.who.int/browse10/2019/en#/{code}",
    "OMIM": "https://omim.org/entry/{code}",
    "MESH": "https://meshb.nlm.nih.gov/record/ui?ui={code}",
}


class DiseaseCode(models.Model):
    """A code of a disease in one coding system (cross-codes kept from the sources)."""

    class System(models.TextChoices):
        ORPHA = "ORPHA", "Orphanet"
        ICD10 = "ICD10", "ICD-10"
        OMIM = "OMIM", "OMIM"
        MESH = "MESH", "MeSH"

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=10, choices=System.choices)
    code = models.CharField(max_length=20)
    label = models.CharField(max_length=300, blank=True)  # the source's own name for the code

    class Meta:
        ordering = ["system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["disease", "system", "code"], name="uniq_disease_code")
        ]
        # Serves code look-ups in search ("ORPHA:31112", "G71.0").
        indexes = [models.Index(fields=["system", "code"], name="diseasecode_lookup")]

    def __str__(self) -> str:
        return f"{self.system}:{self.code}"

    @property
    def url(self) -> str:
        """The code's page at the body that keeps the coding system."""
        return CODE_LINKS[self.system].format(code=self.code)


class DiseaseName(models.Model):
    """A name a disease is known by; `normalized` is what search matches."""

    class Kind(models.TextChoices):
        PREFERRED = "preferred", _("Name")
        SYNONYM = "synonym", _("Synonym")
        ABBREVIATION = "abbreviation", _("Abbreviation")
        SUBTYPE = "subtype", _("Includes")

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=300)
    normalized = models.CharField(max_length=300)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    source = models.CharField(max_length=20)
    language = models.CharField(max_length=8, default="en")  # the sources' names are English

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["disease", "normalized", "kind", "language"], name="uniq_disease_name"
            )
        ]
        # Serves exact-name look-ups in search (an abbreviation typed in full).
        indexes = [models.Index(fields=["normalized"], name="diseasename_exact")]

    def __str__(self) -> str:
        return self.name


class SearchWord(models.Model):
    """A word that occurs in disease names: the vocabulary for correcting typos in search."""

    word = models.CharField(max_length=100, unique=True)
    frequency = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.word


class PhenotypeTerm(models.Model):
    """An HPO term (HP:0001482 is stored as id 1482)."""

    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=300)

    def __str__(self) -> str:
        return self.name

    @property
    def hpo_id(self) -> str:
        return f"HP:{self.id:07d}"


class DiseasePhenotype(models.Model):
    """A phenotype annotation of a disease with its frequency band."""

    class Frequency(models.IntegerChoices):
        # The HPO frequency terms HP:0040280–HP:0040285, in display order.
        OBLIGATE = 1, _("Always present (100%)")
        VERY_FREQUENT = 2, _("Very frequent (80–99%)")
        FREQUENT = 3, _("Frequent (30–79%)")
        OCCASIONAL = 4, _("Occasional (5–29%)")
        VERY_RARE = 5, _("Very rare (1–4%)")
        EXCLUDED = 6, _("Excluded (0%)")
        UNKNOWN = 9, _("Frequency not given by the source")

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="phenotypes")
    term = models.ForeignKey(PhenotypeTerm, on_delete=models.PROTECT, related_name="+")
    frequency = models.PositiveSmallIntegerField(choices=Frequency.choices)

    class Meta:
        ordering = ["frequency", "term__name"]
        constraints = [
            models.UniqueConstraint(fields=["disease", "term"], name="uniq_disease_phenotype")
        ]

    def __str__(self) -> str:
        return f"{self.term_id} in {self.disease_id} ({self.frequency})"


class CatalogSource(models.Model):
    """One imported source with its version: shown on the Sources page, makes re-imports cheap."""

    key = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100)
    licence = models.CharField(max_length=200)
    url = models.URLField()
    records = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class DiseaseFact(models.Model):
    """A fact a source states about a disease, kept for the standard questions' data parts.

    Only what a pinned source says: the rules that turn facts into suggestions (a specialist,
    whether it is contagious) live in catalog/facts.py and are cited on the page.
    """

    class Kind(models.TextChoices):
        INHERITANCE = "inheritance", "Mode of inheritance"
        ONSET = "onset", "Onset"
        MORTALITY = "mortality", "Mortality"
        GENE = "gene", "Gene"
        SYSTEM = "system", "Body system of its phenotypes"

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    code = models.CharField(max_length=40)  # an HPO id ("HP:0000007") or a gene symbol
    label = models.CharField(max_length=300)  # the source's own name for it
    # A term's frequency band (DiseasePhenotype.Frequency), or for a body system how many of
    # the disease's phenotypes it holds.
    number = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=40)  # a CatalogSource key
    via = models.CharField(max_length=40, blank=True)  # "OMIM:203500": the same-named entry's

    class Meta:
        ordering = ["kind", "-number", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["disease", "kind", "code", "via"], name="uniq_disease_fact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} of {self.disease_id}"
