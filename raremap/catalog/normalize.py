"""Text normalisation shared by the importer and search: one definition of a "word"."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Crohn’s disease" → "crohn s disease"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NON_WORD.sub(" ", folded).strip()


def words(text: str) -> list[str]:
    return normalize(text).split()
