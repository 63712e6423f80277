"""Context processor: the header's count of unread notifications, asked for only when shown."""

from functools import partial

from django.http import HttpRequest

from raremap.questions.selectors import notification_unread_count


def notifications(request: HttpRequest) -> dict[str, object]:
    return {"unread_notifications": partial(notification_unread_count, request.user)}
