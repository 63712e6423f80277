from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "raremap.core"
    label = "core"
