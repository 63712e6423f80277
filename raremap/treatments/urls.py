from django.urls import path

app_name = "treatments"

urlpatterns: list = []

# --- the vocabulary: treatment pages, proposals (raremap/treatments/views/vocabulary.py) ---
from raremap.treatments.views import vocabulary as vocabulary_views  # noqa: E402

urlpatterns += [
    path("treatments/", vocabulary_views.treatment_list, name="treatment-list"),
    path("treatments/propose/", vocabulary_views.treatment_propose, name="treatment-propose"),
    path("treatments/proposed/", vocabulary_views.treatment_proposed, name="treatment-proposed"),
    *[
        path(
            f"treatments/proposed/<int:treatment_id>/{action}/",
            vocabulary_views.treatment_review,
            {"action": action},
            name=f"treatment-{action}",
        )
        for action in vocabulary_views.REVIEW_ACTIONS
    ],
    path("t/<slug:slug>/", vocabulary_views.treatment_detail, name="treatment-detail"),
]

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
