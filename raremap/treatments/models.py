"""Treatment evidence: the treatment vocabulary, members' treatment reports, the rankings
computed from them, and treatment mentions found in community answers (DESIGN.md §6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from raremap.catalog.models import Disease
from raremap.questions.models import Answer


class TreatmentKind(models.TextChoices):
    DRUG = "drug", _("Medicine")
    PROCEDURE = "procedure", _("Surgery or procedure")
    THERAPY = "therapy", _("Therapy")
    SUPPLEMENT = "supplement", _("Supplement")
    LIFESTYLE = "lifestyle", _("Lifestyle measure")


class TreatmentStatus(models.TextChoices):
    APPROVED = "approved", _("In the vocabulary")
    PENDING = "pending", _("Proposed, awaiting review")
    REJECTED = "rejected", _("Not accepted")


class Treatment(models.Model):
    """A treatment members can report and answers can mention."""

    Kind = TreatmentKind
    Status = TreatmentStatus

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)  # the generic name for medicines
    kind = models.CharField(max_length=20, choices=TreatmentKind.choices)
    status = models.CharField(
        max_length=10, choices=TreatmentStatus.choices, default=TreatmentStatus.APPROVED
    )
    # Where it comes from: "drug-named-entity-recognition 2.0.9", "curated", "member".
    source = models.CharField(max_length=80)
    drugbank_id = models.CharField(max_length=20, blank=True)
    mesh_id = models.CharField(max_length=20, blank=True)
    medlineplus_id = models.CharField(max_length=40, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What members do with it, kept by raremap/treatments/activity.py for the treatments index:
    # the reports its disease pages show (rankings with at least TREATMENT_MIN_REPORTS), and
    # the published answers that name it (as its own page counts them).
    report_count = models.PositiveIntegerField(default=0)
    mention_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Serves treatment_search without a query: approved treatments, the most reported
            # and discussed first, then by name (every page of 20,000 without a sort).
            models.Index(
                "status",
                (models.F("report_count") + models.F("mention_count")).desc(),
                "name",
                "id",
                name="treatment_by_activity",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TreatmentKind.values), name="treatment_kind"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TreatmentStatus.values), name="treatment_status"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TreatmentName(models.Model):
    """A name a treatment is known by (generic, brand, synonym); `normalized` is matched."""

    class Kind(models.TextChoices):
        GENERIC = "generic", _("Name")
        BRAND = "brand", _("Brand name")
        SYNONYM = "synonym", _("Also called")

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["treatment", "normalized"], name="uniq_treatment_name"),
        ]
        # Serves the treatment autocomplete and the mention dictionary load.
        indexes = [models.Index(fields=["normalized"], name="treatmentname_normalized")]

    def __str__(self) -> str:
        return self.name


class ReportedFor(models.TextChoices):
    SELF = "self", _("Myself")
    RELATIVE = "relative", _("A relative or friend I care about")
    CARE = "care", _("Someone I care for professionally")


class WhyStopped(models.TextChoices):
    NOT_WORKING = "not_working", _("It did not work well enough")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    COMPLETED = "completed", _("The course was completed")
    COST = "cost", _("Cost or access")
    OTHER = "other", _("Another reason")


class TreatmentReport(models.Model):
    """One member's current report of a treatment tried for a disease (for themselves or,
    as a relative or caregiver, for someone else). Private by default: shown only in
    aggregates unless `show_name` is on. Earlier versions are kept as revisions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="treatment_reports"
    )
    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="+")
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="reports")
    reported_for = models.CharField(max_length=10, choices=ReportedFor.choices)
    effectiveness = models.PositiveSmallIntegerField()  # 1 (no effect) … 5 (very effective)
    side_effect_burden = models.PositiveSmallIntegerField()  # 1 (none) … 5 (unbearable)
    side_effects = models.JSONField(default=list, blank=True)  # keys of SIDE_EFFECTS
    side_effects_note = models.TextField(max_length=2000, blank=True)
    side_effects_note_html = models.TextField(blank=True)
    started_on = models.DateField(null=True, blank=True)  # month precision: always the 1st
    stopped_on = models.DateField(null=True, blank=True)
    still_taking = models.BooleanField(default=False)
    why_stopped = models.CharField(max_length=20, choices=WhyStopped.choices, blank=True)
    show_name = models.BooleanField(default=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "treatment", "disease"], name="uniq_treatment_report"
            ),
            models.CheckConstraint(
                condition=Q(effectiveness__gte=1, effectiveness__lte=5),
                name="report_effectiveness_range",
            ),
            models.CheckConstraint(
                condition=Q(side_effect_burden__gte=1, side_effect_burden__lte=5),
                name="report_burden_range",
            ),
            models.CheckConstraint(
                condition=Q(reported_for__in=ReportedFor.values), name="report_reported_for"
            ),
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(stopped_on__gte=models.F("started_on")),
                name="report_stopped_after_started",
            ),
        ]
        indexes = [
            # Serves the ranking recompute: one disease's reports by treatment.
            models.Index(fields=["disease", "treatment"], name="report_disease_treatment"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.treatment_id} for {self.disease_id}"


class TreatmentReportRevision(models.Model):
    """An earlier version of a report, kept when the member changes it."""

    report = models.ForeignKey(TreatmentReport, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField()  # the report's fields as they were
    valid_until = models.DateTimeField()

    class Meta:
        ordering = ["-valid_until"]

    def __str__(self) -> str:
        return f"revision of report {self.report_id}"


class TreatmentRanking(models.Model):
    """A treatment's statistics for one disease, recomputed in the background from the reports
    (never during a page request). Pages show the numbers only when `reports` reaches
    settings.TREATMENT_MIN_REPORTS."""

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="+")
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="rankings")
    reports = models.PositiveIntegerField()
    # How many reports gave each effectiveness score, 1 to 5.
    effectiveness_counts = models.JSONField()
    mean = models.FloatField()
    score = models.FloatField()  # the ordering score (method in raremap/treatments/ranking.py)
    lower = models.FloatField()  # the interval shown, on the 1–5 scale
    upper = models.FloatField()
    burden_mean = models.FloatField()
    by_reporter = models.JSONField()  # {"self": n, "relative": n, "care": n}
    countries = models.JSONField()  # {"ES": n, …}, members' profile countries (may be empty)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disease", "treatment"], name="uniq_ranking"),
        ]
        # Serves ranking_list: one disease's treatments, best first.
        indexes = [models.Index(fields=["disease", "-score"], name="ranking_by_disease")]

    def __str__(self) -> str:
        return f"{self.treatment_id} for {self.disease_id}: {self.score:.2f}"


class TreatmentMention(models.Model):
    """A treatment named in a community answer (found by raremap/treatments/mentions.py)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="mentions")
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="mentions")
    matched = models.CharField(max_length=200)  # the words as written ("Gleevec")
    negated = models.BooleanField(default=False)  # "did not try imatinib"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "treatment"], name="uniq_mention"),
        ]
        # Serves "mentioned in N answers" per treatment.
        indexes = [models.Index(fields=["treatment", "answer"], name="mention_by_treatment")]

    def __str__(self) -> str:
        return f"{self.treatment_id} in answer {self.answer_id}"
