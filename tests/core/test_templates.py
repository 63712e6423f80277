"""Rules about the page templates, read from their source: dates and times are written in the
formats of the page's language, and no sentence puts its full stop right after a time."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "raremap"

# Django's formats per language (django/conf/locale/<lang>/formats.py): a template names one of
# these, so that a Spanish page says "7 de diciembre de 2026" and an English one "Dec. 7, 2026".
NAMED_FORMATS = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
}
_DATE_FILTER = re.compile(r"\|date\(([^)]*)\)")
# English times end with a full stop ("3:17 a.m."): a sentence that ends with one gets two.
_TIME_FORMATS = ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT")
_PLACEHOLDER_THEN_STOP = re.compile(r"%\((\w+)\)s\.")


def _templates() -> list[Path]:
    return sorted(PACKAGE.glob("*/jinja2/**/*.html"))


def test_dates_use_the_formats_of_the_page_language() -> None:
    fixed = [
        f"{path.relative_to(PACKAGE)}: |date({argument})"
        for path in _templates()
        for argument in _DATE_FILTER.findall(path.read_text())
        if argument.strip("\"'") not in NAMED_FORMATS
    ]

    assert fixed == []


def test_no_sentence_ends_right_after_a_time() -> None:
    doubled = []
    for path in _templates():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for name in _PLACEHOLDER_THEN_STOP.findall(line):
                bound = re.search(rf"\b{name}=[^,]*?\|date\(\"(\w+)\"\)", line)
                if bound and bound.group(1) in _TIME_FORMATS:
                    doubled.append(f"{path.relative_to(PACKAGE)}:{number}: %({name})s.")

    assert doubled == []
