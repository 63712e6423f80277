import pytest

from raremap.catalog.selectors import disease_search


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["DFSP", "dfsp", "dermatofibrosarcoma", "ORPHA:31112", "orpha 31112", "dermatofibrosarcma"]
)
def test_search_finds_dfsp(query: str) -> None:
    result = disease_search(query, limit=5)

    assert result.hits[0].disease.primary_code == "ORPHA:31112"
