from django.urls import path

from raremap.atlas import views

app_name = "atlas"

urlpatterns = [
    path("d/<slug:slug>/map/", views.disease_map, name="map"),
    path("d/<slug:slug>/map/join/", views.map_join, name="map-join"),
    path("d/<slug:slug>/map/leave/", views.map_withdraw, name="map-withdraw"),
    path("d/<slug:slug>/people/", views.people, name="people"),
    path("accounts/privacy/", views.privacy, name="privacy"),
    path("places/search/", views.place_search, name="place-search"),
]
