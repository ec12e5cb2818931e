"""``quizbot backup`` and ``quizbot restore``: SQLite's online backup API, checked copies.

A backup is taken by SQLite itself (``sqlite3.Connection.backup`` in one step: one read
transaction, so the copy is one consistent moment even while the bot writes), written to a
temporary file beside the target, switched to a single self-contained file (no ``-wal``),
checked with ``PRAGMA integrity_check`` and only then given its name.

A restore refuses, with one sentence and nothing changed: a running bot (the lock), a file
that is not a SQLite database, not ours (``PRAGMA application_id``; an unmarked file from
before the mark is accepted when its tables are exactly ours at its version), corrupt, or
from a newer schema. Otherwise it copies the file into the database folder, checks the copy,
keeps the previous database beside it (``<db>.before-restore-<time>``, with its own ``-wal``
if one could not be checkpointed), removes the stale ``-shm`` and moves the copy into place.
The source file is only ever read.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from bot.storage.db import BUSY_TIMEOUT_MS, DatabaseError, migrations, schema_version
from bot.storage.lock import DatabaseLocked, acquire, holder, is_locked, lock_path

APPLICATION_ID = 0x51333135
"""``PRAGMA application_id`` of a quizbot database ("Q315"); set by migration 0004."""
SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_NAME = re.compile(r"quizbot-\d{8}T\d{6}Z\.sqlite3")
_TABLES = (
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
)


class BackupError(Exception):
    """A backup or restore was refused or failed; one sentence for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    schema: int
    removed: tuple[Path, ...] = ()  # older backups dropped by ``keep``


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    previous: Path | None  # where the replaced database now is
    schema: int  # the restored file's version (the bot migrates it up when it starts)
    marked: bool  # False: an unmarked file accepted because its tables are ours


def backup_name(now: datetime) -> str:
    """Dated in UTC, so names sort in time order across DST changes."""
    return f"quizbot-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.sqlite3"


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.absolute()))}?mode={mode}"


def _siblings(path: Path) -> list[Path]:
    """The files SQLite keeps beside a database."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _is_database_file(path: Path, database: Path) -> bool:
    return any(_same_file(path, p) for p in [database, *_siblings(database), lock_path(database)])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def _temporary(folder: Path, name: str, purpose: str) -> Iterator[Path]:
    """A new private (0600: backups hold personal data) file, removed unless renamed away."""
    tmp = folder / f".{name}.tmp-{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise BackupError(f"cannot write {purpose} in {str(folder)!r} ({_reason(exc)})") from None
    os.close(fd)
    try:
        yield tmp
    finally:
        _remove(tmp, *_siblings(tmp))


def _reason(exc: OSError | sqlite3.Error) -> str:
    if isinstance(exc, OSError):
        return (exc.strerror or str(exc)).lower()
    return str(exc)


def _integrity(conn: sqlite3.Connection) -> str | None:
    """None when ``integrity_check`` says ok, else its first complaint."""
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


# --------------------------------------------------------------------------- backup


def backup(
    database: Path, target: Path, *, now: datetime, keep: int | None = None
) -> BackupResult:
    """Copy the live database to ``target`` (a file, or a folder for a dated file).

    ``keep``: with a folder, afterwards delete all but the newest ``keep`` dated backups there.
    """
    if not database.is_file():
        raise BackupError(f"there is no database at {str(database)!r} (check DATABASE_PATH)")
    folder_target = target.is_dir()
    if keep is not None and not folder_target:
        raise BackupError("--keep needs a folder as the backup target, not a file name")
    final = target / backup_name(now) if folder_target else target
    if _is_database_file(final, database):
        raise BackupError(
            f"{str(final)!r} is the database itself; give another path for the backup"
        )
    if final.exists():
        raise BackupError(
            f"{str(final)!r} already exists; give a new file name, or a folder to get a "
            "dated file in it"
        )
    folder = final.parent
    if not folder.is_dir():
        raise BackupError(
            f"cannot write the backup {str(final)!r}: {str(folder)!r} "
            + ("is a file, not a folder" if folder.exists() else "does not exist")
        )
    with _temporary(folder, final.name, "the backup") as tmp:
        try:
            source = sqlite3.connect(_uri(database, "rw"), uri=True)
        except sqlite3.Error as exc:
            raise BackupError(
                f"cannot open the database {str(database)!r} to back it up ({exc})"
            ) from None
        try:
            source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            copy = sqlite3.connect(tmp)
            try:
                source.backup(copy)  # all pages in one step: one consistent snapshot
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                problem = _integrity(copy)
                version = int(copy.execute("PRAGMA user_version").fetchone()[0])
            finally:
                copy.close()
        except sqlite3.Error as exc:
            raise BackupError(
                f"the backup of {str(database)!r} to {str(final)!r} failed ({exc})"
            ) from None
        finally:
            source.close()
        if problem is not None:
            raise BackupError(
                f"the copy failed its integrity check ({problem}), so no backup was written; "
                "the database itself may be damaged"
            )
        try:
            _fsync(tmp)
            os.replace(tmp, final)
            _fsync(folder)
        except OSError as exc:
            raise BackupError(f"cannot write the backup {str(final)!r} ({_reason(exc)})") from None
    removed = _prune(folder, keep) if keep is not None else ()
    return BackupResult(final, final.stat().st_size, version, removed)


def _prune(folder: Path, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest ``keep`` dated backups (only files named like ours)."""
    dated = sorted(p for p in folder.iterdir() if BACKUP_NAME.fullmatch(p.name) and p.is_file())
    old = dated[: max(len(dated) - keep, 0)]
    _remove(*old)
    return tuple(old)


# --------------------------------------------------------------------------- restore


def restore(source: Path, database: Path, *, now: datetime) -> RestoreResult:
    """Replace ``database`` by the checked ``source`` while no bot runs (see module doc)."""
    if not source.is_file():
        raise BackupError(f"there is no file {str(source)!r} to restore")
    if _is_database_file(source, database):
        raise BackupError(
            f"{str(source)!r} is the database itself; give the path of a backup to restore"
        )
    if database.is_dir():
        raise BackupError(f"DATABASE_PATH={str(database)!r} is a folder, not a database file")
    if not database.parent.is_dir():
        raise BackupError(
            f"the database folder {str(database.parent)!r} does not exist (check DATABASE_PATH)"
        )
    _check_header(source)
    if is_locked(database):  # first, and without creating anything
        raise _running(database, holder(database))
    with _temporary(database.parent, database.name, "the restored database") as tmp:
        version, marked = _copy_checked(source, tmp)
        try:
            lock = acquire(database)  # held while files move: no bot can start meanwhile
        except DatabaseLocked as exc:
            raise _running(database, exc.pid) from None
        except DatabaseError as exc:
            raise BackupError(f"cannot restore: {exc}") from None
        with lock:
            previous = _set_aside(database, now)
            try:
                os.replace(tmp, database)
                _fsync(database.parent)
            except OSError as exc:
                raise BackupError(
                    f"cannot move the restored database into place ({_reason(exc)}); the "
                    f"previous one is kept as {str(previous)!r}"
                ) from None
    return RestoreResult(database, previous, version, marked)


def _running(database: Path, pid: int | None) -> BackupError:
    who = f"pid {pid}" if pid else "pid unknown"
    return BackupError(
        f"cannot restore while a quizbot is running on {str(database)!r} ({who}); stop it "
        "first (for example: systemctl stop quizbot) and run restore again"
    )


def _check_header(source: Path) -> None:
    try:
        with source.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BackupError(f"cannot read {str(source)!r} ({_reason(exc)})") from None
    if header != SQLITE_HEADER:
        raise BackupError(f"{str(source)!r} is not a SQLite database, so not a quizbot backup")


def _copy_checked(source: Path, tmp: Path) -> tuple[int, bool]:
    """Copy ``source`` (and a ``-wal`` beside it) to ``tmp`` and check the copy.

    Working on a copy leaves the source byte for byte as it was: even a read-only SQLite
    connection may create ``-wal``/``-shm`` files beside the file it opens.
    """
    name = repr(str(source))
    try:
        shutil.copyfile(source, tmp)
        wal = source.with_name(source.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, tmp.with_name(tmp.name + "-wal"))
    except OSError as exc:
        raise BackupError(
            f"cannot copy {name} into the database folder ({_reason(exc)})"
        ) from None
    try:
        conn = sqlite3.connect(_uri(tmp, "rw"), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"{name} cannot be opened as a database ({exc})") from None
    try:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if app_id not in (0, APPLICATION_ID):
            raise BackupError(
                f"{name} is a SQLite database of another program (application id {app_id:#x}), "
                "not a quizbot backup"
            )
        if version > schema_version():
            raise BackupError(
                f"{name} has schema version {version}, newer than this bot ({schema_version()}): "
                "it was made by a newer version of the bot; upgrade the bot first"
            )
        problem = _integrity(conn)
        if problem is not None:
            raise BackupError(
                f"{name} is damaged (integrity check: {problem}); choose another backup"
            )
        marked = app_id == APPLICATION_ID
        if _tables(conn) != _expected_tables(version) or version == 0:
            raise BackupError(
                f"{name} is not a quizbot database: its tables are not those of schema version "
                f"{version}"
                if marked
                else f"{name} is not a quizbot database (no quizbot mark, and its tables are not "
                "ours)"
            )
        conn.execute("PRAGMA journal_mode = DELETE")  # fold a copied -wal in; one file
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name} is damaged ({exc}); choose another backup") from None
    finally:
        conn.close()
    _fsync(tmp)
    return version, marked


Tables = dict[str, tuple[tuple[str, str, int, int], ...]]


def _tables(conn: sqlite3.Connection) -> Tables:
    """Every table with its columns (name, type, not null, primary key position)."""
    found: Tables = {}
    for (name,) in conn.execute(_TABLES).fetchall():
        columns = conn.execute(
            'SELECT name, type, "notnull", pk FROM pragma_table_info(?)', (name,)
        ).fetchall()
        found[name] = tuple((c, t.upper(), int(n), int(p)) for c, t, n, p in columns)
    return found


def _expected_tables(version: int) -> Tables:
    """The tables our migrations 1..``version`` create, built in memory."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in migrations()[:version]:
            conn.executescript(migration.sql)
        return _tables(conn)
    finally:
        conn.close()


def _set_aside(database: Path, now: datetime) -> Path | None:
    """Move the current database (if any) to ``<db>.before-restore-<time>``.

    Its WAL is checkpointed first so the kept copy is one file; a ``-wal`` or ``-journal``
    that could not be folded in moves with it (it belongs to that file, and would corrupt the
    restored one). The ``-shm`` index is only a cache and is removed.
    """
    if not database.exists():
        _remove(*_siblings(database))
        return None
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(_uri(database, "rw"), uri=True)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    kept = database.with_name(
        f"{database.name}.before-restore-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    )
    try:
        for suffix in ("-wal", "-journal"):
            stale = database.with_name(database.name + suffix)
            if stale.exists():
                if stale.stat().st_size:
                    os.replace(stale, kept.with_name(kept.name + suffix))
                else:
                    stale.unlink()
        _remove(database.with_name(database.name + "-shm"))
        os.replace(database, kept)
    except OSError as exc:
        raise BackupError(
            f"cannot set the current database aside as {str(kept)!r} ({_reason(exc)})"
        ) from None
    return kept
