from django.urls import path

from raremap.atlas import views

app_name = "atlas"

urlpatterns = [
    path("places/search/", views.place_search, name="place-search"),
]
