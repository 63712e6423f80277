"""The admin site: logged in through the site's log-in, with a second factor, for staff only.

Django's admin has a log-in form of its own, with no limit on guesses. Here /admin/login/ is the
site's log-in view (raremap.accounts.views.login_view): the same limits, counted in the same
shared store and failing closed, and the same code step for members with two-factor log-in.
A staff member gets in only with a session that passed the second factor
(raremap.accounts.twofactor); one without is sent to enrol, or to the code step.

Named in INSTALLED_APPS as `raremap.accounts.admin_site.AdminConfig` in place of
"django.contrib.admin"; `admin.site` is then this site. The accounts modules are imported when
used: this module is imported while the app registry is still loading.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        from raremap.accounts.twofactor import is_verified

        return super().has_permission(request) and is_verified(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from raremap.accounts.twofactor import second_factor_redirect
        from raremap.accounts.views import login_view, safe_next

        index = reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_active and user.is_staff:
            redirect = second_factor_redirect(request, safe_next(request, index))
            if redirect is not None:
                return redirect
        return login_view(request, default_next=index)


class AdminConfig(DjangoAdminConfig):
    default_site = "raremap.accounts.admin_site.AdminSite"
