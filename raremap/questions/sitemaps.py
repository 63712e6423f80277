"""The sitemaps: every disease page and every standard question page of every disease, in every
interface language, each URL with its hreflang alternates (docs/seo.md).

URLs are numbered disease by disease (in id order): the disease page, then its standard
questions in their order, each in every language; sitemap n holds URLs
[(n - 1) × SITEMAP_LIMIT, n × SITEMAP_LIMIT). A URL's lastmod is the catalog import, or the last
answer or overview change of its question (of any of its questions, for a disease page) when
that is later. Sitemaps are built from a few queries and one template and kept gzipped in the
shared cache for SITEMAP_SECONDS under the catalog generation: an import shows at once, other
activity within SITEMAP_SECONDS.
"""

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from raremap.catalog.models import Disease
from raremap.catalog.selectors import catalog_generation, catalog_imported_at
from raremap.core import seo
from raremap.core.languages import language_codes
from raremap.questions.models import Answer, OverviewRevision, Status
from raremap.questions.standard import STANDARD_QUESTIONS

# How long a built sitemap is served (answers and overview edits show in lastmod within it).
SITEMAP_SECONDS = 60 * 60
PAGES_PER_DISEASE = 1 + len(STANDARD_QUESTIONS)
# The pages of a disease by position: "" is the disease page, then its standard questions.
PAGE_SLUGS = ("", *(question.slug for question in STANDARD_QUESTIONS))


def _key(name: str) -> str:
    return f"sitemaps:{catalog_generation()}:{settings.SITEMAP_LIMIT}:{name}"


def _urls_per_disease() -> int:
    return PAGES_PER_DISEASE * len(language_codes())


def sitemap_count() -> int:
    """How many sitemaps the index lists (at least one)."""
    total = Disease.objects.count() * _urls_per_disease()
    return max(1, -(-total // settings.SITEMAP_LIMIT))


def sitemap_index_gz() -> bytes:
    """The sitemap index (gzipped XML), from the cache when built in the last hour."""
    key = _key("index")
    body: bytes | None = cache.get(key)
    if body is None:
        count = sitemap_count()
        activity = _activity(None)
        imported = catalog_imported_at()
        diseases = list(Disease.objects.order_by("id").values_list("id", flat=True))
        per_disease = _urls_per_disease()
        lastmods: list[datetime] = []
        for number in range(1, count + 1):
            first, last = _disease_range(number, per_disease)
            changes = (activity.get((pk, ""), imported) for pk in diseases[first:last])
            lastmods.append(max(changes, default=imported))
        sitemaps = [
            (seo.absolute(reverse("sitemap", args=[number])), lastmod.isoformat())
            for number, lastmod in enumerate(lastmods, start=1)
        ]
        body = _gzip(render_to_string("questions/sitemap_index.xml", {"sitemaps": sitemaps}))
        cache.set(key, body, SITEMAP_SECONDS)
    return body


def sitemap_gz(number: int) -> bytes:
    """Sitemap `number` (gzipped XML), from the cache when built in the last hour; Http404
    past the last one."""
    if not 1 <= number <= sitemap_count():
        raise Http404("No such sitemap")
    key = _key(str(number))
    body: bytes | None = cache.get(key)
    if body is None:
        body = _gzip(_sitemap_xml(number))
        cache.set(key, body, SITEMAP_SECONDS)
    return body


def _disease_range(number: int, per_disease: int) -> tuple[int, int]:
    """The positions of the diseases sitemap `number` holds URLs of: [first, last)."""
    start = (number - 1) * settings.SITEMAP_LIMIT
    end = start + settings.SITEMAP_LIMIT
    return start // per_disease, -(-end // per_disease)


@dataclass(frozen=True)
class _Url:
    path: str  # without the language prefix
    prefix: str  # the language's prefix
    lastmod: str


def _sitemap_xml(number: int) -> str:
    languages = language_codes()
    per_disease = _urls_per_disease()
    first, last = _disease_range(number, per_disease)
    diseases = list(Disease.objects.order_by("id").values_list("id", "slug")[first:last])
    activity = _activity([pk for pk, _slug in diseases])
    imported = catalog_imported_at()
    urls = []
    with translation.override(settings.LANGUAGE_CODE):  # paths without a language prefix
        for pk, slug in diseases:
            for qslug in PAGE_SLUGS:
                if qslug:
                    path = reverse("questions:question-detail", args=[slug, qslug])
                else:
                    path = reverse("catalog:disease-detail", args=[slug])
                changed = activity.get((pk, qslug))
                lastmod = max(changed, imported) if changed else imported
                for language in languages:
                    urls.append(_Url(path, seo.language_path("", language), lastmod.isoformat()))
    start = (number - 1) * settings.SITEMAP_LIMIT - first * per_disease
    context = {
        "urls": urls[start : start + settings.SITEMAP_LIMIT],
        "origin": settings.SITE_URL,
        "alternates": [(code, seo.language_path("", code)) for code in languages]
        + [(seo.X_DEFAULT, seo.language_path("", settings.LANGUAGE_CODE))],
    }
    return render_to_string("questions/sitemap.xml", context)


def _activity(disease_ids: Iterable[int] | None) -> dict[tuple[int, str], datetime]:
    """When the standard questions of these diseases (all, for None) last had an answer
    written or edited or a new overview version: {(disease id, question slug): time}, and
    {(disease id, ""): the latest of its questions}."""
    answers = Answer.objects.filter(
        status=Status.PUBLISHED, question__text="", question__status=Status.PUBLISHED
    )
    overviews = OverviewRevision.objects.filter(
        question__text="", question__status=Status.PUBLISHED
    )
    if disease_ids is not None:
        ids = list(disease_ids)
        answers = answers.filter(question__disease_id__in=ids)
        overviews = overviews.filter(question__disease_id__in=ids)
    times: dict[tuple[int, str], datetime] = {}
    rows = [
        *answers.values_list("question__disease_id", "question__slug")
        .order_by()
        .annotate(created=Max("created_at"), edited=Max("edited_at")),
        *overviews.values_list("question__disease_id", "question__slug")
        .order_by()
        .annotate(created=Max("created_at"), edited=Max("created_at")),
    ]
    for disease_id, slug, created, edited in rows:
        when = max(created, edited or created)
        for key in ((disease_id, slug), (disease_id, "")):
            if key not in times or times[key] < when:
                times[key] = when
    return times


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode(), compresslevel=6, mtime=0)
