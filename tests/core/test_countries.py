"""One helper names countries on every page: pycountry's short names, in the page's language."""

from django.utils import translation

from raremap.atlas import selectors as atlas_selectors
from raremap.core.countries import country_name, country_names
from raremap.treatments import selectors as treatment_selectors


def test_countries_are_named_in_each_interface_language() -> None:
    languages = ("en", "cs", "de", "es", "fr", "it", "pt")

    names = {language: country_name("DE", language) for language in languages}

    assert names == {
        "en": "Germany",
        "cs": "Německo",
        "de": "Deutschland",
        "es": "Alemania",
        "fr": "Allemagne",
        "it": "Germania",
        "pt": "Alemanha",
    }


def test_short_names_and_codes_iso_lacks() -> None:
    assert country_name("BO", "en") == "Bolivia"  # not "Bolivia, Plurinational State of"
    assert country_name("XK", "es") == "Kosovo"
    assert country_name("ZZ", "es") == "ZZ"


def test_the_active_language_is_the_default() -> None:
    with translation.override("fr"):
        assert country_name("ES") == "Espagne"
        assert atlas_selectors.place_country_name("ES") == "Espagne"


def test_the_map_and_the_treatment_reports_use_the_one_helper() -> None:
    assert atlas_selectors.country_names is country_names
    assert treatment_selectors.country_name is country_name
