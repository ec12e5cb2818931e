"""Opening the database: pragmas and numbered migrations tracked by ``PRAGMA user_version``."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

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


class _WriteLock:
    """Serialises writes on the shared connection; re-entrant within one task.

    Handlers and JobQueue jobs share one aiosqlite connection. Without this, a job's
    statement could run between a handler's BEGIN and COMMIT, join that transaction and be
    rolled back with it, or fail with "cannot start a transaction within a transaction".
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield  # already held by this task: a write inside its own transaction
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


class Database:
    """One aiosqlite connection and the four ways the stores use it.

    Every read is one trip to the database thread (execute and fetch together); every write
    is serialised by a task-re-entrant lock so it never lands in another task's transaction.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._writing = _WriteLock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        return cls(await connect(path))

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One atomic unit of work; nested use is a programming error."""
        async with self._writing():
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def write(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Cursor:
        """One INSERT, UPDATE or DELETE, never inside another task's transaction."""
        async with self._writing():
            return await self.conn.execute(sql, params)

    async def write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        async with self._writing():
            await self.conn.executemany(sql, rows)

    async def write_one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        """A write with RETURNING: its row, if any."""
        async with self._writing():
            return await self.one(sql, params)

    async def one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        """One trip to the database thread: execute and fetch together."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def tuples(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """For bulk reads (reports): rows as plain tuples, which are cheaper to make and to
        index than ``sqlite3.Row``s (a campaign report reads 300,000 of them)."""
        async with self.conn.execute(sql, params) as cursor:
            cursor.row_factory = None
            rows: list[Any] = list(await cursor.fetchall())
            return rows


def iso_or_none(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
