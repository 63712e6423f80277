"""Members in the admin. Passwords are never shown; health data lives in the communities app."""

from django.contrib import admin

from raremap.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["display_name", "public_id", "is_active", "is_staff", "is_demo", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_demo"]
    search_fields = ["display_name", "public_id"]
    fields = ["display_name", "public_id", "is_active", "is_staff", "is_demo", "date_joined"]
    readonly_fields = ["public_id", "is_demo", "date_joined"]
    ordering = ["-date_joined"]
