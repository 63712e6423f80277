from django.apps import AppConfig


class AtlasConfig(AppConfig):
    name = "raremap.atlas"
    verbose_name = "Map"
