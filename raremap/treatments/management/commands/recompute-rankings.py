from django.core.management.base import BaseCommand, CommandError, CommandParser

from raremap.catalog.models import Disease
from raremap.treatments.activity import activity_counts_refresh
from raremap.treatments.ranking import rankings_recompute


class Command(BaseCommand):
    help = (
        "Recompute the treatment rankings from the members' reports (all diseases, or the "
        "diseases given by slug). Idempotent: the rows are replaced in one transaction. For all "
        "diseases it also recounts the reports and mentions the treatments index shows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="disease slugs (default: every disease)")

    def handle(self, *args: object, slugs: list[str], **options: object) -> None:
        disease_ids = None
        if slugs:
            found = dict(Disease.objects.filter(slug__in=slugs).values_list("slug", "pk"))
            missing = sorted(set(slugs) - set(found))
            if missing:
                raise CommandError(f"No such disease: {', '.join(missing)}")
            disease_ids = list(found.values())
        written = rankings_recompute(disease_ids=disease_ids)
        if disease_ids is None:
            activity_counts_refresh()
        self.stdout.write(f"{written} rankings written.")
