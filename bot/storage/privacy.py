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
            "volunteers_granted": "SELECT user_id, granted_at FROM volunteers "
            "WHERE granted_by = ? ORDER BY granted_at",
            "events_hosted": "SELECT id, chat_id, bank_id, status, created_at FROM events "
            "WHERE host_id = ? ORDER BY id",
            "event_participants": "SELECT * FROM event_participants WHERE user_id = ? "
            "ORDER BY event_id",
            "event_answers": "SELECT * FROM event_answers WHERE user_id = ? "
            "ORDER BY event_id, position",
            "lesson_subscribers": "SELECT * FROM lesson_subscribers WHERE chat_id = ?",
            "lesson_deliveries": "SELECT * FROM lesson_deliveries WHERE chat_id = ? ORDER BY id",
            "lesson_answers": "SELECT * FROM lesson_answers WHERE user_id = ? "
            "ORDER BY delivery_id",
            # The scam checker: a private chat's id is the user's id; never any text.
            "checker_replies": "SELECT * FROM checker_replies WHERE chat_id = ?",
            "reply_prompts": "SELECT * FROM reply_prompts WHERE user_id = ? "
            "ORDER BY chat_id, message_id",
        }
        result: dict[str, list[dict[str, Any]]] = {}
        for name, sql in tables.items():
            rows = await self.db.all(sql, (user_id,))
            result[name] = [_decode_row(dict(row)) for row in rows]
        for part in self.parts:
            result.update(await part.export(user_id))
        return result

    async def delete_user(self, user_id: int, pseudonym: int) -> bool:
        """Delete the person; rows others rely on keep no trace of them.

        Their quizzes, cards, lessons, campaign rows and reports go (cascades and the
        ``parts``). Group events keep the person's answers — the group's results and counts
        rely on them — under ``pseudonym`` (a random negative id, never a Telegram user id)
        and without their name; events they hosted and volunteers they granted keep no id.
        """
        if pseudonym >= 0:
            raise ValueError("a pseudonym is negative, so it is never a Telegram user id")
        removed = 0
        async with self.db.transaction():
            for sql, params in (
                ("UPDATE event_answers SET user_id = ? WHERE user_id = ?", (pseudonym, user_id)),
                (
                    "UPDATE event_participants SET user_id = ?, display_name = '' "
                    "WHERE user_id = ?",
                    (pseudonym, user_id),
                ),
                ("UPDATE events SET host_id = ? WHERE host_id = ?", (pseudonym, user_id)),
                ("DELETE FROM volunteers WHERE user_id = ?", (user_id,)),
                ("DELETE FROM reply_prompts WHERE user_id = ?", (user_id,)),
                ("DELETE FROM checker_replies WHERE chat_id = ?", (user_id,)),
                ("UPDATE volunteers SET granted_by = 0 WHERE granted_by = ?", (user_id,)),
                # Daily lessons are kept per chat; a private chat's id is the user's id.
                ("DELETE FROM lesson_deliveries WHERE chat_id = ?", (user_id,)),
                ("DELETE FROM lesson_subscribers WHERE chat_id = ?", (user_id,)),
            ):
                removed += (await self.db.write(sql, params)).rowcount
            for part in self.parts:
                removed += await part.forget(user_id)
            cursor = await self.db.write("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount + removed > 0


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("question_ids", "option_orders", "selected", "chosen"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row
