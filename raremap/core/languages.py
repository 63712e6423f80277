"""The interface's languages (settings.LANGUAGES), as the rest of the site asks for them."""

from functools import lru_cache

from django.conf import settings
from django.utils import translation


@lru_cache(maxsize=1)
def language_codes() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


@lru_cache(maxsize=1)
def named_in_themselves() -> tuple[tuple[str, str], ...]:
    """(code, name) with each language named in itself ("Deutsch", "español"): choosers and
    forms, where a reader looks for their own language."""
    return tuple(
        (code, str(translation.get_language_info(code)["name_local"])) for code in language_codes()
    )
