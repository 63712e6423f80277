from django.urls import path

from raremap.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.report_queue, name="report-queue"),
    path("log/", views.action_list, name="action-list"),
    path("roles/", views.role_list, name="role-list"),
    path("roles/<str:public_id>/<str:role>/verify/", views.role_verify, name="role-verify"),
    path("roles/<int:verification_id>/revoke/", views.role_revoke, name="role-revoke"),
    path("report/answer/<int:answer_id>/", views.answer_report, name="answer-report"),
    path("report/question/<int:question_id>/", views.question_report, name="question-report"),
    path("report/<int:report_id>/dismiss/", views.report_dismiss, name="report-dismiss"),
    path(
        "report/message/<str:public_id>/<int:message_id>/",
        views.message_report,
        name="message-report",
    ),
    path("report/request/<str:public_id>/", views.request_report, name="request-report"),
    path("report/<int:report_id>/read/", views.private_read, name="private-read"),
    path(
        "report/<int:report_id>/hide/",
        views.private_moderate,
        {"action": "hide"},
        name="private-hide",
    ),
    path(
        "report/<int:report_id>/close/",
        views.private_moderate,
        {"action": "close"},
        name="private-close",
    ),
    *[
        path(
            f"answer/<int:answer_id>/{action}/",
            views.answer_moderate,
            {"action": action},
            name=f"answer-{action}",
        )
        for action in ("hide", "restore", "remove")
    ],
    *[
        path(
            f"question/<int:question_id>/{action}/",
            views.question_moderate,
            {"action": action},
            name=f"question-{action}",
        )
        for action in ("hide", "restore", "remove", "approve", "reject")
    ],
]
