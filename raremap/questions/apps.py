from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "raremap.questions"
    verbose_name = "Questions and answers"
