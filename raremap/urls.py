from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from raremap.api import errors as api_errors
from raremap.api.urls import api
from raremap.core import views as core_views
from raremap.questions import views as question_views

# The site's error pages; under /api/ they answer in the API's JSON envelope.
handler400 = "raremap.api.errors.handler400"
handler404 = "raremap.api.errors.handler404"
handler500 = "raremap.api.errors.handler500"

urlpatterns = [
    path("healthz", core_views.health, name="health"),
    # For search engines: one address each, whatever the language (docs/seo.md).
    path("robots.txt", core_views.robots_txt, name="robots-txt"),
    path("sitemap.xml", question_views.sitemap_index, name="sitemap-index"),
    path("sitemap-<int:number>.xml", question_views.sitemap, name="sitemap"),
    path("api/v1/", api.urls),
    # Every other path under /api/ ([\s\S], not ".": a path may hold a line break).
    re_path(r"^api(?:/[\s\S]*)?\Z", api_errors.not_found, name="api-not-found"),
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
