"""Group chats: their own settings, the ``/event_new`` set-up, and moving a chat's rows.

When a group becomes a supergroup Telegram gives it a new id; :meth:`GroupStore.move_chat`
moves every row keyed by the chat to it in one transaction, so nothing is left half-moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.events import EventSetup, SetupStep
from bot.storage.db import Database


def _setup(row: aiosqlite.Row) -> EventSetup:
    return EventSetup(
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        host_id=row["host_id"],
        step=SetupStep(row["step"]),
        bank_id=row["bank_id"],
        questions=row["questions"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


@dataclass(frozen=True, slots=True)
class MovedChat:
    """What a move changed: rows per table, and the live events that now live in the new chat."""

    rows: dict[str, int]
    live_events: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# Tables keyed by a chat whose rows move; ``OR IGNORE``: a row the new chat already has wins
# (it is the newer choice), the old one is then removed.
_MOVES: tuple[tuple[str, bool], ...] = (
    ("lesson_subscribers", True),
    ("lesson_deliveries", False),  # a clash (same day or lesson) keeps its history where it is
    ("events", False),
    ("campaign_groups", True),
    ("group_settings", True),
)


class GroupStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- language ---------------------------------------------------------------------------

    async def language(self, chat_id: int) -> str | None:
        row = await self.db.one(
            "SELECT language FROM group_settings WHERE chat_id = ?", (chat_id,)
        )
        return str(row["language"]) if row else None

    async def set_language(self, chat_id: int, language: str, now: datetime) -> None:
        """The group's language; its lesson subscription follows, in the same transaction."""
        async with self.db.transaction():
            await self.db.write(
                "INSERT INTO group_settings (chat_id, language, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language, "
                "updated_at = excluded.updated_at",
                (chat_id, language, now.isoformat()),
            )
            await self.db.write(
                "UPDATE lesson_subscribers SET language = ?, updated_at = ? "
                "WHERE chat_id = ? AND kind = 'group'",
                (language, now.isoformat(), chat_id),
            )

    # --- /event_new set-up ------------------------------------------------------------------

    async def create_setup(
        self, chat_id: int, message_id: int, host_id: int, now: datetime
    ) -> EventSetup:
        await self.db.write(
            "INSERT INTO event_setups (chat_id, message_id, host_id, step, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (chat_id, message_id, host_id, SetupStep.BANK.value, now.isoformat()),
        )
        found = await self.setup(chat_id, message_id)
        assert found is not None
        return found

    async def setup(self, chat_id: int, message_id: int) -> EventSetup | None:
        row = await self.db.one(
            "SELECT * FROM event_setups WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return _setup(row) if row else None

    async def advance_setup(
        self,
        setup: EventSetup,
        step: SetupStep,
        *,
        bank_id: str | None = None,
        questions: int | None = None,
    ) -> bool:
        """Move to ``step`` if the set-up is still at the step it was read at (one press wins)."""
        cursor = await self.db.write(
            "UPDATE event_setups SET step = ?, bank_id = COALESCE(?, bank_id), "
            "questions = COALESCE(?, questions) "
            "WHERE chat_id = ? AND message_id = ? AND step = ?",
            (step.value, bank_id, questions, setup.chat_id, setup.message_id, setup.step.value),
        )
        return cursor.rowcount == 1

    async def end_setup(self, setup: EventSetup) -> bool:
        """Remove it (finished or cancelled) if still at the step it was read at."""
        cursor = await self.db.write(
            "DELETE FROM event_setups WHERE chat_id = ? AND message_id = ? AND step = ?",
            (setup.chat_id, setup.message_id, setup.step.value),
        )
        return cursor.rowcount == 1

    # --- a group becomes a supergroup -------------------------------------------------------

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> MovedChat:
        """Every row keyed by ``old_chat_id`` now belongs to ``new_chat_id``, all or nothing.

        The set-ups are dropped: their buttons are on messages in the old chat. The live
        event's messages are in the old chat too; their ids are cleared so the event sends
        new ones in the new chat.
        """
        rows: dict[str, int] = {}
        async with self.db.transaction():
            live = [
                int(row["id"])
                for row in await self.db.all(
                    "SELECT id FROM events WHERE chat_id = ? "
                    "AND status IN ('lobby', 'countdown', 'running', 'paused')",
                    (old_chat_id,),
                )
            ]
            await self.db.write(
                "UPDATE events SET lobby_message_id = NULL, countdown_message_id = NULL, "
                "board_message_id = NULL "
                "WHERE chat_id = ? AND status IN ('lobby', 'countdown', 'running', 'paused')",
                (old_chat_id,),
            )
            for table, replace_old in _MOVES:
                cursor = await self.db.write(
                    f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE chat_id = ?",  # noqa: S608
                    (new_chat_id, old_chat_id),
                )
                rows[table] = cursor.rowcount
                if replace_old:
                    await self.db.write(
                        f"DELETE FROM {table} WHERE chat_id = ?",  # noqa: S608
                        (old_chat_id,),
                    )
            cursor = await self.db.write(
                "DELETE FROM event_setups WHERE chat_id = ?", (old_chat_id,)
            )
            rows["event_setups"] = cursor.rowcount
            moved = {
                int(row["id"])
                for row in await self.db.all(
                    "SELECT id FROM events WHERE chat_id = ?", (new_chat_id,)
                )
            }
        return MovedChat(rows, tuple(i for i in live if i in moved))

    # --- a person's data (PersonalData) -----------------------------------------------------

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        rows = await self.db.all(
            "SELECT chat_id, step, bank_id, questions, created_at FROM event_setups "
            "WHERE host_id = ? ORDER BY created_at",
            (user_id,),
        )
        return {"event_setups": [dict(row) for row in rows]}

    async def forget(self, user_id: int) -> int:
        """Their set-ups in progress; called inside PrivacyStore's transaction."""
        cursor = await self.db.write("DELETE FROM event_setups WHERE host_id = ?", (user_id,))
        return cursor.rowcount
