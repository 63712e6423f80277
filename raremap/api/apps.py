from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "raremap.api"
    label = "api"
