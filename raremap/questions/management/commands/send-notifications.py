from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from raremap.questions.services import notification_emails_send


class Command(BaseCommand):
    help = (
        "Email members (unless they turned it off) about new answers to questions they follow, "
        "connection requests and new messages — titles and links only (run it daily from cron). "
        "Off unless NOTIFICATION_EMAILS is set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="site address")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.NOTIFICATION_EMAILS:
            self.stdout.write("NOTIFICATION_EMAILS is off: nothing sent.")
            return
        sent = notification_emails_send(base_url=str(options["base_url"]))
        self.stdout.write(f"Sent {sent} notification emails.")
