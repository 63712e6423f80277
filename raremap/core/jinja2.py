"""The Jinja2 environment for RareMap's pages.

Django's Jinja2 backend adds `request`, `csrf_input` and `csrf_token` to every context; this
module adds URL reversing, static files, translations and a few formatting helpers.
"""

from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.formats import date_format, number_format
from jinja2 import Environment


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def language_links(path: str) -> list[dict[str, Any]]:
    """The same page in every UI language (links, so that pages stay cacheable)."""
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": translation.get_language_info(code)["name_local"],
            "url": translate_url(path, code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


def intcomma(value: int) -> str:
    return number_format(value, force_grouping=True)


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals.update(
        url=url,
        static=static,
        language_links=language_links,
        get_language=translation.get_language,
        get_messages=get_messages,
    )
    env.filters.update(intcomma=intcomma, date=date_format)
    return env
