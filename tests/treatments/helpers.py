"""Ranking rows written directly, for the tests of what reads them (API, export)."""

from datetime import UTC, datetime

from raremap.catalog.models import Disease
from raremap.treatments.models import Treatment, TreatmentRanking

COMPUTED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def ranking(disease: Disease, treatment: Treatment, reports: int, **fields: object) -> None:
    """A TreatmentRanking as the recompute would write it; any field can be given."""
    values = {
        "effectiveness_counts": {"1": 0, "2": 0, "3": 0, "4": 0, "5": reports},
        "mean": 4.0,
        "score": 3.5,
        "lower": 3.25,
        "upper": 4.5,
        "burden_mean": 2.0,
        "by_reporter": {"self": reports},
        "countries": {"ES": reports},
        "computed_at": COMPUTED,
        **fields,
    }
    TreatmentRanking.objects.create(disease=disease, treatment=treatment, reports=reports, **values)
