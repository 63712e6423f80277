import pytest

from raremap.catalog.sources import _is_abbreviation


@pytest.mark.parametrize(
    ("token", "name", "expected"),
    [
        ("dfsp", "Dermatofibrosarcoma protuberans", True),
        ("als", "Amyotrophic lateral sclerosis", True),
        ("acne", "Acne vulgaris", False),  # a word of the name
        ("derm", "Dermatofibrosarcoma protuberans", False),  # a prefix of a word
        ("blooms", "Bloom syndrome", False),  # a possessive
        ("tat", "Tyrosinemia type 1", False),  # only one main word
        ("iris", "Iridocorneal endothelial syndrome", False),  # skips a main word
        ("x", "Fragile X syndrome", False),  # too short
    ],
)
def test_abbreviation_rule(token: str, name: str, expected: bool) -> None:
    assert _is_abbreviation(token, name) is expected
