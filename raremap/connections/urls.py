from django.urls import path

from raremap.connections import views

app_name = "connections"

urlpatterns = [
    path("connections/", views.connection_list, name="connection-list"),
    path(
        "connections/member/<str:public_id>/ask/",
        views.connection_request,
        name="connection-request",
    ),
    path("connections/member/<str:public_id>/block/", views.block_create, name="block-create"),
    path("connections/member/<str:public_id>/unblock/", views.block_remove, name="block-remove"),
    *[
        path(
            f"connections/<str:public_id>/{action}/",
            views.connection_change,
            {"action": action},
            name=f"connection-{action}",
        )
        for action in ("accept", "decline", "withdraw", "end")
    ],
    path("messages/", views.conversation_list, name="conversation-list"),
    path("messages/<str:public_id>/", views.conversation_detail, name="conversation-detail"),
    path("messages/<str:public_id>/send/", views.message_send, name="message-send"),
    path("messages/<str:public_id>/new/", views.message_new, name="message-new"),
    path("messages/<str:public_id>/read/", views.conversation_read, name="conversation-read"),
    path("messages/<str:public_id>/remove/", views.conversation_remove, name="conversation-remove"),
]
