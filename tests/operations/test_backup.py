"""`quizbot backup` and `quizbot restore`, run as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.storage.backup import APPLICATION_ID
from bot.storage.db import migrations, schema_version
from tests.operations.conftest import fill, make_database, snapshot
from tests.operations.test_lock import held_elsewhere
from tests.test_cli import ROOT, quizbot

WRITER = """
import sqlite3, sys, time
from pathlib import Path
db, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(db, isolation_level=None, timeout=10)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep rows in the WAL: the hard case for a copy
conn.execute("INSERT INTO users (user_id, created_at) VALUES (0, 'x')")
for k in range(1, 1_000_000):
    if stop.exists():
        break
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO users (user_id, created_at) VALUES (?, 'x')", (k,))
    conn.execute("UPDATE users SET points = ? WHERE user_id = 0", (k,))
    conn.execute("COMMIT")
conn.close()
"""


def rows(path: Path) -> tuple[int, int | None, int | None]:
    """(people, highest id, the counter row): one transaction adds a person and moves the
    counter, so a consistent copy has highest id == counter == people - 1."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        count, highest = conn.execute("SELECT count(*), max(user_id) FROM users").fetchone()
        row = conn.execute("SELECT points FROM users WHERE user_id = 0").fetchone()
    conn.close()
    return count, highest, row[0] if row else None


def env(database: Path) -> dict[str, str]:
    return {"DATABASE_PATH": str(database)}


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_backup_during_a_stream_of_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    database = make_database(tmp_path / "data" / "quizbot.sqlite3", users=0)
    stop = tmp_path / "stop"
    copy = tmp_path / "backups" / "during-writes.sqlite3"
    copy.parent.mkdir()
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), str(stop)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as writer:
        try:
            wait_for(lambda: rows(database)[0] > 300, "the writer to get going")
            run = quizbot("backup", str(copy), cwd=tmp_path, env=env(database))
            in_copy = rows(copy)
            wait_for(lambda: rows(database)[0] > in_copy[0] + 100, "writes after the backup")
        finally:
            stop.touch()
            writer.wait(timeout=30)
    assert writer.returncode == 0
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"backup written: {copy} (")
    count, highest, counter = in_copy
    assert count > 300
    assert highest == counter == count - 1  # one moment: no half transaction in the copy
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    conn.close()
    assert not copy.with_name(copy.name + "-wal").exists()
    assert oct(copy.stat().st_mode & 0o777) == "0o600"  # personal data: the owner only
    final = rows(database)

    run = quizbot("restore", str(copy), cwd=tmp_path, env=env(database))

    assert run.returncode == 0, run.stderr
    assert rows(database) == in_copy
    kept = sorted(database.parent.glob("quizbot.sqlite3.before-restore-*"))
    assert len(kept) == 1
    assert rows(kept[0]) == final  # the replaced database, including what sat in its WAL
    assert not database.with_name("quizbot.sqlite3-wal").exists()
    assert "/forget" in run.stdout
    assert f"the previous database is kept as {kept[0]}" in run.stdout


def test_backup_to_a_folder_is_dated_and_keep_prunes_the_oldest(
    database: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"quizbot-2026031{d}T020000Z.sqlite3" for d in range(5)]
    for path in old:
        path.write_bytes(b"old")
    unrelated = folder / "notes.txt"
    unrelated.write_text("mine")

    run = quizbot("backup", str(folder), "--keep", "3", cwd=tmp_path, env=env(database))

    assert run.returncode == 0, run.stderr
    left = sorted(p.name for p in folder.iterdir())
    assert left[:3] == ["notes.txt", old[3].name, old[4].name]
    assert len(left) == 4
    assert left[3].startswith("quizbot-2")  # the new one, dated now (after 2026-03-14)
    assert run.stdout.count("removed old backup:") == 3


def test_an_old_unmarked_backup_with_our_tables_is_accepted_and_said_so(
    database: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(old, isolation_level=None)
    for migration in migrations()[:3]:  # before the application_id mark existed
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO users (user_id, created_at) VALUES (77, 'x')")
    conn.close()

    run = quizbot("restore", str(old), cwd=tmp_path, env=env(database))

    assert run.returncode == 0, run.stderr
    assert "note: the file has no quizbot mark" in run.stdout
    assert f"upgrades it from schema 3 to {schema_version()} when it starts" in run.stdout
    assert rows(database)[0] == 1


def test_a_raw_copy_with_its_wal_restores_whole_and_is_left_untouched(
    database: Path, tmp_path: Path
) -> None:
    source_dir = tmp_path / "copied"
    source_dir.mkdir()
    live = make_database(tmp_path / "live" / "quizbot.sqlite3", users=2)
    conn = sqlite3.connect(live, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("INSERT INTO users (user_id, created_at) VALUES (99, 'only in the WAL')")
    for suffix in ("", "-wal"):  # what `cp quizbot.sqlite3* …` of a running bot gives
        (source_dir / f"quizbot.sqlite3{suffix}").write_bytes(
            live.with_name(f"quizbot.sqlite3{suffix}").read_bytes()
        )
    conn.close()
    before = snapshot(source_dir)

    run = quizbot("restore", str(source_dir / "quizbot.sqlite3"), cwd=tmp_path, env=env(database))

    assert run.returncode == 0, run.stderr
    assert rows(database)[0] == 3
    assert snapshot(source_dir) == before


# --------------------------------------------------------------------------- refusals


def other_program(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1179406404")  # someone else's mark
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    return path


def unmarked_other(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    return path


def newer(path: Path) -> Path:
    make_database(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.commit()
    conn.close()
    return path


def corrupt(path: Path) -> Path:
    """A good database with the b-tree page of the users table overwritten."""
    make_database(path, users=200)
    conn = sqlite3.connect(path)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'users'").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * size + 8)
        file.write(b"\xff" * 64)
    return path


def not_sqlite(path: Path) -> Path:
    path.write_text("user_id,points\n1,10\n")
    return path


def missing(path: Path) -> Path:
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (not_sqlite, "'{file}' is not a SQLite database, so not a quizbot backup"),
        (other_program, "'{file}' is a SQLite database of another program (application id"),
        (unmarked_other, "'{file}' is not a quizbot database (no quizbot mark, and its tables"),
        (newer, f"'{{file}}' has schema version {schema_version() + 1}, newer than this bot"),
        (corrupt, "'{file}' is damaged ("),
        (missing, "there is no file '{file}' to restore"),
    ],
)
def test_restore_refuses_a_bad_file_with_one_sentence_and_changes_nothing(
    database: Path, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    source = make(tmp_path / "candidate.sqlite3")
    before = snapshot(tmp_path)

    run = quizbot("restore", str(source), cwd=tmp_path, env=env(database))

    assert run.returncode == 1
    assert run.stderr.startswith("quizbot: restore: " + message.format(file=source)), run.stderr
    assert run.stderr.count("\n") == 1  # one sentence on one line, no traceback
    assert run.stdout == ""
    assert snapshot(tmp_path) == before


def test_restore_refuses_while_a_bot_holds_the_lock(database: Path, tmp_path: Path) -> None:
    backup = tmp_path / "good.sqlite3"
    assert quizbot("backup", str(backup), cwd=tmp_path, env=env(database)).returncode == 0
    with held_elsewhere(database) as bot:
        before = snapshot(tmp_path)
        run = quizbot("restore", str(backup), cwd=tmp_path, env=env(database))
        after = snapshot(tmp_path)
    assert run.returncode == 1
    assert run.stderr == (
        f"quizbot: restore: cannot restore while a quizbot is running on '{database}' "
        f"(pid {bot.pid}); stop it first (for example: systemctl stop quizbot) and run restore "
        "again\n"
    )
    assert after == before


def test_restore_refuses_the_database_itself(database: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    run = quizbot("restore", str(database), cwd=tmp_path, env=env(database))
    assert run.returncode == 1
    assert "is the database itself" in run.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nowhere/b.sqlite3", "cannot write the backup 'nowhere/b.sqlite3': 'nowhere' does not"),
        ("afile/b.sqlite3", "cannot write the backup 'afile/b.sqlite3': 'afile' is a file, not"),
        ("exists.sqlite3", "'exists.sqlite3' already exists; give a new file name, or a folder"),
        ("data/quizbot.sqlite3", "'data/quizbot.sqlite3' is the database itself; give another"),
        ("data/quizbot.sqlite3-wal", "'data/quizbot.sqlite3-wal' is the database itself"),
    ],
)
def test_backup_refuses_a_path_it_cannot_use(
    database: Path, tmp_path: Path, target: str, message: str
) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "exists.sqlite3").write_text("precious")
    before = snapshot(tmp_path)

    run = quizbot("backup", target, cwd=tmp_path, env=env(database))

    assert run.returncode == 1
    assert run.stderr.startswith(f"quizbot: backup: {message}"), run.stderr
    assert run.stderr.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    run = quizbot("backup", "b.sqlite3", cwd=tmp_path, env=env(tmp_path / "none.sqlite3"))
    assert run.returncode == 1
    assert run.stderr == (
        f"quizbot: backup: there is no database at '{tmp_path / 'none.sqlite3'}' "
        "(check DATABASE_PATH)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_backup_onto_a_read_only_folder_is_refused(
    database: Path, tmp_path: Path, small_fs: Callable[..., Path]
) -> None:
    folder = small_fs(read_only=True)
    before = snapshot(tmp_path)
    run = quizbot("backup", str(folder / "b.sqlite3"), cwd=tmp_path, env=env(database))
    assert run.returncode == 1
    assert run.stderr == (
        f"quizbot: backup: cannot write the backup in '{folder}' (read-only file system)\n"
    )
    assert snapshot(tmp_path) == before


def test_backup_onto_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, small_fs: Callable[..., Path]
) -> None:
    database = make_database(tmp_path / "data" / "quizbot.sqlite3", users=3000)
    folder = small_fs("256k")
    fill(folder)
    before = snapshot(tmp_path)
    run = quizbot("backup", str(folder / "b.sqlite3"), cwd=tmp_path, env=env(database))
    assert run.returncode == 1
    assert run.stderr.startswith("quizbot: backup: "), run.stderr
    assert run.stderr.endswith(f"to '{folder / 'b.sqlite3'}' failed (database or disk is full)\n")
    assert run.stderr.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_restore_onto_a_new_machine_without_a_database(database: Path, tmp_path: Path) -> None:
    backup = tmp_path / "good.sqlite3"
    assert quizbot("backup", str(backup), cwd=tmp_path, env=env(database)).returncode == 0
    fresh = tmp_path / "new-server" / "quizbot.sqlite3"
    fresh.parent.mkdir()

    run = quizbot("restore", str(backup), cwd=tmp_path, env=env(fresh))

    assert run.returncode == 0, run.stderr
    assert rows(fresh) == rows(database)
    assert "previous database" not in run.stdout
    assert sorted(p.name for p in fresh.parent.iterdir()) == [
        "quizbot.sqlite3",
        "quizbot.sqlite3.lock",
    ]
