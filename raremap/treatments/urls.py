from django.urls import path

app_name = "treatments"

urlpatterns: list = []

# --- the vocabulary: treatment pages, proposals (raremap/treatments/views/vocabulary.py) ---

# --- reports and rankings: a disease's treatments page, report forms (views/reports.py) ---
from raremap.treatments.views import reports  # noqa: E402

urlpatterns += [
    path("d/<slug:slug>/treatments/", reports.disease_treatments, name="disease-treatments"),
    path("d/<slug:slug>/treatments/report/", reports.report_form, name="report-create"),
    path(
        "d/<slug:slug>/treatments/report/<int:report_id>/",
        reports.report_form,
        name="report-edit",
    ),
    path(
        "d/<slug:slug>/treatments/report/<int:report_id>/delete/",
        reports.report_delete,
        name="report-delete",
    ),
    path("d/<slug:slug>/treatments/mine/", reports.report_list, name="report-list"),
]
