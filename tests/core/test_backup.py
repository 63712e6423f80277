"""Backups and restores (raremap/core/backup.py and the two commands): the same data comes
back, on SQLite and on PostgreSQL, and nothing is overwritten by mistake."""

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from raremap.catalog.models import Disease
from raremap.core import backup as backup_module
from raremap.core.backup import (
    POSTGRESQL,
    SQLITE,
    BackupError,
    Restored,
    database_backup,
    database_restore,
)
from raremap.questions.services import answer_create, question_ensure, vote_cast
from tests.factories import MembershipFactory, UserFactory
from tests.markers import transactional

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the suite's SQLite")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the suite's PostgreSQL"
)

SQLITE_SETTINGS = {"ENGINE": "django.db.backends.sqlite3"}
POSTGRESQL_SETTINGS = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "raremap",
    "HOST": "db.example.org",
    "PORT": "5433",
    "USER": "raremap",
    "PASSWORD": "s3cret-password",
    "OPTIONS": {"sslmode": "require"},
}

# What a restore must bring back: complete statements, run on the live and the restored database.
SNAPSHOT = {
    "users": "SELECT email, display_name, reputation FROM accounts_user ORDER BY email",
    "answers": "SELECT body, body_html, score FROM questions_answer ORDER BY id",
    "votes": "SELECT value FROM questions_vote ORDER BY id",
    "memberships": "SELECT count(*) FROM communities_membership",
    "diseases": "SELECT count(*) FROM catalog_disease",
    "disease names": "SELECT count(*) FROM catalog_diseasename",
    "migrations": "SELECT count(*) FROM django_migrations",
}


def _snapshot(cursor: Any) -> dict[str, list[tuple[Any, ...]]]:
    taken = {}
    for name, statement in SNAPSHOT.items():
        cursor.execute(statement)
        taken[name] = [tuple(row) for row in cursor.fetchall()]
    return taken


def _make_data() -> dict[str, list[tuple[Any, ...]]]:
    """Two members, an answer and a vote, committed; returns what the database holds."""
    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    author = UserFactory(email="author@example.org", display_name="Patient Heron")
    voter = UserFactory(email="voter@example.org", display_name="Kind Otter")
    MembershipFactory(user=author, disease=dfsp)
    question = question_ensure(disease=dfsp, slug="best-treatments")
    answer = answer_create(user=author, question=question, body="Mohs surgery **worked**.")
    vote_cast(user=voter, answer=answer, value=1)
    with connection.cursor() as cursor:
        live = _snapshot(cursor)
    assert live["users"] == [
        ("author@example.org", "Patient Heron", 10),
        ("voter@example.org", "Kind Otter", 0),
    ]
    assert live["answers"] == [
        ("Mohs surgery **worked**.", "<p>Mohs surgery <strong>worked</strong>.</p>", 1)
    ]
    assert live["votes"] == [(1,)]
    assert live["memberships"] == [(1,)]
    assert live["diseases"] == [(Disease.objects.count(),)]
    return live


# SQLite.


def _sqlite_snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(path)) as restored:
        return _snapshot(restored.cursor())


@sqlite_only
@transactional
def test_sqlite_round_trip_into_new_empty_files(tmp_path: Path) -> None:
    live = _make_data()
    first = tmp_path / "first.backup"

    backup = database_backup(database=connection.settings_dict, path=first)

    assert (backup.path, backup.size, backup.engine) == (first, first.stat().st_size, SQLITE)
    assert first.stat().st_mode & 0o777 == 0o600  # members' private data
    restored_file = tmp_path / "restored.sqlite3"
    restored_file.touch()  # a new, empty database file
    restored = database_restore(
        database={**connection.settings_dict, "NAME": str(restored_file)}, path=first
    )
    assert restored == Restored(database=str(restored_file), engine=SQLITE, cache_error="")
    assert _sqlite_snapshot(restored_file) == live

    # The restored file is a file database like the site's: back it up and restore it again.
    second = tmp_path / "second.backup"
    database_backup(database={**SQLITE_SETTINGS, "NAME": str(restored_file)}, path=second)
    again = tmp_path / "again.sqlite3"
    again.touch()
    database_restore(database={**connection.settings_dict, "NAME": str(again)}, path=second)
    assert _sqlite_snapshot(again) == live


@sqlite_only
@transactional
def test_sqlite_restore_replaces_a_database_that_changed(tmp_path: Path) -> None:
    live = _make_data()
    backup = database_backup(database=connection.settings_dict, path=tmp_path / "raremap.backup")
    target = tmp_path / "raremap.sqlite3"
    settings_dict = {**connection.settings_dict, "NAME": str(target)}
    database_restore(database=settings_dict, path=backup.path)
    with closing(sqlite3.connect(target)) as changed, changed:
        changed.execute("DELETE FROM questions_vote")

    database_restore(database=settings_dict, path=backup.path)

    assert _sqlite_snapshot(target) == live
    assert sorted(path.name for path in tmp_path.iterdir()) == ["raremap.backup", "raremap.sqlite3"]


@pytest.fixture
def live_sqlite(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A file database in WAL mode as the site keeps it, with 100 committed rows that are
    still only in the write-ahead log (copying the database file alone would miss them)."""
    writer = sqlite3.connect(tmp_path / "live.sqlite3", isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY)")
    writer.execute("CREATE TABLE entry (n INTEGER)")
    writer.executemany("INSERT INTO entry VALUES (?)", [(n,) for n in range(100)])
    assert (tmp_path / "live.sqlite3-wal").stat().st_size > 0
    yield writer
    writer.close()


def test_sqlite_backup_is_online_and_holds_committed_rows_only(
    tmp_path: Path, live_sqlite: sqlite3.Connection
) -> None:
    busy = sqlite3.connect(tmp_path / "live.sqlite3", isolation_level=None, timeout=0)
    busy.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
    busy.executemany("INSERT INTO entry VALUES (?)", [(n,) for n in range(5)])
    started = time.monotonic()

    backup = database_backup(
        database={**SQLITE_SETTINGS, "NAME": str(tmp_path / "live.sqlite3")},
        path=tmp_path / "copy.sqlite3",
    )

    assert time.monotonic() - started < 10  # not waiting for the writer (its timeout is 30 s)
    busy.execute("COMMIT")  # and the writer was not disturbed either
    busy.close()
    with closing(sqlite3.connect(backup.path)) as copy:
        assert copy.execute("SELECT count(*) FROM entry").fetchone() == (100,)
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert live_sqlite.execute("SELECT count(*) FROM entry").fetchone() == (105,)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "copy.sqlite3",
        "live.sqlite3",
        "live.sqlite3-shm",
        "live.sqlite3-wal",
    ]


def test_sqlite_backup_gives_up_on_a_database_that_stays_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_module, "BUSY_SECONDS", 0.5)
    locked = tmp_path / "locked.sqlite3"
    with closing(sqlite3.connect(locked, isolation_level=None)) as writer:
        writer.execute("CREATE TABLE entry (n INTEGER)")  # rollback-journal mode
        writer.execute("BEGIN EXCLUSIVE")  # a writer committing holds everyone off

        with pytest.raises(BackupError) as refused:
            database_backup(
                database={**SQLITE_SETTINGS, "NAME": str(locked)}, path=tmp_path / "copy"
            )

    assert str(refused.value) == f"The database {locked} stayed locked for 0.5 s: try again."
    assert sorted(path.name for path in tmp_path.iterdir()) == ["locked.sqlite3"]


def test_sqlite_restore_refuses_a_database_in_use(
    tmp_path: Path, live_sqlite: sqlite3.Connection
) -> None:
    backup = tmp_path / "copy.sqlite3"
    database_backup(
        database={**SQLITE_SETTINGS, "NAME": str(tmp_path / "live.sqlite3")}, path=backup
    )
    live_sqlite.execute("DELETE FROM entry WHERE n >= 50")

    with pytest.raises(BackupError) as refused:
        database_restore(
            database={**SQLITE_SETTINGS, "NAME": str(tmp_path / "live.sqlite3")}, path=backup
        )

    assert str(refused.value) == (
        f"The database {tmp_path / 'live.sqlite3'} is in use (database is locked): stop the web "
        "and task workers, then restore."
    )
    assert live_sqlite.execute("SELECT count(*) FROM entry").fetchone() == (50,)


def test_sqlite_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    target = tmp_path / "raremap.sqlite3"
    with closing(sqlite3.connect(target)) as database, database:
        database.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY)")
        database.execute("INSERT INTO django_migrations VALUES (7)")
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(target.read_bytes()[:100] + b"\xff" * 8092)

    with pytest.raises(BackupError) as refused:
        database_restore(database={**SQLITE_SETTINGS, "NAME": str(target)}, path=damaged)

    assert str(refused.value).startswith(f"{damaged} ")
    with closing(sqlite3.connect(target)) as database:
        assert database.execute("SELECT id FROM django_migrations").fetchall() == [(7,)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["damaged.backup", "raremap.sqlite3"]


def test_restore_refuses_a_backup_of_the_other_engine(tmp_path: Path) -> None:
    backup = tmp_path / "raremap.backup"
    backup.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)

    with pytest.raises(BackupError) as refused:
        database_restore(database=POSTGRESQL_SETTINGS, path=backup)

    assert str(refused.value) == (
        f"{backup} is a backup of SQLite, but the configured database is PostgreSQL."
    )


# PostgreSQL: the client tools, without a server (stand-ins for pg_dump on PATH).


def _stand_in(directory: Path, program: str, body: str) -> None:
    directory.mkdir(exist_ok=True)
    script = directory / program
    script.write_text(f"#!{sys.executable}\nimport json, os, sys\n{body}\n")
    script.chmod(0o755)


def test_pg_dump_gets_the_password_from_the_environment_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stand_in(
        tmp_path / "bin",
        "pg_dump",
        f"json.dump({{'argv': sys.argv[1:], 'env': {{k: v for k, v in os.environ.items() "
        f"if k.startswith('PG')}}}}, open({str(tmp_path / 'call.json')!r}, 'w'))\n"
        "open(sys.argv[-1].removeprefix('--file='), 'wb').write(b'PGDMP dump')",
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    path = tmp_path / "raremap.dump"

    backup = database_backup(database=POSTGRESQL_SETTINGS, path=path)

    call = __import__("json").loads((tmp_path / "call.json").read_text())
    staged = call["argv"][-1].removeprefix("--file=")
    assert call["argv"] == ["--format=custom", "--no-password", f"--file={staged}"]
    assert Path(staged).parent == tmp_path
    assert call["env"] == {
        "PGHOST": "db.example.org",
        "PGPORT": "5433",
        "PGUSER": "raremap",
        "PGPASSWORD": "s3cret-password",
        "PGSSLMODE": "require",
        "PGDATABASE": "raremap",
    }
    assert (backup.path, backup.size, backup.engine) == (path, 10, POSTGRESQL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "call.json", "raremap.dump"]


def test_backup_says_when_pg_dump_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BackupError) as refused:
        database_backup(database=POSTGRESQL_SETTINGS, path=tmp_path / "raremap.dump")

    assert str(refused.value) == (
        "pg_dump was not found on PATH. Install the PostgreSQL client tools of the server's "
        "major version (Debian: apt-get install postgresql-client)."
    )
    assert list(tmp_path.iterdir()) == []


def test_backup_explains_a_version_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stand_in(
        tmp_path / "bin",
        "pg_dump",
        "sys.stderr.write('pg_dump: error: aborting because of server version mismatch\\n"
        "pg_dump: detail: server version: 17.2; pg_dump version: 15.20\\n')\nsys.exit(1)",
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    with pytest.raises(BackupError) as refused:
        database_backup(database=POSTGRESQL_SETTINGS, path=tmp_path / "raremap.dump")

    message = str(refused.value)
    assert message.startswith(
        "pg_dump failed: pg_dump: error: aborting because of server version mismatch\n"
        "pg_dump: detail: server version: 17.2; pg_dump version: 15.20\n"
        "pg_dump must be at least as new as the server"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]  # no partial file left


# PostgreSQL: a real dump and restore (when the suite runs on PostgreSQL).


def _pg_connect(dbname: str) -> psycopg.Connection[Any]:
    settings_dict = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    """A fresh empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with _pg_connect("postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with _pg_connect("postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _pg_snapshot(dbname: str) -> dict[str, list[tuple[Any, ...]]]:
    with _pg_connect(dbname) as restored:
        return _snapshot(restored.cursor())


@postgresql_only
@transactional
def test_postgresql_round_trip_into_an_empty_database(
    tmp_path: Path, empty_pg_database: str
) -> None:
    live = _make_data()
    path = tmp_path / "raremap.dump"

    backup = database_backup(database=connection.settings_dict, path=path)

    assert (backup.path, backup.size, backup.engine) == (path, path.stat().st_size, POSTGRESQL)
    assert path.read_bytes()[:5] == b"PGDMP"
    assert path.stat().st_mode & 0o777 == 0o600
    settings_dict = {**connection.settings_dict, "NAME": empty_pg_database}
    restored = database_restore(database=settings_dict, path=path)
    assert restored == Restored(database=empty_pg_database, engine=POSTGRESQL, cache_error="")
    assert _pg_snapshot(empty_pg_database) == live

    # Restoring over a database that changed since brings the backup's data back.
    with _pg_connect(empty_pg_database) as changed:
        changed.execute("DELETE FROM questions_vote")
    database_restore(database=settings_dict, path=path)
    assert _pg_snapshot(empty_pg_database) == live

    # A database someone is connected to is refused.
    with _pg_connect(empty_pg_database), pytest.raises(BackupError) as refused:
        database_restore(database=settings_dict, path=path)
    assert str(refused.value) == (
        f"The database {empty_pg_database} has 1 other connection(s) (pg_stat_activity): "
        "stop the web and task workers, then restore."
    )


# The commands.


@transactional
def test_backup_command_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "raremap.backup"
    engine = {"sqlite": SQLITE, "postgresql": POSTGRESQL}[connection.vendor]
    out = StringIO()

    call_command("backup", str(path), stdout=out)
    first = path.stat().st_size
    path.write_bytes(b"an older backup")
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(path), stdout=out)
    assert path.read_bytes() == b"an older backup"
    call_command("backup", str(path), "--force", stdout=out)

    assert str(refused.value) == f"{path} exists already: pass --force to overwrite it."
    assert out.getvalue() == (
        f"Wrote {path} ({engine} backup, {first:,} bytes).\n"
        f"Wrote {path} ({engine} backup, {path.stat().st_size:,} bytes).\n"
    )


def test_restore_command_asks_for_yes(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "raremap.backup"))

    assert str(refused.value) == (
        f"This replaces the database {connection.settings_dict['NAME']} with "
        f"{tmp_path / 'raremap.backup'}: everything written since the backup is lost. Run "
        "again with --yes to go on."
    )


@sqlite_only
@transactional
def test_restore_command_restores_and_clears_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _make_data()
    backup = tmp_path / "raremap.backup"
    call_command("backup", str(backup), stdout=StringIO())
    target = tmp_path / "raremap.sqlite3"
    target.touch()
    # The command restores into the configured database: here, a file of this test's own.
    monkeypatch.setitem(connection.settings_dict, "NAME", str(target))
    cache.set("page", "from before the restore")
    out = StringIO()

    call_command("restore", str(backup), "--yes", stdout=out)

    assert out.getvalue() == (
        f"Restored SQLite database {target} from {backup}.\n"
        "Cleared the cache: nothing cached before the restore is served.\n"
        "A backup made by an older version of RareMap needs `raremap migrate` before the "
        "site starts.\n"
    )
    assert cache.get("page") is None
    assert _sqlite_snapshot(target) == live


@postgresql_only
@pytest.mark.django_db
def test_restore_command_refuses_the_database_the_site_uses(tmp_path: Path) -> None:
    backup = tmp_path / "raremap.backup"
    call_command("backup", str(backup), stdout=StringIO())
    connection.ensure_connection()  # this test's own connection is "the site"

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup), "--yes")

    assert str(refused.value) == (
        f"The database {connection.settings_dict['NAME']} has 1 other connection(s) "
        "(pg_stat_activity): stop the web and task workers, then restore."
    )


@postgresql_only
@transactional
def test_restore_command_in_its_own_process(tmp_path: Path, empty_pg_database: str) -> None:
    """As an operator runs it: a fresh process whose configured database is the one restored
    (nothing of the test process's connections helps or gets in the way)."""
    live = _make_data()
    backup = tmp_path / "raremap.backup"
    call_command("backup", str(backup), stdout=StringIO())
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
        f"{settings_dict['HOST']}:{settings_dict['PORT']}/{empty_pg_database}"
    )

    result = subprocess.run(  # noqa: S603 (our own command and arguments)
        [sys.executable, "-m", "raremap", "restore", str(backup), "--yes"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"Restored PostgreSQL database {empty_pg_database} from {backup}.\n"
        "Cleared the cache: nothing cached before the restore is served.\n"
        "A backup made by an older version of RareMap needs `raremap migrate` before the "
        "site starts.\n"
    )
    assert _pg_snapshot(empty_pg_database) == live
