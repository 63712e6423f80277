from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from raremap.api.urls import api
from raremap.core import views as core_views

handler404 = "raremap.core.views.page_not_found"
handler500 = "raremap.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.health, name="health"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
# Pages: English at /, Spanish at /es/ (the language is in the path, so pages stay cacheable).
urlpatterns += i18n_patterns(
    path("", include("raremap.catalog.urls")),
    path("", include("raremap.core.urls")),
    path("accounts/", include("raremap.accounts.urls")),
    path("accounts/data/", include("raremap.privacy.urls")),
    path("", include("raremap.communities.urls")),
    path("", include("raremap.questions.urls")),
    path("", include("raremap.treatments.urls")),
    path("", include("raremap.connections.urls")),
    path("moderation/", include("raremap.moderation.urls")),
    path("", include("raremap.atlas.urls")),
    prefix_default_language=False,
)
