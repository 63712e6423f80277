from django.urls import path

from raremap.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.data, name="data"),
    path("download/", views.export_request, name="export-request"),
    path("download/<str:token>/", views.export_download, name="export-download"),
    path("moderator-reads/", views.moderator_reads, name="moderator-reads"),
    path("delete/", views.account_delete, name="account-delete"),
]
