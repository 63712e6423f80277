from django.core.management.base import BaseCommand

from raremap.atlas.models import MapSnapshot
from raremap.atlas.services import map_publish


class Command(BaseCommand):
    help = (
        "Publish every disease map again from its entries: entries that have become "
        "established count toward k (the worker does this on its own where tasks can wait; "
        "run it daily from cron otherwise, and after changing MAP_K or MAP_ESTABLISHED_DAYS)."
    )

    def handle(self, *args: object, **options: object) -> None:
        diseases = list(MapSnapshot.objects.values_list("disease_id", flat=True))
        for disease_id in diseases:
            map_publish(disease_id=disease_id)
        self.stdout.write(f"Published {len(diseases)} maps.")
