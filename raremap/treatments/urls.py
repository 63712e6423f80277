from django.urls import path

app_name = "treatments"

urlpatterns: list = []

# --- the vocabulary: treatment pages, proposals (raremap/treatments/views/vocabulary.py) ---

# --- reports and rankings: a disease's treatments page, report forms (views/reports.py) ---

# --- open data export (views/export.py) ---
from raremap.treatments.views import export as export_views  # noqa: E402

urlpatterns += [
    path(
        "d/<slug:slug>/treatments/export.csv",
        export_views.ranking_export_csv,
        name="ranking-export-csv",
    ),
    path(
        "d/<slug:slug>/treatments/export.json",
        export_views.ranking_export_json,
        name="ranking-export-json",
    ),
    path("treatments/export.csv", export_views.ranking_export_all_csv, name="ranking-export-all"),
]
