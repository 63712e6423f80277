from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "raremap.treatments"
    verbose_name = "Treatment evidence"
