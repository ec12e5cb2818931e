"""Every SQL statement of the bot lives here. Methods return domain objects or plain values."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.db import connect


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    language: str
    show_name: bool
    display_name: str | None
    points: int
    answered: int
    correct: int
    streak_current: int
    streak_best: int
    streak_last_day: date | None
    created_at: datetime


def _user(row: aiosqlite.Row) -> User:
    return User(
        user_id=row["user_id"],
        language=row["language"],
        show_name=bool(row["show_name"]),
        display_name=row["display_name"],
        points=row["points"],
        answered=row["answered"],
        correct=row["correct"],
        streak_current=row["streak_current"],
        streak_best=row["streak_best"],
        streak_last_day=date.fromisoformat(row["streak_last_day"])
        if row["streak_last_day"]
        else None,
        created_at=datetime.fromisoformat(row["created_at"]),
    )


class Repository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    @classmethod
    async def open(cls, path: Path) -> Repository:
        return cls(await connect(path))

    async def close(self) -> None:
        await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One atomic unit of work; nested use is a programming error."""
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            await self.conn.rollback()
            raise
        else:
            await self.conn.commit()

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # --- users ------------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    async def ensure_user(self, user_id: int, language: str, now: datetime) -> User:
        """The stored user, created with ``language`` on first contact."""
        await self.conn.execute(
            "INSERT INTO users (user_id, language, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO NOTHING",
            (user_id, language, now.isoformat()),
        )
        user = await self.get_user(user_id)
        assert user is not None
        return user

    async def set_language(self, user_id: int, language: str) -> None:
        await self.conn.execute(
            "UPDATE users SET language = ? WHERE user_id = ?", (language, user_id)
        )

    async def set_show_name(self, user_id: int, show: bool, display_name: str | None) -> None:
        """Opting out forgets the stored name at once."""
        await self.conn.execute(
            "UPDATE users SET show_name = ?, display_name = ? WHERE user_id = ?",
            (int(show), display_name if show else None, user_id),
        )

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one person, table by table."""
        tables = {
            "users": "SELECT * FROM users WHERE user_id = ?",
            "quiz_sessions": "SELECT * FROM quiz_sessions WHERE user_id = ? ORDER BY id",
            "answers": "SELECT a.* FROM answers a JOIN quiz_sessions s ON s.id = a.session_id "
            "WHERE s.user_id = ? ORDER BY a.session_id, a.position",
            "cards": "SELECT * FROM cards WHERE user_id = ? ORDER BY question_id",
            "topic_stats": "SELECT * FROM topic_stats WHERE user_id = ? ORDER BY topic",
        }
        result: dict[str, list[dict[str, Any]]] = {}
        for name, sql in tables.items():
            rows = await self._all(sql, (user_id,))
            result[name] = [_decode_row(dict(row)) for row in rows]
        return result

    async def delete_user(self, user_id: int) -> bool:
        """Delete the person and, by cascade, everything that belongs to them."""
        async with self.transaction():
            cursor = await self.conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount > 0


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("question_ids", "option_orders", "selected", "chosen"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row
