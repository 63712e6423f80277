"""Every interface language renders the main public pages, with Django's locale formats for
numbers and dates, and Czech takes three plural forms."""

import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.formats import number_format

DFSP = "/d/dermatofibrosarcoma-protuberans/"
PAGES = [
    "/",
    DFSP,
    f"{DFSP}q/best-treatments/",
    f"{DFSP}treatments/",
    f"{DFSP}map/",
    "/sources/",
    "/accounts/privacy-notice/",
]
LANGUAGES = [code for code, _name in settings.LANGUAGES]
CS_CATALOG = Path(settings.LOCALE_PATHS[0]) / "cs" / "LC_MESSAGES" / "django.po"


def test_there_are_seven_languages() -> None:
    assert LANGUAGES == ["en", "cs", "de", "es", "fr", "it", "pt"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_main_public_pages_render_in_every_language(
    client: Client, language: str, page: str
) -> None:
    path = page if language == "en" else f"/{language}{page}"

    response = client.get(path)

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_follow_the_languages_format(client: Client, language: str) -> None:
    with translation.override(language):
        rare = number_format(4314, force_grouping=True)

    html = client.get("/" if language == "en" else f"/{language}/").content.decode()

    assert rare in html
    assert rare == {"en": "4,314", "de": "4.314", "es": "4\xa0314"}.get(language, rare)


def test_czech_has_three_plural_forms() -> None:
    """Our catalog's rule (Django's own Czech catalog has a fourth form, for fractions; each
    catalog keeps its own rule)."""
    with CS_CATALOG.with_suffix(".mo").open("rb") as handle:
        plural = gettext.GNUTranslations(handle).plural

    assert [plural(n) for n in (1, 3, 5)] == [0, 1, 2]
    assert [plural(n) for n in (2, 4, 21, 100)] == [1, 1, 2, 2]


def test_czech_plural_strings_take_three_forms() -> None:
    """A plural the Czech catalog holds has three forms there, and gives three strings once
    it is translated (until then, the English ones)."""
    with CS_CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    message = catalog.get(("%(num)d answer", "%(num)d answers"))
    assert catalog.num_plurals == 3
    assert message is not None
    assert len(message.string) == 3

    with translation.override("cs"):
        forms = [translation.ngettext(*message.id, n) % {"num": n} for n in (1, 3, 5)]

    if all(message.string):
        assert len(set(forms)) == 3
    else:
        assert forms == ["1 answer", "3 answers", "5 answers"]
