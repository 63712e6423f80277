"""Memberships in the admin, read-only: a member's communities are health data."""

from django.contrib import admin
from django.http import HttpRequest

from raremap.communities.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["disease", "role", "joined_at"]
    list_filter = ["role"]
    readonly_fields = ["user", "disease", "role", "joined_at"]
    list_select_related = ["disease"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
