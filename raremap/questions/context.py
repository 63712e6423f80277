"""Context processor: the header's unread counts (notifications, messages), asked for only
when shown, and then in one query for both."""

from functools import cache, partial

from django.http import HttpRequest

from raremap.questions.selectors import notification_unread_counts


def notifications(request: HttpRequest) -> dict[str, object]:
    counts = cache(partial(notification_unread_counts, request.user))
    return {
        "unread_notifications": lambda: counts()["notifications"],
        "unread_messages": lambda: counts()["messages"],
    }
