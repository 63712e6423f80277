from django.core.management.base import BaseCommand, CommandParser

from raremap.treatments.mentions import mentions_refresh_all


class Command(BaseCommand):
    help = (
        "Find the treatments named in every published answer and store them (replacing what "
        "was found before), in batches. Safe to run again at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="answers per transaction")

    def handle(self, *args: object, **options: object) -> None:
        result = mentions_refresh_all(batch=max(1, int(options["batch"])))  # type: ignore[call-overload]
        rate = result.answers / result.seconds if result.seconds else result.answers
        self.stdout.write(
            f"{result.answers} answers, {result.mentions} mentions in {result.seconds} s "
            f"({rate:.0f} answers/s)."
        )
