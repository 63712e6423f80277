"""Reports and the audit log in the admin, read-only: moderators act through the queue page
(which logs every action); the log itself is never edited or deleted."""

from django.contrib import admin
from django.http import HttpRequest

from raremap.moderation.models import ModerationAction, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "reason", "state", "answer_id", "question_id", "created_at", "closed_at"]
    list_filter = ["state", "reason"]
    fields = [
        "reporter",
        "answer",
        "question",
        "reason",
        "details",
        "state",
        "created_at",
        "closed_at",
    ]
    readonly_fields = fields
    ordering = ["-created_at"]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "moderator", "action", "answer_id", "question_id", "note"]
    list_filter = ["action"]
    list_select_related = ["moderator"]
    fields = ["moderator", "action", "answer", "question", "report", "note", "created_at"]
    readonly_fields = fields
