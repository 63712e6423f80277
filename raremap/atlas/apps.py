from django.apps import AppConfig


class AtlasConfig(AppConfig):
    name = "raremap.atlas"
    verbose_name = "Map"

    def ready(self) -> None:
        from raremap.atlas import receivers  # noqa: F401  (connects the signal receivers)
