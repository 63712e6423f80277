"""The site's URLs, plus a stand-in question page while the questions app has no pages yet.

The report views send members back to reverse("questions:question-detail", ...), which the
lead's questions URLs provide; once they exist in the site's URLconf the stand-in steps aside.
"""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, include, path

from raremap import urls as site

handler404 = site.handler404
handler500 = site.handler500


def _has_namespace(patterns: list, namespace: str) -> bool:
    return any(
        isinstance(p, URLResolver)
        and (p.namespace == namespace or _has_namespace(p.url_patterns, namespace))
        for p in patterns
    )


def question_page(request: HttpRequest, slug: str, question_slug: str) -> HttpResponse:
    return HttpResponse("question page")


urlpatterns = list(site.urlpatterns)
if not _has_namespace(urlpatterns, "questions"):
    stand_in = [
        path("d/<slug:slug>/q/<slug:question_slug>/", question_page, name="question-detail")
    ]
    urlpatterns += i18n_patterns(
        path("", include((stand_in, "questions"))), prefix_default_language=False
    )
