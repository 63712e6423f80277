from django.urls import path

from raremap.questions import views

app_name = "questions"

urlpatterns = [
    path("d/<slug:slug>/q/", views.question_list, name="question-list"),
    path("d/<slug:slug>/q/propose/", views.question_propose, name="question-propose"),
    path("d/<slug:slug>/q/<slug:qslug>/", views.question_detail, name="question-detail"),
    path("d/<slug:slug>/q/<slug:qslug>/answer/", views.answer_create, name="answer-create"),
    path("d/<slug:slug>/q/<slug:qslug>/follow/", views.question_follow, name="question-follow"),
    path("d/<slug:slug>/q/<slug:qslug>/overview/edit/", views.overview_edit, name="overview-edit"),
    path(
        "d/<slug:slug>/q/<slug:qslug>/overview/history/",
        views.overview_history,
        name="overview-history",
    ),
    path(
        "d/<slug:slug>/q/<slug:qslug>/overview/revert/<int:number>/",
        views.overview_revert,
        name="overview-revert",
    ),
    path(
        "d/<slug:slug>/q/<slug:qslug>/overview/review/",
        views.overview_review,
        name="overview-review",
    ),
    path("answers/<int:answer_id>/", views.answer_detail, name="answer-detail"),
    path("answers/<int:answer_id>/edit/", views.answer_edit, name="answer-edit"),
    path("answers/<int:answer_id>/delete/", views.answer_delete, name="answer-delete"),
    path("answers/<int:answer_id>/history/", views.answer_history, name="answer-history"),
    path("answers/<int:answer_id>/vote/", views.answer_vote, name="answer-vote"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("help/reputation/", views.reputation_help, name="reputation-help"),
]
