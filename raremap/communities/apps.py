from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "raremap.communities"
    label = "communities"
