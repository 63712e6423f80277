"""The treatment vocabulary for tests: our curated list with a few real drugs.

The full import (20,000 drugs, ~100,000 names) takes a few seconds; one test runs it
(test_vocabulary.py). Everything else imports the curated list and the drugs below, taken
from the installed drug-named-entity-recognition, into each test's own transaction: fast, and
untouched by the flush of a transactional test elsewhere.
"""

from functools import cache

import pytest

from raremap.treatments.vocabulary import (
    Entry,
    ImportResult,
    normalize_name,
    package_entries,
    vocabulary_entries,
    vocabulary_import,
)

# By normalised generic name: the drugs the tests need (brands, clashes with curated names,
# stoplisted words, short codes, everyday phrases).
TEST_DRUGS = {
    "imatinib",  # brand Gleevec
    "imatinib mesylate",  # brand Glivec: a treatment of its own in the package
    "ergocalciferol",  # also called "vitamin d": the curated Vitamin D wins
    "iron",  # taken over by the curated Iron (a supplement)
    "omega 3 fatty acids",  # taken over by the curated Omega-3
    "acetaminophen",  # brands Tylenol, Panadol; also paracetamol
    "aspirin",
    "nintedanib",  # brand Ofev: four letters, matched only with a capital
    "metformin",
    "water",  # stoplisted
    "oxygen",  # stoplisted
    "naphazoline",  # brands "all clear", "clear eyes": everyday phrases
    "proto oncogene proteins c sis",  # "PDGFB": a gene, stoplisted
    "fluorouracil",  # "5-FU"
}


@cache
def sample_drugs() -> tuple[Entry, ...]:
    return tuple(e for e in package_entries() if normalize_name(e.name) in TEST_DRUGS)


@pytest.fixture
def vocabulary(db: None) -> ImportResult:
    """The curated list and TEST_DRUGS, imported."""
    return vocabulary_import(entries=vocabulary_entries(drugs=sample_drugs()))
