"""Group quiz events: the event, its questions and polls, each step a compare-and-set."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain.events import Event, EventQuestion, EventStatus
from bot.storage.db import Database, iso_or_none

# --- group events -------------------------------------------------------------


def _event(row: aiosqlite.Row) -> Event:
    return Event(
        id=row["id"],
        chat_id=row["chat_id"],
        host_id=row["host_id"],
        bank_id=row["bank_id"],
        language=row["language"],
        question_count=row["question_count"],
        seconds=row["seconds"],
        pause_between=row["pause_between"],
        speed_bonus=bool(row["speed_bonus"]),
        status=EventStatus(row["status"]),
        next_at=iso_or_none(row["next_at"]),
        lobby_message_id=row["lobby_message_id"],
        lobby_edited_at=iso_or_none(row["lobby_edited_at"]),
        countdown_message_id=row["countdown_message_id"],
        board_message_id=row["board_message_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        started_at=iso_or_none(row["started_at"]),
        ended_at=iso_or_none(row["ended_at"]),
    )


def _event_question(row: aiosqlite.Row) -> EventQuestion:
    return EventQuestion(
        event_id=row["event_id"],
        position=row["position"],
        question_id=row["question_id"],
        option_order=tuple(json.loads(row["option_order"])),
        scenario_message=bool(row["scenario_message"]),
        poll_id=row["poll_id"],
        poll_message_id=row["poll_message_id"],
        opened_at=iso_or_none(row["opened_at"]),
        closes_at=iso_or_none(row["closes_at"]),
        closed_at=iso_or_none(row["closed_at"]),
    )


class EventStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_event(
        self,
        *,
        chat_id: int,
        host_id: int,
        bank_id: str,
        language: str,
        seconds: int,
        pause_between: int,
        speed_bonus: bool,
        questions: list[tuple[str, tuple[int, ...], bool]],
        now: datetime,
    ) -> Event | None:
        """A new lobby with its questions (id, option order, scenario as own message).

        None when the chat already has a live event (a UNIQUE index decides, not memory).
        """
        try:
            async with self.db.transaction():
                cursor = await self.db.write(
                    "INSERT INTO events (chat_id, host_id, bank_id, language, question_count, "
                    "seconds, pause_between, speed_bonus, status, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'lobby', ?)",
                    (
                        chat_id,
                        host_id,
                        bank_id,
                        language,
                        len(questions),
                        seconds,
                        pause_between,
                        int(speed_bonus),
                        now.isoformat(),
                    ),
                )
                event_id = cursor.lastrowid or 0
                await self.db.write_many(
                    "INSERT INTO event_questions "
                    "(event_id, position, question_id, option_order, scenario_message) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (event_id, position, qid, json.dumps(list(order)), int(own))
                        for position, (qid, order, own) in enumerate(questions)
                    ],
                )
        except aiosqlite.IntegrityError:
            return None
        return await self.get_event(event_id)

    async def get_event(self, event_id: int) -> Event | None:
        row = await self.db.one("SELECT * FROM events WHERE id = ?", (event_id,))
        return _event(row) if row else None

    async def live_event(self, chat_id: int) -> Event | None:
        row = await self.db.one(
            "SELECT * FROM events WHERE chat_id = ? "
            "AND status IN ('lobby', 'countdown', 'running', 'paused')",
            (chat_id,),
        )
        return _event(row) if row else None

    async def ended_events(self, chat_id: int | None = None, limit: int = 20) -> list[Event]:
        """Events with results, newest first (in one chat, or everywhere)."""
        rows = await self.db.all(
            "SELECT * FROM events WHERE status IN ('finished', 'stopped') "
            "AND (? IS NULL OR chat_id = ?) ORDER BY id DESC LIMIT ?",
            (chat_id, chat_id, limit),
        )
        return [_event(row) for row in rows]

    async def running_events(self) -> list[Event]:
        """Events a restart must pick up again."""
        rows = await self.db.all(
            "SELECT * FROM events WHERE status IN ('countdown', 'running', 'paused') ORDER BY id"
        )
        return [_event(row) for row in rows]

    async def set_event_status(
        self,
        event_id: int,
        expected: tuple[EventStatus, ...],
        status: EventStatus,
        now: datetime,
        *,
        next_at: datetime | None = None,
    ) -> bool:
        """Move the event from one of ``expected`` to ``status``, atomically; False if it was
        not in any of them (a second press, a race between a job and a command)."""
        marks = ",".join("?" * len(expected))
        started = status is EventStatus.COUNTDOWN
        ended = not status.is_live
        cursor = await self.db.write(
            f"UPDATE events SET status = ?, "  # noqa: S608 - only placeholders are interpolated
            "next_at = COALESCE(?, next_at), "
            "started_at = CASE WHEN ? THEN ? ELSE started_at END, "
            "ended_at = CASE WHEN ? THEN ? ELSE ended_at END "
            f"WHERE id = ? AND status IN ({marks})",
            (
                status.value,
                next_at.isoformat() if next_at else None,
                int(started),
                now.isoformat(),
                int(ended),
                now.isoformat(),
                event_id,
                *(s.value for s in expected),
            ),
        )
        return cursor.rowcount == 1

    async def set_event_next_at(self, event_id: int, next_at: datetime) -> None:
        await self.db.write(
            "UPDATE events SET next_at = ? WHERE id = ?", (next_at.isoformat(), event_id)
        )

    async def set_event_message(self, event_id: int, kind: str, message_id: int) -> None:
        """Remember the lobby, countdown or leaderboard message (``kind``) to edit it later."""
        column = {
            "lobby": "lobby_message_id",
            "countdown": "countdown_message_id",
            "board": "board_message_id",
        }[kind]
        await self.db.write(
            f"UPDATE events SET {column} = ? WHERE id = ?",  # noqa: S608 - fixed column names
            (message_id, event_id),
        )

    async def set_lobby_edited(self, event_id: int, now: datetime) -> None:
        await self.db.write(
            "UPDATE events SET lobby_edited_at = ? WHERE id = ?", (now.isoformat(), event_id)
        )

    async def set_speed_bonus(self, event_id: int, on: bool) -> bool:
        """Only while the lobby is open: scores must not change rules half-way."""
        cursor = await self.db.write(
            "UPDATE events SET speed_bonus = ? WHERE id = ? AND status = 'lobby'",
            (int(on), event_id),
        )
        return cursor.rowcount == 1

    async def event_questions(self, event_id: int) -> list[EventQuestion]:
        rows = await self.db.all(
            "SELECT * FROM event_questions WHERE event_id = ? ORDER BY position", (event_id,)
        )
        return [_event_question(row) for row in rows]

    async def event_question(self, event_id: int, position: int) -> EventQuestion | None:
        row = await self.db.one(
            "SELECT * FROM event_questions WHERE event_id = ? AND position = ?",
            (event_id, position),
        )
        return _event_question(row) if row else None

    async def event_question_by_poll(self, poll_id: str) -> EventQuestion | None:
        row = await self.db.one("SELECT * FROM event_questions WHERE poll_id = ?", (poll_id,))
        return _event_question(row) if row else None

    async def claim_open(
        self, event_id: int, position: int, now: datetime, closes_at: datetime
    ) -> bool:
        """Mark a question open, once: False when it already was (a second job, a restart)."""
        cursor = await self.db.write(
            "UPDATE event_questions SET opened_at = ?, closes_at = ? "
            "WHERE event_id = ? AND position = ? AND opened_at IS NULL",
            (now.isoformat(), closes_at.isoformat(), event_id, position),
        )
        return cursor.rowcount == 1

    async def unclaim_open(self, event_id: int, position: int) -> None:
        """The poll could not be sent: the question may open again."""
        await self.db.write(
            "UPDATE event_questions SET opened_at = NULL, closes_at = NULL "
            "WHERE event_id = ? AND position = ? AND poll_id IS NULL AND closed_at IS NULL",
            (event_id, position),
        )

    async def unsent_questions(self, event_id: int) -> int:
        """After a crash between "open" and sendPoll: reopen those questions. Returns how many."""
        cursor = await self.db.write(
            "UPDATE event_questions SET opened_at = NULL, closes_at = NULL "
            "WHERE event_id = ? AND opened_at IS NOT NULL AND poll_id IS NULL "
            "AND closed_at IS NULL",
            (event_id,),
        )
        return cursor.rowcount

    async def set_event_poll(
        self, event_id: int, position: int, poll_id: str, poll_message_id: int
    ) -> None:
        await self.db.write(
            "UPDATE event_questions SET poll_id = ?, poll_message_id = ? "
            "WHERE event_id = ? AND position = ?",
            (poll_id, poll_message_id, event_id, position),
        )

    async def set_event_result_message(
        self, event_id: int, position: int, message_id: int
    ) -> None:
        await self.db.write(
            "UPDATE event_questions SET result_message_id = ? WHERE event_id = ? AND position = ?",
            (message_id, event_id, position),
        )

    async def claim_close(
        self, event_id: int, position: int, now: datetime, next_at: datetime
    ) -> bool:
        """Close an open question, once (one statement: atomic without a transaction, so a
        job may run it while a handler is in the middle of another unit of work).

        An early close (``/event_next``, ``/event_stop``) also moves ``closes_at`` to now, so
        answers after it are late. ``next_at`` is when the next question may open.
        """
        cursor = await self.db.write(
            "UPDATE event_questions SET closed_at = ?, closes_at = MIN(closes_at, ?) "
            "WHERE event_id = ? AND position = ? AND opened_at IS NOT NULL AND closed_at IS NULL",
            (now.isoformat(), now.isoformat(), event_id, position),
        )
        if cursor.rowcount != 1:
            return False
        await self.set_event_next_at(event_id, next_at)
        return True

    async def skip_event_question(self, event_id: int, position: int, now: datetime) -> bool:
        """A question removed from the content since the lobby opened: pass over it."""
        cursor = await self.db.write(
            "UPDATE event_questions SET opened_at = ?, closes_at = ?, closed_at = ? "
            "WHERE event_id = ? AND position = ? AND opened_at IS NULL",
            (now.isoformat(), now.isoformat(), now.isoformat(), event_id, position),
        )
        return cursor.rowcount == 1
