"""Members in the admin. Passwords are never shown; health data lives in the communities app."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from raremap.accounts.models import User
from raremap.accounts.services import user_deactivate


@admin.action(description=_("Deactivate the selected accounts"))
def deactivate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> None:
    for user in queryset.filter(is_active=True):
        user_deactivate(user=user)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["display_name", "public_id", "is_active", "is_staff", "is_demo", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_demo"]
    search_fields = ["display_name", "public_id"]
    fields = ["display_name", "public_id", "is_active", "is_staff", "is_demo", "date_joined"]
    # Active only through the deactivate action, which also updates the member counts.
    readonly_fields = ["public_id", "is_active", "is_demo", "date_joined"]
    actions = [deactivate]
    ordering = ["-date_joined"]
