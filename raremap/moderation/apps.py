from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "raremap.moderation"
    verbose_name = "Moderation"
