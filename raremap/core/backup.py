"""Backups of the configured database, and restoring one (`raremap backup`, `raremap restore`).

SQLite: an online copy through SQLite's backup API, taken in one step, so it is one consistent
snapshot (committed transactions only, including those still in the write-ahead log) while the
site goes on reading and writing. PostgreSQL: `pg_dump --format=custom`, and `pg_restore` in
one transaction. A backup is written to a temporary file beside its destination and renamed
into place when complete, so a failed backup never leaves a half file under the given name.

Restoring replaces the whole database: the site (web and task workers) must be stopped. Both
engines refuse a database that other connections are using, but a process that connects after
that check is not kept out.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Mapping
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.utils import load_backend

SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
# How long an SQLite backup waits for a lock (only a writer in rollback-journal mode, or in the
# same process, holds the backup off; in WAL mode it never waits).
BUSY_SECONDS = 30.0
_MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}

# libpq reads these from the environment: the password never appears on a command line
# (where every user of the machine could read it in the process list).
_PG_ENVIRONMENT = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
# Other sessions on the database being restored (the site's workers, a console).
_PG_OTHER_SESSIONS = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend'"
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes
    engine: str  # SQLITE or POSTGRESQL


@dataclass(frozen=True)
class Restored:
    database: str  # the file or database name that was replaced
    engine: str
    cache_error: str  # why the cache could not be cleared ("" when it was)


def database_engine(database: Mapping[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if engine == "django.db.backends.sqlite3":
        return SQLITE
    if engine == "django.db.backends.postgresql":
        return POSTGRESQL
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def database_backup(*, database: Mapping[str, Any], path: Path, force: bool = False) -> Backup:
    """Write a backup of `database` (a Django DATABASES entry) to `path`; refuse to overwrite
    an existing file unless `force`."""
    engine = database_engine(database)
    path = Path(path)
    _check_destination(path, force=force)
    staged = _staged_file(path.parent, path.name)
    try:
        if engine == SQLITE:
            _sqlite_backup(str(database["NAME"]), staged)
        else:
            _pg_run("pg_dump", ["--format=custom", "--no-password", f"--file={staged}"], database)
        _fsync(staged)
        # Checked again: the backup took a while, and another one may have written this name.
        _check_destination(path, force=force)
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)
    _fsync(path.parent)
    return Backup(path=path, size=path.stat().st_size, engine=engine)


def database_restore(*, database: Mapping[str, Any], path: Path) -> Restored:
    """Replace `database` (a Django DATABASES entry) with the backup at `path`, then clear the
    cache. The site must be stopped: a database in use is refused."""
    engine = database_engine(database)
    path = Path(path)
    _check_backup_file(path, engine)
    name = str(database["NAME"])
    if engine == SQLITE:
        _sqlite_restore(path, name)
    else:
        _pg_refuse_in_use(database)
        _pg_run(
            "pg_restore",
            # One transaction: a failed restore leaves the database as it was. No owner: the
            # configured user owns what it restores, whoever owned the backed-up tables.
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={name}",
                str(path),
            ],
            database,
        )
    # Cached pages, counts and kept pages describe the database as it was before.
    cache_error = ""
    try:
        cache.clear()
    except Exception as error:  # the restore itself is done; say what is left to do
        cache_error = str(error) or type(error).__name__
    return Restored(database=name, engine=engine, cache_error=cache_error)


# Files.


def _check_destination(path: Path, *, force: bool) -> None:
    if path.is_dir():
        raise BackupError(f"{path} is a directory: give the backup's file name.")
    if not path.parent.is_dir():
        raise BackupError(f"The directory {path.parent} does not exist.")
    if path.exists() and not force:
        raise BackupError(f"{path} exists already: pass --force to overwrite it.")


def _staged_file(directory: Path, name: str) -> Path:
    # Same directory as the destination, so the final rename is atomic; mode 600 because a
    # backup holds every member's private data.
    handle, staged = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".partial")
    os.close(handle)
    return Path(staged)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _check_backup_file(path: Path, engine: str) -> None:
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with path.open("rb") as file:
        head = file.read(16)
    found = next((name for name, magic in _MAGIC.items() if head.startswith(magic)), None)
    if found is None:
        raise BackupError(f"{path} is not a RareMap backup (neither SQLite nor pg_dump custom).")
    if found != engine:
        raise BackupError(
            f"{path} is a backup of {found}, but the configured database is {engine}."
        )


# SQLite.


def _is_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name


def _sqlite_backup(name: str, staged: Path) -> None:
    if not _is_memory(name) and not Path(name).is_file():
        raise BackupError(f"No SQLite database at {name}.")
    deadline = time.monotonic() + BUSY_SECONDS

    def give_up_when_busy(status: int, remaining: int, total: int) -> None:
        # Python retries a busy step every 250 ms, forever: stop after BUSY_SECONDS.
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(
                f"The database {name} stayed locked for {BUSY_SECONDS:g} s: try again."
            )

    # uri=True as Django opens it. Copying in one step keeps one read transaction for the
    # whole copy: a consistent snapshot. In WAL mode the site's writers are not blocked by it.
    with (
        closing(sqlite3.connect(name, uri=True, timeout=0)) as source,
        closing(sqlite3.connect(staged)) as target,
    ):
        source.backup(target, progress=give_up_when_busy)
        # The backup is one self-contained file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")


def _sqlite_restore(path: Path, name: str) -> None:
    if _is_memory(name):
        raise BackupError("The configured database is in memory: nothing to restore into.")
    target = Path(name)
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    guard = _sqlite_exclusive(target) if target.exists() else None
    staged = _staged_file(target.parent, target.name)
    try:
        shutil.copyfile(path, staged)
        _sqlite_verify(staged, source=path)
        _fsync(staged)
        if target.exists():
            # The site's user must still be able to open the database.
            shutil.copymode(target, staged)
            with suppress(PermissionError):
                stat = target.stat()
                os.chown(staged, stat.st_uid, stat.st_gid)
        # A journal left beside the old file would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        staged.replace(target)
        _fsync(target.parent)
    finally:
        staged.unlink(missing_ok=True)
        if guard is not None:
            guard.close()


def _sqlite_exclusive(target: Path) -> sqlite3.Connection:
    """Lock the database about to be replaced, refusing it when anyone else has it open.

    Every connection of the site keeps the database in WAL mode (settings.py), and SQLite
    leaves WAL mode only when no other connection has the database open."""
    guard = sqlite3.connect(target, timeout=0, isolation_level=None)
    try:
        guard.execute("PRAGMA journal_mode=DELETE")
        guard.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as error:
        guard.close()
        raise BackupError(
            f"The database {target} is in use ({error}): stop the web and task workers, "
            "then restore."
        ) from error
    return guard


def _sqlite_verify(staged: Path, *, source: Path) -> None:
    try:
        with closing(sqlite3.connect(staged)) as copy:
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            django_tables = copy.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} cannot be read as an SQLite database: {error}") from error
    if problems != ["ok"]:
        raise BackupError(f"{source} fails SQLite's integrity check: {'; '.join(problems[:5])}")
    if django_tables != 1:
        raise BackupError(f"{source} is an SQLite database, but not a RareMap one.")


# PostgreSQL.


def _pg_environment(database: Mapping[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, variable in _PG_ENVIRONMENT.items():
        if database.get(key):
            environment[variable] = str(database[key])
    options = database.get("OPTIONS") or {}
    for option, variable in _PG_OPTIONS.items():
        if options.get(option) is not None:
            environment[variable] = str(options[option])
    environment["PGDATABASE"] = str(database["NAME"])
    return environment


def _pg_run(program: str, arguments: list[str], database: Mapping[str, Any]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} was not found on PATH. Install the PostgreSQL client tools of the "
            "server's major version (Debian: apt-get install postgresql-client)."
        )
    result = subprocess.run(  # noqa: S603 (a fixed program; the arguments are ours)
        [executable, *arguments],
        env=_pg_environment(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return
    message = result.stderr.strip() or f"exit status {result.returncode}"
    if "version mismatch" in message or "unsupported version" in message:
        message += (
            f"\n{program} must be at least as new as the server (and, for pg_restore, as the "
            "pg_dump that wrote the backup): install the client tools of the server's major "
            "version, e.g. postgresql-client-16, and put them first on PATH "
            "(Debian: /usr/lib/postgresql/16/bin)."
        )
    raise BackupError(f"{program} failed: {message}")


def _pg_refuse_in_use(database: Mapping[str, Any]) -> None:
    # A connection of its own, under the alias of Django's side connections: under the site's
    # alias, django.contrib.postgres would open the site's connection too (to look up hstore).
    backend = load_backend(str(database["ENGINE"]))
    connection = backend.DatabaseWrapper(dict(database), NO_DB_ALIAS)
    try:
        with connection.cursor() as cursor:
            cursor.execute(_PG_OTHER_SESSIONS)
            (others,) = cursor.fetchone()
    finally:
        connection.close()
    if others:
        raise BackupError(
            f"The database {database['NAME']} has {others} other connection(s) "
            "(pg_stat_activity): stop the web and task workers, then restore."
        )
