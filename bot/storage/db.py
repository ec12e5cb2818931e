"""Opening the database: pragmas and numbered migrations tracked by ``PRAGMA user_version``."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """The database cannot be used; the message is meant for the operator."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The numbered SQL files shipped in ``bot/storage/migrations``, in order."""
    found: list[Migration] = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration {expected:04d} is missing")
    return found


def schema_version() -> int:
    return len(migrations())


async def connect(path: Path) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database at ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"cannot open the database {str(path)!r}: {exc}") from None
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        await conn.close()
        raise DatabaseError(f"cannot use the database {str(path)!r}: {exc}") from None
    except BaseException:
        await conn.close()
        raise
    return conn


async def migrate(conn: aiosqlite.Connection, path: Path | str = "database") -> int:
    """Apply the migrations this database lacks, each in its own transaction."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    known = migrations()
    if current > len(known):
        raise DatabaseError(
            f"the database {str(path)!r} has schema version {current}, newer than this bot "
            f"({len(known)}): it was written by a newer version of the bot; upgrade the bot "
            "or use another DATABASE_PATH"
        )
    for migration in known[current:]:
        log.info("applying migration %04d_%s", migration.version, migration.name)
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                f"PRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                await conn.rollback()
            raise
    return len(known)
