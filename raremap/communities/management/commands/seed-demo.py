from django.core.management.base import BaseCommand, CommandError, CommandParser

from raremap.atlas.demo import seed_demo_map
from raremap.communities.demo import CHUNK, MAX_MEMBERS, demo_seed
from raremap.questions.demo import MIN_MEMBERS, seed_demo_questions
from raremap.treatments.demo import seed_demo_treatments

DEFAULT_MEMBERS = 300


class Command(BaseCommand):
    help = (
        "Load the demo community: fictional members labelled 'demo' (addresses at demo.invalid, "
        "no usable password). Deterministic and idempotent: does nothing when the demo set of "
        "that size exists; another size adds or removes demo members. Real members are never "
        f"touched. With at least {MIN_MEMBERS} members it also writes demo answers, votes and "
        "editor overviews, and treatment reports (with their rankings), for a few diseases (DFSP "
        "among them), and demo members on those diseases' maps (needs import-places)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            default=DEFAULT_MEMBERS,
            help=f"how many demo members (default {DEFAULT_MEMBERS}, at most {MAX_MEMBERS}; "
            "0 removes them all)",
        )

    def handle(self, *args: object, **options: object) -> None:
        members = int(options["members"])  # type: ignore[call-overload]
        if not 0 <= members <= MAX_MEMBERS:
            raise CommandError(f"--members must be between 0 and {MAX_MEMBERS}")
        verbose = int(options["verbosity"]) > 1  # type: ignore[call-overload]

        def progress(done: int, total: int) -> None:
            if verbose or done % 100_000 < CHUNK:
                self.stdout.write(f"  {done:,} / {total:,} members")

        result = demo_seed(members=members, progress=progress if members >= 50_000 else None)
        if not result.created and not result.deleted:
            self.stdout.write(f"Demo community is current ({result.members:,} members).")
        else:
            self.stdout.write(
                f"Demo community: {result.members:,} members ({result.created:,} added, "
                f"{result.deleted:,} removed, {result.memberships_created:,} memberships added) "
                f"in {result.seconds:.1f} s ({result.members_per_second:,.0f} members/s)."
            )
        seed_demo_questions(stdout=self.stdout)
        seed_demo_treatments(stdout=self.stdout)
        seed_demo_map(stdout=self.stdout)
