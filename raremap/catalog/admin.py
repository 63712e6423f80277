"""The catalog in the admin: read-only, because the import owns it."""

from django.contrib import admin
from django.http import HttpRequest

from raremap.catalog.models import CatalogSource, Disease, DiseaseCode, DiseaseName


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CodeInline(admin.TabularInline):
    model = DiseaseCode
    extra = 0
    can_delete = False
    readonly_fields = ["system", "code", "label"]


class NameInline(admin.TabularInline):
    model = DiseaseName
    extra = 0
    can_delete = False
    readonly_fields = ["name", "kind", "source"]
    exclude = ["normalized"]


@admin.register(Disease)
class DiseaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "primary_code", "kind", "is_obsolete"]
    list_filter = ["kind", "is_obsolete"]
    search_fields = ["name", "primary_code", "slug"]
    inlines = [CodeInline, NameInline]


@admin.register(CatalogSource)
class CatalogSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "records", "imported_at"]
