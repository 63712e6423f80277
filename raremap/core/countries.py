"""Country names, in English and in every interface language: the one helper every page that
shows a country uses (the map, people lists, places, treatment reports).

Names come from pycountry: its short English names ("Bolivia", not "Bolivia, Plurinational
State of") and its iso3166-1 gettext catalogs for other languages ("Alemania", "Německo").
They never change while a process runs, so each language's table is built once per process.
"""

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language, to_locale

# Codes in use by GeoNames (and so by its cities) that ISO 3166-1, and pycountry, lack.
EXTRA_COUNTRIES = {"XK": "Kosovo"}


def english_country_name(code: str, fallback: str = "") -> str:
    """pycountry's short English name ("Bolivia", not "Bolivia, Plurinational State of")."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return EXTRA_COUNTRIES.get(code, fallback)
    return getattr(country, "common_name", None) or country.name


@cache
def country_names(language: str) -> dict[str, str]:
    """alpha-2 → country name in `language` (English where pycountry's catalog has none)."""
    catalog = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[to_locale(language)], fallback=True
    )
    names = {code: catalog.gettext(name) for code, name in EXTRA_COUNTRIES.items()}
    for country in pycountry.countries:
        names[country.alpha_2] = catalog.gettext(english_country_name(country.alpha_2))
    return names


def country_name(code: str, language: str | None = None) -> str:
    """A country's name in `language` (the active one by default): "Francia" in Spanish."""
    return country_names(language or get_language() or "en").get(code, code)
