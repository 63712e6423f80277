from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from raremap.core.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup at PATH (made by `raremap backup`), then "
        "clear the cache. Stop the web and task workers first: a database in use is refused. "
        "Asks for --yes, because everything written since the backup is lost."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file to restore")
        parser.add_argument(
            "--yes", action="store_true", help="yes, replace the database with the backup"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(
        self, *args: object, path: Path, yes: bool, database: str, **options: object
    ) -> None:
        settings_dict = connections[database].settings_dict
        if not yes:
            raise CommandError(
                f"This replaces the database {settings_dict['NAME']} with {path}: everything "
                "written since the backup is lost. Run again with --yes to go on."
            )
        try:
            restored = database_restore(database=settings_dict, path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {restored.engine} database {restored.database} from {path}.")
        if restored.cache_error:
            self.stderr.write(
                f"Could not clear the cache ({restored.cache_error}): clear it before starting "
                "the site, or it serves pages and counts from before the restore."
            )
        else:
            self.stdout.write("Cleared the cache: nothing cached before the restore is served.")
        self.stdout.write(
            "A backup made by an older version of RareMap needs `raremap migrate` before the "
            "site starts."
        )
