"""A person's own data: export everything stored about them, or delete it."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.campaigns import CampaignStore
from bot.storage.db import Database


class PrivacyStore:
    def __init__(self, db: Database, campaigns: CampaignStore | None = None) -> None:
        self.db = db
        self.campaigns = campaigns

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
            # The scam checker: a private chat's id is the user's id; never any text.
            "checker_replies": "SELECT * FROM checker_replies WHERE chat_id = ?",
            "reply_prompts": "SELECT * FROM reply_prompts WHERE user_id = ? "
            "ORDER BY chat_id, message_id",
        }
        result: dict[str, list[dict[str, Any]]] = {}
        for name, sql in tables.items():
            rows = await self.db.all(sql, (user_id,))
            result[name] = [_decode_row(dict(row)) for row in rows]
        if self.campaigns is not None:
            result.update(await self.campaigns.export(user_id))
        return result

    async def delete_user(self, user_id: int) -> bool:
        """Delete the person and, by cascade, everything that belongs to them."""
        # Campaign rows first (their own transaction; repeating /forget finishes the job).
        campaign_rows = await self.campaigns.forget(user_id) if self.campaigns else 0
        async with self.db.transaction():
            # Event rows have no foreign key to users (players may never start the bot).
            events = 0
            for table in ("event_answers", "event_participants", "volunteers", "reply_prompts"):
                removed = await self.db.write(
                    f"DELETE FROM {table} WHERE user_id = ?",  # noqa: S608 - fixed names
                    (user_id,),
                )
                events += removed.rowcount
            # Daily lessons are kept per chat; a private chat's id is the user's id.
            for table in ("lesson_deliveries", "lesson_subscribers", "checker_replies"):
                removed = await self.db.write(
                    f"DELETE FROM {table} WHERE chat_id = ?",  # noqa: S608 - fixed names
                    (user_id,),
                )
                events += removed.rowcount
            cursor = await self.db.write("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount + events + campaign_rows > 0


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("question_ids", "option_orders", "selected", "chosen"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row
