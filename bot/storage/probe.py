"""Can the bot still write? A probe for the health check.

``BEGIN IMMEDIATE`` takes the write lock (it fails when the file became read-only, another
process holds the lock past ``busy_timeout``, or the disk gives I/O errors); creating a table
inside the transaction makes SQLite allocate a page, so a database that cannot grow (a full
disk, ``PRAGMA max_page_count``) fails too. ``ROLLBACK`` leaves nothing behind.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.storage.db import Database

PROBE_TABLE = "quizbot_write_probe"
MIN_FREE_BYTES = 16 * 1024 * 1024
"""Less free space than this where the database lives is reported: WAL checkpoints need room."""


class _Rollback(Exception):
    """Leaves ``Database.transaction`` by its rollback path."""


async def probe_writable(db: Database) -> str | None:
    """None when a write transaction can start and grow the file; else why not (one phrase)."""
    try:
        async with db.transaction():  # BEGIN IMMEDIATE, on the bot's own connection
            await db.conn.execute(f"CREATE TABLE {PROBE_TABLE} (x)")
            raise _Rollback
    except _Rollback:
        pass
    except sqlite3.Error as exc:
        return f"the database cannot be written ({exc})"
    return None


def free_bytes(database: Path) -> int:
    """Free space for this user on the file system that holds the database."""
    stats = os.statvfs(database.parent)
    return stats.f_bavail * stats.f_frsize


def disk_problem(free: int, minimum: int = MIN_FREE_BYTES) -> str | None:
    if free >= minimum:
        return None
    return f"only {free // 1024:,} KiB free on the disk that holds the database"
