"""The open data files: /d/<slug>/treatments/export.csv and .json, /treatments/export.csv."""

import csv
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from raremap.catalog.models import Disease
from raremap.treatments.export import COLUMNS, LICENCE, LICENCE_URL
from raremap.treatments.models import Treatment, TreatmentReport
from tests.factories import UserFactory
from tests.treatments.helpers import ranking

DFSP_CSV = "/d/dermatofibrosarcoma-protuberans/treatments/export.csv"
DFSP_JSON = "/d/dermatofibrosarcoma-protuberans/treatments/export.json"
ALL_CSV = "/treatments/export.csv"
ABOUT_KEYS = [
    "title",
    "source",
    "url",
    "licence",
    "licence_url",
    "attribution",
    "evidence",
    "min_reports",
    "min_reports_rule",
    "scales",
    "demo",
    "generated_at",
]


def treatment(slug: str, name: str, kind: str = "drug", **fields: object) -> Treatment:
    return Treatment.objects.create(slug=slug, name=name, kind=kind, source="curated", **fields)


@pytest.fixture
def cf(db: None) -> Disease:
    return Disease.objects.get(primary_code="ORPHA:586")


@pytest.fixture
def rankings(dfsp: Disease, cf: Disease) -> dict[str, Treatment]:
    """DFSP: Mohs (12 reports), imatinib (exactly 5), vitamin D (4: never shown), a pending
    treatment (9: never shown); cystic fibrosis: ivacaftor (7)."""
    made = {
        "mohs": treatment("mohs-micrographic-surgery", "Mohs micrographic surgery", "procedure"),
        "imatinib": treatment(
            "imatinib", "Imatinib", drugbank_id="DB00619", medlineplus_id="a606018"
        ),
        "vitamin_d": treatment("vitamin-d", "Vitamin D", "supplement"),
        "pending": treatment("moonwater", "Moonwater", status=Treatment.Status.PENDING),
        "ivacaftor": treatment("ivacaftor", "Ivacaftor", mesh_id="C545203"),
    }
    ranking(
        dfsp,
        made["mohs"],
        12,
        mean=4.666666,
        score=4.123456,
        lower=4.0004,
        upper=4.9,
        effectiveness_counts={"1": 0, "2": 0, "3": 1, "4": 2, "5": 9},
        burden_mean=1.5,
        by_reporter={"self": 10, "relative": 1, "care": 1},
    )
    ranking(dfsp, made["imatinib"], 5, score=3.1)
    ranking(dfsp, made["vitamin_d"], 4, mean=3.8125, score=9.0)
    ranking(dfsp, made["pending"], 9)
    ranking(cf, made["ivacaftor"], 7, score=3.9)
    return made


def row(**values: str) -> dict[str, str]:
    base = dict.fromkeys(COLUMNS, "")
    return {**base, **values}


DFSP_ROW = {
    "disease_code": "ORPHA:31112",
    "disease_name": "Dermatofibrosarcoma protuberans",
    "disease_slug": "dermatofibrosarcoma-protuberans",
}
MOHS_ROW = row(
    **DFSP_ROW,
    treatment_slug="mohs-micrographic-surgery",
    treatment_name="Mohs micrographic surgery",
    treatment_kind="procedure",
    reports="12",
    mean="4.667",
    score="4.123",
    lower="4.0",
    upper="4.9",
    effectiveness_1="0",
    effectiveness_2="0",
    effectiveness_3="1",
    effectiveness_4="2",
    effectiveness_5="9",
    burden_mean="1.5",
    reports_self="10",
    reports_relative="1",
    reports_care="1",
    demo_reports="0",
    computed_at="2026-11-01T12:00:00+00:00",
)
IMATINIB_ROW = row(
    **DFSP_ROW,
    treatment_slug="imatinib",
    treatment_name="Imatinib",
    treatment_kind="drug",
    drugbank_id="DB00619",
    medlineplus_id="a606018",
    reports="5",
    mean="4.0",
    score="3.1",
    lower="3.25",
    upper="4.5",
    effectiveness_1="0",
    effectiveness_2="0",
    effectiveness_3="0",
    effectiveness_4="0",
    effectiveness_5="5",
    burden_mean="2.0",
    reports_self="5",
    reports_relative="0",
    reports_care="0",
    demo_reports="0",
    computed_at="2026-11-01T12:00:00+00:00",
)


def read_csv(client: Client, url: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The about block (the `# key: value` lines) and the rows, read with the csv module."""
    response = client.get(url)
    assert response.status_code == 200, response
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    lines = text.splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    assert lines[: len(comments)] == comments  # the about block comes first, then the data
    about = dict(line[2:].rstrip("\n").split(": ", 1) for line in comments)
    reader = csv.DictReader(io.StringIO("".join(lines[len(comments) :])))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return about, list(reader)


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_disease_csv_has_the_about_block_then_a_row_per_treatment_with_enough_reports(
    client: Client, rankings: dict[str, Treatment]
) -> None:
    about, rows = read_csv(client, DFSP_CSV)

    assert list(about) == ABOUT_KEYS
    assert (
        about["title"]
        == "RareMap treatment rankings: Dermatofibrosarcoma protuberans (ORPHA:31112)"
    )
    assert about["url"] == f"http://testserver{DFSP_CSV}"
    assert (
        (about["licence"], about["licence_url"])
        == (LICENCE, LICENCE_URL)
        == (
            "CC BY 4.0",
            "https://creativecommons.org/licenses/by/4.0/",
        )
    )
    assert about["min_reports"] == "5"
    assert about["min_reports_rule"] == (
        "A treatment appears for a disease only when at least 5 members reported it for that "
        "disease; below that its numbers are never published."
    )
    assert about["evidence"].startswith("Patient reports, not trial evidence")
    assert rows == [MOHS_ROW, IMATINIB_ROW]


@pytest.mark.django_db
def test_disease_csv_is_a_download(client: Client, rankings: dict[str, Treatment]) -> None:
    response = client.get(DFSP_CSV)

    today = timezone.now().strftime("%Y-%m-%d")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="raremap-treatments-dermatofibrosarcoma-protuberans-{today}.csv"'
    )
    assert response["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
def test_whole_catalog_csv_has_every_disease_in_id_order_best_first(
    client: Client, rankings: dict[str, Treatment], dfsp: Disease, cf: Disease
) -> None:
    about, rows = read_csv(client, ALL_CSV)

    dfsp_rows = [MOHS_ROW, IMATINIB_ROW]
    cf_rows = [
        row(
            disease_code="ORPHA:586",
            disease_name="Cystic fibrosis",
            disease_slug="cystic-fibrosis",
            treatment_slug="ivacaftor",
            treatment_name="Ivacaftor",
            treatment_kind="drug",
            mesh_id="C545203",
            reports="7",
            mean="4.0",
            score="3.9",
            lower="3.25",
            upper="4.5",
            effectiveness_1="0",
            effectiveness_2="0",
            effectiveness_3="0",
            effectiveness_4="0",
            effectiveness_5="7",
            burden_mean="2.0",
            reports_self="7",
            reports_relative="0",
            reports_care="0",
            demo_reports="0",
            computed_at="2026-11-01T12:00:00+00:00",
        )
    ]
    assert about["title"] == "RareMap treatment rankings"
    assert rows == (dfsp_rows + cf_rows if dfsp.pk < cf.pk else cf_rows + dfsp_rows)


@pytest.mark.django_db
def test_formulas_in_names_are_defused(client: Client, dfsp: Disease) -> None:
    ranking(dfsp, treatment("sneaky", '=HYPERLINK("http://evil.example","x")'), 5)

    _about, rows = read_csv(client, DFSP_CSV)

    assert rows[0]["treatment_name"] == '\'=HYPERLINK("http://evil.example","x")'


@pytest.mark.django_db
def test_rows_built_on_demo_reports_say_how_many(
    client: Client, dfsp: Disease, rankings: dict[str, Treatment]
) -> None:
    for _ in range(2):
        TreatmentReport.objects.create(
            user=UserFactory(is_demo=True),
            disease=dfsp,
            treatment=rankings["imatinib"],
            reported_for="self",
            effectiveness=4,
            side_effect_burden=2,
            is_demo=True,
        )
    TreatmentReport.objects.create(
        user=UserFactory(),
        disease=dfsp,
        treatment=rankings["mohs"],
        reported_for="self",
        effectiveness=5,
        side_effect_burden=1,
    )

    for url in (DFSP_CSV, ALL_CSV):
        _about, rows = read_csv(client, url)
        demo = {r["treatment_slug"]: r["demo_reports"] for r in rows}
        assert demo == {"mohs-micrographic-surgery": "0", "imatinib": "2"} | (
            {"ivacaftor": "0"} if url == ALL_CSV else {}
        )


@pytest.mark.django_db
def test_unknown_disease_is_404(client: Client) -> None:
    assert client.get("/d/no-such-disease/treatments/export.csv").status_code == 404
    assert client.get("/d/no-such-disease/treatments/export.json").status_code == 404


@pytest.mark.django_db
def test_whole_catalog_export_is_limited_per_client(client: Client) -> None:
    statuses = [client.get(ALL_CSV).status_code for _ in range(21)]

    assert statuses == [200] * 20 + [429]


@pytest.mark.django_db
def test_export_reads_a_constant_number_of_queries(
    client: Client, django_assert_num_queries, rankings: dict[str, Treatment]
) -> None:  # type: ignore[no-untyped-def]
    client.get(DFSP_CSV)  # the disease is cached

    with django_assert_num_queries(2):  # the demo report counts, the rankings
        b"".join(client.get(DFSP_CSV).streaming_content)


# --- JSON ---------------------------------------------------------------------------------------


def typed(values: dict[str, str]) -> dict[str, object]:
    """A CSV row as the JSON export types it."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if value == "":
            out[key] = None
        elif key in {"mean", "score", "lower", "upper", "burden_mean"}:
            out[key] = float(value)
        elif key == "reports" or key.startswith(("effectiveness_", "reports_", "demo_")):
            out[key] = int(value)
        else:
            out[key] = value
    return out


@pytest.mark.django_db
def test_disease_json_is_valid_with_about_columns_and_rows(
    client: Client, rankings: dict[str, Treatment]
) -> None:
    response = client.get(DFSP_JSON)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(b"".join(response.streaming_content))
    assert list(body) == ["about", "columns", "rows"]
    assert list(body["about"]) == ABOUT_KEYS
    assert body["about"]["min_reports"] == 5
    assert body["about"]["licence"] == "CC BY 4.0"
    assert body["columns"] == list(COLUMNS)
    assert body["rows"] == [typed(MOHS_ROW), typed(IMATINIB_ROW)]


@pytest.mark.django_db
def test_json_without_rows_is_valid(client: Client, dfsp: Disease) -> None:
    body = json.loads(b"".join(client.get(DFSP_JSON).streaming_content))

    assert body["rows"] == []


# --- the min-count rule, on every path ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("reports", "shown"), [(4, False), (5, True)])
@pytest.mark.parametrize("path", ["csv", "json", "all", "api"])
def test_four_reports_never_appear_five_do(
    client: Client, dfsp: Disease, reports: int, shown: bool, path: str
) -> None:
    ranking(dfsp, treatment("imatinib", "Imatinib"), reports, mean=3.8125)

    if path == "api":
        body = client.get("/api/v1/diseases/dermatofibrosarcoma-protuberans/treatments").json()
        statistics = body["results"][0]["statistics"]
        assert (statistics is not None) == shown
        assert ("3.812" in json.dumps(body)) == shown
        return
    url = {"csv": DFSP_CSV, "json": DFSP_JSON, "all": ALL_CSV}[path]
    text = b"".join(client.get(url).streaming_content).decode()
    assert ("imatinib" in text) == shown
    assert ("3.812" in text) == shown
