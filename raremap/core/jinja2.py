"""The Jinja2 environment for RareMap's pages.

Django's Jinja2 backend adds `request`, `csrf_input` and `csrf_token` to every context; this
module adds URL reversing, static files, translations and a few formatting helpers.
"""

from functools import lru_cache
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from raremap.core import seo
from raremap.core.languages import named_in_themselves


def _language(context: Context) -> str:
    """The page's language: set once per render by the `language` context processor (a
    thread-local look-up costs more than the rest of a translation)."""
    return context.get("LANGUAGE_CODE") or translation.get_language()


@lru_cache(maxsize=4096)
def _reverse(language: str, name: str, args: tuple[Any, ...]) -> str:
    with translation.override(language):
        return reverse(name, args=args or None)


@pass_context
def url(context: Context, name: str, *args: Any, **kwargs: Any) -> str:
    """reverse(); page links (positional arguments) are remembered per language, since the
    URLconf never changes while a process runs. One-off links (tokens) pass keywords."""
    if kwargs:
        return reverse(name, args=args or None, kwargs=kwargs)
    return _reverse(_language(context), name, args)


@lru_cache(maxsize=256)
def _static(path: str) -> str:
    return static(path)


def language_links(path: str, query: str = "") -> list[dict[str, Any]]:
    """The same page in every UI language, with the same query (sort, page of answers): links,
    so that pages stay cacheable.

    English has no prefix and every other language its code (i18n_patterns with
    prefix_default_language=False), so the other language's URL is a matter of the prefix.
    """
    current = translation.get_language()
    bare = seo.bare_path(path, current)
    suffix = f"?{query}" if query else ""
    return [
        {
            "code": code,
            "name": name,
            "url": seo.language_path(bare, code) + suffix,
            "current": code == current,
        }
        for code, name in named_in_themselves()
    ]


def language_name(code: str) -> str:
    """A language's name in the active language ("Spanish", "Español" on a Spanish page),
    from Django's own catalogs; the code itself for one Django does not know."""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def intcomma(value: int) -> str:
    return number_format(value, force_grouping=True)


_translated: dict[tuple[str | None, str], str] = {}


@pass_context
def gettext(context: Context, message: str) -> str:
    """Django's gettext, remembered per language: a page asks for the same few dozen strings
    on every request, and the catalogs do not change while a process runs. The language comes
    from the page's context (set once per render) rather than a thread-local look-up."""
    key = (_language(context), message)
    try:
        return _translated[key]
    except KeyError:
        result = _translated[key] = translation.gettext(message)
        return result


@lru_cache(maxsize=8)
def _name_macros(env: Environment) -> Any:
    return env.get_template("core/_names.html").module


@pass_context
def disease_name(context: Context, disease: Any) -> Any:
    """A disease's name for the page's body, in the page's language where a source gives it,
    else in English marked lang="en" (the macro in core/_names.html: markup, as safe as any
    macro's output)."""
    return _name_macros(context.environment).disease_name(disease, _language(context))


@pass_context
def disease_title(context: Context, disease: Any) -> str:
    """The same name as plain text, for <title> and attributes (where markup cannot go)."""
    return str(disease.display_title(_language(context)))


@pass_context
def question_title(context: Context, question: Any, disease: Any = None) -> Any:
    """A question's title with its disease's name as `disease_name` shows it (`disease`:
    for list rows that do not carry theirs)."""
    macros = _name_macros(context.environment)
    disease = disease if disease is not None else question.disease
    return macros.question_title(question, disease, _language(context))


def language(request: HttpRequest) -> dict[str, str]:
    """Context processor: the request's language, as LocaleMiddleware chose it."""
    return {"LANGUAGE_CODE": getattr(request, "LANGUAGE_CODE", None) or translation.get_language()}


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext,
        translation.ngettext,
        newstyle=True,
        # One English word with two meanings ("Reports": treatment reports, reports to
        # moderators) gets a context, so each has its own translation.
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(
        url=url,
        static=_static,
        language_links=language_links,
        absolute_url=seo.absolute,
        alternates=seo.alternates,
        language_name=language_name,
        get_language=translation.get_language,
        get_messages=get_messages,
        disease_name=disease_name,
        disease_title=disease_title,
        question_title=question_title,
    )
    env.filters.update(
        intcomma=intcomma, date=date_format, json_ld=seo.json_ld, language_name=language_name
    )
    return env
