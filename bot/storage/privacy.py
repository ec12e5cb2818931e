"""A person's own data: export everything stored about them, or delete it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from bot.storage.db import Database


class PersonalData(Protocol):
    """A store that keeps its own rows about a person (feedback, ...)."""

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]: ...

    async def forget(self, user_id: int) -> int: ...


class PrivacyStore:
    def __init__(self, db: Database, parts: Sequence[PersonalData] = ()) -> None:
        self.db = db
        self.parts = tuple(parts)

    # --- personal data ----------------------------------------------------------------------

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one person, table by table."""
        tables = {
            "users": "SELECT * FROM users WHERE user_id = ?",
            "quiz_sessions": "SELECT * FROM quiz_sessions WHERE user_id = ? ORDER BY id",
            "answers": "SELECT a.* FROM answers a JOIN quiz_sessions s ON s.id = a.session_id "
            "WHERE s.user_id = ? ORDER BY a.session_id, a.position",
            "cards": "SELECT * FROM cards WHERE user_id = ? ORDER BY question_id",
            "topic_stats": "SELECT * FROM topic_stats WHERE user_id = ? ORDER BY topic",
            "volunteers": "SELECT * FROM volunteers WHERE user_id = ?",
            "event_participants": "SELECT * FROM event_participants WHERE user_id = ? "
            "ORDER BY event_id",
            "event_answers": "SELECT * FROM event_answers WHERE user_id = ? "
            "ORDER BY event_id, position",
            "lesson_subscribers": "SELECT * FROM lesson_subscribers WHERE chat_id = ?",
            "lesson_deliveries": "SELECT * FROM lesson_deliveries WHERE chat_id = ? ORDER BY id",
            "lesson_answers": "SELECT * FROM lesson_answers WHERE user_id = ? "
            "ORDER BY delivery_id",
        }
        result: dict[str, list[dict[str, Any]]] = {}
        for name, sql in tables.items():
            rows = await self.db.all(sql, (user_id,))
            result[name] = [_decode_row(dict(row)) for row in rows]
        for part in self.parts:
            result.update(await part.export(user_id))
        return result

    async def delete_user(self, user_id: int) -> bool:
        """Delete the person and, by cascade, everything that belongs to them."""
        async with self.db.transaction():
            # Event rows have no foreign key to users (players may never start the bot).
            events = 0
            for table in ("event_answers", "event_participants", "volunteers"):
                removed = await self.db.write(
                    f"DELETE FROM {table} WHERE user_id = ?",  # noqa: S608 - fixed names
                    (user_id,),
                )
                events += removed.rowcount
            # Daily lessons are kept per chat; a private chat's id is the user's id.
            for table in ("lesson_deliveries", "lesson_subscribers"):
                removed = await self.db.write(
                    f"DELETE FROM {table} WHERE chat_id = ?",  # noqa: S608 - fixed names
                    (user_id,),
                )
                events += removed.rowcount
            for part in self.parts:
                events += await part.forget(user_id)
            cursor = await self.db.write("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount + events > 0


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("question_ids", "option_orders", "selected", "chosen"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row
