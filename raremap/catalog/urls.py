from django.urls import path

from raremap.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.autocomplete, name="autocomplete"),
    path("d/<slug:slug>/", views.disease_detail, name="disease-detail"),
    path("sources/", views.sources, name="sources"),
]
