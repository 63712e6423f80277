from django.urls import path

from raremap.communities import views

app_name = "communities"

urlpatterns = [
    path("d/<slug:slug>/join/", views.membership_join, name="membership-join"),
    path("d/<slug:slug>/leave/", views.membership_leave, name="membership-leave"),
]
