from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "raremap.catalog"
    label = "catalog"
