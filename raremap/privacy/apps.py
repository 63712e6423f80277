from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "raremap.privacy"
    verbose_name = "Data rights"
