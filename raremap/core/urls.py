from django.urls import path

from raremap.core import views

app_name = "core"

urlpatterns = [
    path("about/", views.about, name="about"),
]
