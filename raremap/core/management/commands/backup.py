from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from raremap.core.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the database to PATH while the site runs: SQLite's online backup (one "
        "consistent snapshot), or pg_dump's custom format for PostgreSQL. Refuses to overwrite "
        "an existing file unless --force. The file holds members' private data: keep it so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(
        self, *args: object, path: Path, force: bool, database: str, **options: object
    ) -> None:
        try:
            backup = database_backup(
                database=connections[database].settings_dict, path=path, force=force
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Wrote {backup.path.resolve()} ({backup.engine} backup, {backup.size:,} bytes)."
        )
