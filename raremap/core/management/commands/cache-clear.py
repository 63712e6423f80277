"""`raremap cache-clear`: empty the shared cache (after an upgrade or a restore)."""

from django.core.cache import cache
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Empty the shared cache (the data directory's cache files, or Redis): every process "
        "then reads from the database again. Run it after an upgrade or a restore."
    )

    def handle(self, *args: object, verbosity: int = 1, **options: object) -> None:
        cache.clear()
        if verbosity:
            self.stdout.write("The cache is empty.")
