from django.core.management.base import BaseCommand

from raremap.treatments.vocabulary import package_version, vocabulary_import


class Command(BaseCommand):
    help = (
        "Import the treatment vocabulary: drugs from drug-named-entity-recognition and the "
        "curated procedures, therapies, supplements and lifestyle measures "
        "(raremap/treatments/data/curated.csv). Idempotent: a second run changes nothing. "
        "Run `raremap extract-mentions` afterwards to link existing answers to new names."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = vocabulary_import()
        self.stdout.write(
            f"Treatments: {result.treatments} (drug-named-entity-recognition "
            f"{package_version()} and the curated list); {result.created} created, "
            f"{result.updated} updated. Names: {result.names}; {result.names_added} added, "
            f"{result.names_removed} removed. {result.seconds} s."
        )
