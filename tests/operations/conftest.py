"""Fixtures for operations tests: a migrated database file, small file systems."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.storage.db import migrations


def make_database(path: Path, users: int = 3) -> Path:
    """A migrated quizbot database with a few people in it, closed (one file, no WAL).

    Migrated as ``bot.storage.db.migrate`` does it, but synchronously: async tests use it too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        for migration in migrations():
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                f"PRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        conn.executemany(
            "INSERT INTO users (user_id, points, created_at) VALUES (?, ?, ?)",
            [(i, i * 10, "2026-03-15T08:00:00+00:00") for i in range(1, users + 1)],
        )
    finally:
        conn.close()
    return path


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return make_database(tmp_path / "data" / "quizbot.sqlite3")


def snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file under the folders, by path: "nothing changed" means equal snapshots."""
    found: dict[str, bytes] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path)] = path.read_bytes()
    return found


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """A tiny tmpfs (full disks, read-only folders); skipped where mounting is not allowed."""
    mounts: list[Path] = []

    def mount(size: str = "1m", *, read_only: bool = False) -> Path:
        target = tmp_path / f"fs{len(mounts)}"
        target.mkdir()
        options = f"size={size},mode=0777" + (",ro" if read_only else "")
        run = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
            capture_output=True,
            check=False,
        )
        if run.returncode != 0:
            pytest.skip("mounting a small tmpfs needs root (CAP_SYS_ADMIN)")
        mounts.append(target)
        return target

    yield mount
    for target in reversed(mounts):
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def fill(folder: Path) -> None:
    """Write until the file system is full."""
    with (folder / "filler").open("wb", buffering=0) as file:
        try:
            for _ in range(100_000):  # bounded: 100,000 × 4 KiB is far more than any test fs
                file.write(b"\0" * 4096)
        except OSError:
            return
    raise AssertionError("the file system never filled up")
