from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "raremap.questions"
    verbose_name = "Questions and answers"

    def ready(self) -> None:
        from functools import partial

        from raremap.accounts import nav
        from raremap.questions.selectors import notification_unread

        nav.register("notifications", partial(notification_unread, messages=False))
        nav.register("messages", partial(notification_unread, messages=True))
