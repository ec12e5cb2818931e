"""Reply prompts: a message of the bot that asks one person for a line of text."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.prompts import Prompt
from bot.storage.db import Database


def _prompt(row: aiosqlite.Row) -> Prompt:
    return Prompt(
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        payload=row["payload"],
        expires_at=datetime.fromisoformat(row["expires_at"]),
    )


class PromptStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(self, prompt: Prompt) -> None:
        await self.db.write(
            "INSERT OR REPLACE INTO reply_prompts "
            "(chat_id, message_id, user_id, kind, payload, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                prompt.chat_id,
                prompt.message_id,
                prompt.user_id,
                prompt.kind,
                prompt.payload,
                prompt.expires_at.isoformat(),
            ),
        )

    async def take(self, chat_id: int, message_id: int, user_id: int) -> Prompt | None:
        """Remove and return the prompt ``message_id`` asked of ``user_id`` (live or not).

        One statement: two replies racing for one prompt cannot both get it.
        """
        row = await self.db.write_one(
            "DELETE FROM reply_prompts WHERE chat_id = ? AND message_id = ? AND user_id = ? "
            "RETURNING *",
            (chat_id, message_id, user_id),
        )
        return _prompt(row) if row is not None else None

    async def withdraw(self, chat_id: int, user_id: int, kind: str, payload: str) -> int:
        """Close the person's open prompts of ``kind`` about ``payload`` (they said "skip")."""
        cursor = await self.db.write(
            "DELETE FROM reply_prompts "
            "WHERE chat_id = ? AND user_id = ? AND kind = ? AND payload = ?",
            (chat_id, user_id, kind, payload),
        )
        return cursor.rowcount

    async def prune(self, now: datetime) -> int:
        cursor = await self.db.write(
            "DELETE FROM reply_prompts WHERE expires_at < ?", (now.isoformat(),)
        )
        return cursor.rowcount
