"""The treatment vocabulary and the mentions in the admin. Proposals are reviewed on
/treatments/proposed/ (or here, with the same services)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from raremap.treatments.models import Treatment, TreatmentMention, TreatmentName
from raremap.treatments.vocabulary import normalize_name, treatment_approve, treatment_reject


class NameInline(admin.TabularInline):
    model = TreatmentName
    extra = 0
    fields = ["name", "kind"]


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "source", "drugbank_id"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "slug", "drugbank_id", "mesh_id"]
    # The counts are kept by raremap/treatments/activity.py, never typed.
    readonly_fields = [
        "slug",
        "source",
        "proposed_by",
        "created_at",
        "report_count",
        "mention_count",
    ]
    inlines = [NameInline]
    actions = ["approve", "reject"]

    def save_formset(self, request: HttpRequest, form, formset, change) -> None:  # type: ignore[no-untyped-def]
        # Names typed here get their matching form, as the import gives them.
        for name in formset.save(commit=False):
            name.normalized = normalize_name(name.name)
            name.save()
        for name in formset.deleted_objects:
            name.delete()

    @admin.action(description="Approve the selected treatments")
    def approve(self, request: HttpRequest, queryset: QuerySet[Treatment]) -> None:
        for treatment in queryset:
            treatment_approve(treatment=treatment)

    @admin.action(description="Reject the selected proposals")
    def reject(self, request: HttpRequest, queryset: QuerySet[Treatment]) -> None:
        for treatment in queryset:
            try:
                treatment_reject(treatment=treatment)
            except ValidationError as error:
                self.message_user(request, f"{treatment}: {error.messages[0]}", messages.ERROR)


@admin.register(TreatmentMention)
class TreatmentMentionAdmin(admin.ModelAdmin):
    """Found by raremap/treatments/mentions.py: read-only."""

    list_display = ["treatment", "answer", "matched", "negated"]
    list_filter = ["negated"]
    raw_id_fields = ["answer", "treatment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
