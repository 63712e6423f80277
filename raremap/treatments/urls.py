from django.urls import path

from raremap.treatments.views import export as export_views
from raremap.treatments.views import reports as report_views
from raremap.treatments.views import vocabulary as vocabulary_views

app_name = "treatments"

urlpatterns = [
    # The vocabulary: treatment pages, proposals (views/vocabulary.py).
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
    # Reports and rankings: a disease's treatments page, report forms (views/reports.py).
    path("d/<slug:slug>/treatments/", report_views.disease_treatments, name="disease-treatments"),
    path("d/<slug:slug>/treatments/report/", report_views.report_form, name="report-create"),
    path(
        "d/<slug:slug>/treatments/report/<int:report_id>/",
        report_views.report_form,
        name="report-edit",
    ),
    path(
        "d/<slug:slug>/treatments/report/<int:report_id>/delete/",
        report_views.report_delete,
        name="report-delete",
    ),
    path("d/<slug:slug>/treatments/mine/", report_views.report_list, name="report-list"),
    # Open data export (views/export.py).
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
