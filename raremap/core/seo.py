"""What search engines are given: absolute URLs, a page's address in every language, and
structured data (JSON-LD) encoded safely for a `<script>` element. See docs/seo.md.

Absolute URLs start with settings.SITE_URL, never with the request's Host header: pages and
sitemaps are cached and served to every visitor.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes  # type: ignore[attr-defined]
from markupsafe import Markup

from raremap.core.languages import language_codes

# The hreflang of the page for every other language (Google's and Bing's "x-default").
X_DEFAULT = "x-default"


def absolute(path: str) -> str:
    """The public address of a path on this site."""
    return settings.SITE_URL + path


def bare_path(path: str, language: str) -> str:
    """The path without its language prefix (English has none: i18n_patterns with
    prefix_default_language=False)."""
    if language != settings.LANGUAGE_CODE and path.startswith(f"/{language}/"):
        return path[len(language) + 1 :]
    return path


def language_path(bare: str, language: str) -> str:
    """The path of a bare path in a language."""
    return bare if language == settings.LANGUAGE_CODE else f"/{language}{bare}"


@dataclass(frozen=True)
class Alternate:
    hreflang: str
    url: str  # absolute


def alternates(path: str, language: str) -> list[Alternate]:
    """The page at `path` (in `language`) in every interface language, and English as the
    x-default: the `<link rel="alternate" hreflang>` set every indexed page carries."""
    bare = bare_path(path, language)
    links = [Alternate(code, absolute(language_path(bare, code))) for code in language_codes()]
    links.append(Alternate(X_DEFAULT, absolute(language_path(bare, settings.LANGUAGE_CODE))))
    return links


def json_ld(data: dict[str, Any]) -> Markup:
    """`data` as JSON for a `<script type="application/ld+json">` element: `<`, `>` and `&`
    escaped as Django's json_script escapes them, so no text can close the element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.translate(_json_script_escapes))  # noqa: S704 (escaped above)
