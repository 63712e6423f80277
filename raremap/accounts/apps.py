from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "raremap.accounts"
    label = "accounts"
