from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "raremap.questions"
    verbose_name = "Questions and answers"

    def ready(self) -> None:
        from raremap.accounts import nav
        from raremap.questions.selectors import unread_counts

        nav.register(unread_counts)
