"""Every SQL statement of the bot lives here. Methods return domain objects or plain values."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.events import Event, EventAnswer, EventQuestion, EventStatus, Participant
from bot.domain.quiz import CardState
from bot.domain.schedule import BroadcastStats, Delivery, LessonHistory, Subscription
from bot.domain.session import AnswerRecord, QuizSession, SessionKind
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
    timezone: str | None = None  # set with /timezone (kept with the lesson subscription)


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
        timezone=row["tz"],
    )


def _session(row: aiosqlite.Row) -> QuizSession:
    return QuizSession(
        id=row["id"],
        user_id=row["user_id"],
        bank_id=row["bank_id"],
        kind=SessionKind(row["kind"]),
        question_ids=tuple(json.loads(row["question_ids"])),
        option_orders=tuple(tuple(order) for order in json.loads(row["option_orders"])),
        position=row["position"],
        selected=frozenset(json.loads(row["selected"])),
        message_id=row["message_id"],
        points=row["points"],
        correct=row["correct"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=_dt(row["finished_at"]),
        abandoned_at=_dt(row["abandoned_at"]),
    )


def _card(row: aiosqlite.Row) -> CardState:
    return CardState(
        box=row["box"],
        due=date.fromisoformat(row["due"]),
        seen=row["seen"],
        wrong=row["wrong"],
        last_correct=None if row["last_correct"] is None else bool(row["last_correct"]),
    )


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class TopicStat:
    topic: str
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class RankedUser:
    rank: int
    user_id: int
    points: int
    display_name: str | None  # None unless the person opted in


@dataclass(frozen=True, slots=True)
class AnswerWrite:
    """Everything one answer changes, computed by the service from domain rules."""

    session_id: int
    position: int
    question_id: str
    topic: str
    chosen: frozenset[int]
    correct: bool
    points: int
    answered_at: datetime
    card: CardState
    streak_current: int
    streak_best: int
    streak_day: date


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


class Repository:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._writing = _WriteLock()

    @classmethod
    async def open(cls, path: Path) -> Repository:
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

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Cursor:
        """One INSERT, UPDATE or DELETE, never inside another task's transaction."""
        async with self._writing():
            return await self.conn.execute(sql, params)

    async def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        async with self._writing():
            await self.conn.executemany(sql, rows)

    async def _write_one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        """A write with RETURNING: its row, if any."""
        async with self._writing():
            return await self._one(sql, params)

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        """One trip to the database thread: execute and fetch together."""
        return list(await self.conn.execute_fetchall(sql, params))

    # --- users ------------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one(
            "SELECT u.*, s.tz FROM users u LEFT JOIN lesson_subscribers s "
            "ON s.chat_id = u.user_id WHERE u.user_id = ?",
            (user_id,),
        )
        return _user(row) if row else None

    async def ensure_user(self, user_id: int, language: str, now: datetime) -> User:
        """The stored user, created with ``language`` on first contact.

        Reads first: nearly every update comes from someone we know, and a read needs no
        write transaction.
        """
        user = await self.get_user(user_id)
        if user is None:
            await self._write(
                "INSERT INTO users (user_id, language, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO NOTHING",
                (user_id, language, now.isoformat()),
            )
            user = await self.get_user(user_id)
        assert user is not None
        return user

    async def set_language(self, user_id: int, language: str) -> None:
        await self._write("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))

    async def set_show_name(self, user_id: int, show: bool, display_name: str | None) -> None:
        """Opting out forgets the stored name at once."""
        await self._write(
            "UPDATE users SET show_name = ?, display_name = ? WHERE user_id = ?",
            (int(show), display_name if show else None, user_id),
        )

    async def set_streak(self, user_id: int, current: int, best: int, day: date) -> None:
        await self._write(
            "UPDATE users SET streak_current = ?, streak_best = ?, streak_last_day = ? "
            "WHERE user_id = ?",
            (current, best, day.isoformat(), user_id),
        )

    async def rank_of(self, user_id: int) -> int | None:
        """1 + the number of people with more points (ties share a rank)."""
        row = await self._one(
            "SELECT 1 + (SELECT COUNT(*) FROM users o WHERE o.points > u.points) "
            "FROM users u WHERE u.user_id = ?",
            (user_id,),
        )
        return int(row[0]) if row else None

    async def top_users(self, limit: int = 10) -> list[RankedUser]:
        rows = await self._all(
            "SELECT user_id, points, display_name, show_name, "
            "1 + (SELECT COUNT(*) FROM users o WHERE o.points > u.points) AS rank "
            "FROM users u WHERE points > 0 ORDER BY points DESC, user_id LIMIT ?",
            (limit,),
        )
        return [
            RankedUser(
                rank=row["rank"],
                user_id=row["user_id"],
                points=row["points"],
                display_name=row["display_name"] if row["show_name"] else None,
            )
            for row in rows
        ]

    async def user_count(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM users")
        return int(row[0]) if row else 0

    async def topic_stats(self, user_id: int) -> list[TopicStat]:
        rows = await self._all(
            "SELECT topic, answered, correct FROM topic_stats WHERE user_id = ? ORDER BY topic",
            (user_id,),
        )
        return [TopicStat(row["topic"], row["answered"], row["correct"]) for row in rows]

    # --- private quizzes --------------------------------------------------------------------

    async def create_session(
        self,
        user_id: int,
        bank_id: str,
        kind: SessionKind,
        question_ids: list[str],
        option_orders: list[tuple[int, ...]],
        now: datetime,
    ) -> QuizSession:
        """Start a quiz; any quiz still open for this person is abandoned first."""
        async with self.transaction():
            await self._write(
                "UPDATE quiz_sessions SET abandoned_at = ? "
                "WHERE user_id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
                (now.isoformat(), user_id),
            )
            cursor = await self._write(
                "INSERT INTO quiz_sessions "
                "(user_id, bank_id, kind, question_ids, option_orders, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    bank_id,
                    kind.value,
                    json.dumps(question_ids),
                    json.dumps([list(order) for order in option_orders]),
                    now.isoformat(),
                ),
            )
            session_id = cursor.lastrowid
        session = await self.get_session(session_id or 0)
        assert session is not None
        return session

    async def get_session(self, session_id: int) -> QuizSession | None:
        row = await self._one("SELECT * FROM quiz_sessions WHERE id = ?", (session_id,))
        return _session(row) if row else None

    async def open_session(self, user_id: int) -> QuizSession | None:
        row = await self._one(
            "SELECT * FROM quiz_sessions "
            "WHERE user_id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
            (user_id,),
        )
        return _session(row) if row else None

    async def abandon_session(self, session_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE quiz_sessions SET abandoned_at = ? "
            "WHERE id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
            (now.isoformat(), session_id),
        )

    async def set_session_message(self, session_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE quiz_sessions SET message_id = ? WHERE id = ?", (message_id, session_id)
        )

    async def set_selected(self, session_id: int, position: int, selected: frozenset[int]) -> bool:
        """Store toggled options; False when the question is no longer the current one."""
        cursor = await self._write(
            "UPDATE quiz_sessions SET selected = ? WHERE id = ? AND position = ? "
            "AND finished_at IS NULL AND abandoned_at IS NULL",
            (json.dumps(sorted(selected)), session_id, position),
        )
        return cursor.rowcount == 1

    async def skip_question(self, session_id: int, position: int, now: datetime) -> bool:
        """Move past a question that no longer exists in the content."""
        cursor = await self._write(
            "UPDATE quiz_sessions SET position = position + 1, selected = '[]', "
            "finished_at = CASE WHEN position + 1 >= json_array_length(question_ids) "
            "THEN ? END WHERE id = ? AND position = ? "
            "AND finished_at IS NULL AND abandoned_at IS NULL",
            (now.isoformat(), session_id, position),
        )
        return cursor.rowcount == 1

    async def record_answer(self, write: AnswerWrite) -> QuizSession | None:
        """Store one answer and everything it changes, atomically and at most once.

        Returns the session after the answer, or None (and changes nothing) when the question
        was already answered or the session moved on: a duplicate update, a stale button or a
        race between two presses.
        """
        async with self.transaction():
            updated = await self._one(
                "UPDATE quiz_sessions SET position = position + 1, selected = '[]', "
                "points = points + ?, correct = correct + ?, "
                "finished_at = CASE WHEN position + 1 >= json_array_length(question_ids) "
                "THEN ? END "
                "WHERE id = ? AND position = ? AND finished_at IS NULL AND abandoned_at IS NULL "
                "RETURNING *",
                (
                    write.points,
                    int(write.correct),
                    write.answered_at.isoformat(),
                    write.session_id,
                    write.position,
                ),
            )
            if updated is None:
                return None
            session = _session(updated)
            user_id = session.user_id
            await self._write(
                "INSERT INTO answers "
                "(session_id, position, question_id, chosen, correct, points, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    write.session_id,
                    write.position,
                    write.question_id,
                    json.dumps(sorted(write.chosen)),
                    int(write.correct),
                    write.points,
                    write.answered_at.isoformat(),
                ),
            )
            await self._learned(
                user_id,
                write.question_id,
                write.topic,
                write.correct,
                write.points,
                write.card,
                (write.streak_current, write.streak_best, write.streak_day),
            )
        return session

    async def _learned(
        self,
        user_id: int,
        question_id: str,
        topic: str,
        correct: bool,
        points: int,
        card: CardState,
        streak: tuple[int, int, date],
    ) -> None:
        """What any answered question changes: its card, the topic totals, points, streak.

        Called inside the caller's transaction (quiz answers and lesson checks alike).
        """
        await self._write(
            "INSERT INTO cards (user_id, question_id, box, due, seen, wrong, last_correct) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, question_id) DO UPDATE SET "
            "box = excluded.box, due = excluded.due, seen = excluded.seen, "
            "wrong = excluded.wrong, last_correct = excluded.last_correct",
            (
                user_id,
                question_id,
                card.box,
                card.due.isoformat(),
                card.seen,
                card.wrong,
                None if card.last_correct is None else int(card.last_correct),
            ),
        )
        await self._write(
            "INSERT INTO topic_stats (user_id, topic, answered, correct) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (user_id, topic) DO UPDATE SET answered = answered + 1, "
            "correct = correct + excluded.correct",
            (user_id, topic, int(correct)),
        )
        current, best, day = streak
        await self._write(
            "UPDATE users SET points = points + ?, answered = answered + 1, "
            "correct = correct + ?, streak_current = ?, streak_best = ?, "
            "streak_last_day = ? WHERE user_id = ?",
            (points, int(correct), current, best, day.isoformat(), user_id),
        )

    async def session_answers(self, session_id: int) -> list[AnswerRecord]:
        rows = await self._all(
            "SELECT * FROM answers WHERE session_id = ? ORDER BY position", (session_id,)
        )
        return [
            AnswerRecord(
                position=row["position"],
                question_id=row["question_id"],
                chosen=frozenset(json.loads(row["chosen"])),
                correct=bool(row["correct"]),
                points=row["points"],
                answered_at=datetime.fromisoformat(row["answered_at"]),
            )
            for row in rows
        ]

    async def cards(self, user_id: int) -> dict[str, CardState]:
        rows = await self._all("SELECT * FROM cards WHERE user_id = ?", (user_id,))
        return {row["question_id"]: _card(row) for row in rows}

    async def card(self, user_id: int, question_id: str) -> CardState | None:
        row = await self._one(
            "SELECT * FROM cards WHERE user_id = ? AND question_id = ?", (user_id, question_id)
        )
        return _card(row) if row else None

    # --- group events -------------------------------------------------------------

    @staticmethod
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
            next_at=_dt(row["next_at"]),
            lobby_message_id=row["lobby_message_id"],
            lobby_edited_at=_dt(row["lobby_edited_at"]),
            countdown_message_id=row["countdown_message_id"],
            board_message_id=row["board_message_id"],
            created_at=datetime.fromisoformat(row["created_at"]),
            started_at=_dt(row["started_at"]),
            ended_at=_dt(row["ended_at"]),
        )

    @staticmethod
    def _event_question(row: aiosqlite.Row) -> EventQuestion:
        return EventQuestion(
            event_id=row["event_id"],
            position=row["position"],
            question_id=row["question_id"],
            option_order=tuple(json.loads(row["option_order"])),
            scenario_message=bool(row["scenario_message"]),
            poll_id=row["poll_id"],
            poll_message_id=row["poll_message_id"],
            opened_at=_dt(row["opened_at"]),
            closes_at=_dt(row["closes_at"]),
            closed_at=_dt(row["closed_at"]),
        )

    async def add_volunteer(
        self, user_id: int, display_name: str | None, granted_by: int, now: datetime
    ) -> bool:
        """Grant; False when the person already was a volunteer (the name is refreshed)."""
        cursor = await self._write(
            "INSERT INTO volunteers (user_id, display_name, granted_by, granted_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
            (user_id, display_name, granted_by, now.isoformat()),
        )
        if cursor.rowcount == 0 and display_name:
            await self._write(
                "UPDATE volunteers SET display_name = ? WHERE user_id = ?",
                (display_name, user_id),
            )
        return cursor.rowcount == 1

    async def remove_volunteer(self, user_id: int) -> bool:
        cursor = await self._write("DELETE FROM volunteers WHERE user_id = ?", (user_id,))
        return cursor.rowcount > 0

    # is_volunteer(user_id): defined once, in the daily-lessons section below (same query).

    async def volunteers(self) -> list[tuple[int, str | None]]:
        rows = await self._all("SELECT user_id, display_name FROM volunteers ORDER BY granted_at")
        return [(row["user_id"], row["display_name"]) for row in rows]

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
            async with self.transaction():
                cursor = await self._write(
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
                await self._write_many(
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
        row = await self._one("SELECT * FROM events WHERE id = ?", (event_id,))
        return self._event(row) if row else None

    async def live_event(self, chat_id: int) -> Event | None:
        row = await self._one(
            "SELECT * FROM events WHERE chat_id = ? "
            "AND status IN ('lobby', 'countdown', 'running', 'paused')",
            (chat_id,),
        )
        return self._event(row) if row else None

    async def ended_events(self, chat_id: int | None = None, limit: int = 20) -> list[Event]:
        """Events with results, newest first (in one chat, or everywhere)."""
        rows = await self._all(
            "SELECT * FROM events WHERE status IN ('finished', 'stopped') "
            "AND (? IS NULL OR chat_id = ?) ORDER BY id DESC LIMIT ?",
            (chat_id, chat_id, limit),
        )
        return [self._event(row) for row in rows]

    async def running_events(self) -> list[Event]:
        """Events a restart must pick up again."""
        rows = await self._all(
            "SELECT * FROM events WHERE status IN ('countdown', 'running', 'paused') ORDER BY id"
        )
        return [self._event(row) for row in rows]

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
        cursor = await self._write(
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
        await self._write(
            "UPDATE events SET next_at = ? WHERE id = ?", (next_at.isoformat(), event_id)
        )

    async def set_event_message(self, event_id: int, kind: str, message_id: int) -> None:
        """Remember the lobby, countdown or leaderboard message (``kind``) to edit it later."""
        column = {
            "lobby": "lobby_message_id",
            "countdown": "countdown_message_id",
            "board": "board_message_id",
        }[kind]
        await self._write(
            f"UPDATE events SET {column} = ? WHERE id = ?",  # noqa: S608 - fixed column names
            (message_id, event_id),
        )

    async def set_lobby_edited(self, event_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE events SET lobby_edited_at = ? WHERE id = ?", (now.isoformat(), event_id)
        )

    async def set_speed_bonus(self, event_id: int, on: bool) -> bool:
        """Only while the lobby is open: scores must not change rules half-way."""
        cursor = await self._write(
            "UPDATE events SET speed_bonus = ? WHERE id = ? AND status = 'lobby'",
            (int(on), event_id),
        )
        return cursor.rowcount == 1

    async def event_questions(self, event_id: int) -> list[EventQuestion]:
        rows = await self._all(
            "SELECT * FROM event_questions WHERE event_id = ? ORDER BY position", (event_id,)
        )
        return [self._event_question(row) for row in rows]

    async def event_question(self, event_id: int, position: int) -> EventQuestion | None:
        row = await self._one(
            "SELECT * FROM event_questions WHERE event_id = ? AND position = ?",
            (event_id, position),
        )
        return self._event_question(row) if row else None

    async def event_question_by_poll(self, poll_id: str) -> EventQuestion | None:
        row = await self._one("SELECT * FROM event_questions WHERE poll_id = ?", (poll_id,))
        return self._event_question(row) if row else None

    async def claim_open(
        self, event_id: int, position: int, now: datetime, closes_at: datetime
    ) -> bool:
        """Mark a question open, once: False when it already was (a second job, a restart)."""
        cursor = await self._write(
            "UPDATE event_questions SET opened_at = ?, closes_at = ? "
            "WHERE event_id = ? AND position = ? AND opened_at IS NULL",
            (now.isoformat(), closes_at.isoformat(), event_id, position),
        )
        return cursor.rowcount == 1

    async def unclaim_open(self, event_id: int, position: int) -> None:
        """The poll could not be sent: the question may open again."""
        await self._write(
            "UPDATE event_questions SET opened_at = NULL, closes_at = NULL "
            "WHERE event_id = ? AND position = ? AND poll_id IS NULL AND closed_at IS NULL",
            (event_id, position),
        )

    async def unsent_questions(self, event_id: int) -> int:
        """After a crash between "open" and sendPoll: reopen those questions. Returns how many."""
        cursor = await self._write(
            "UPDATE event_questions SET opened_at = NULL, closes_at = NULL "
            "WHERE event_id = ? AND opened_at IS NOT NULL AND poll_id IS NULL "
            "AND closed_at IS NULL",
            (event_id,),
        )
        return cursor.rowcount

    async def set_event_poll(
        self, event_id: int, position: int, poll_id: str, poll_message_id: int
    ) -> None:
        await self._write(
            "UPDATE event_questions SET poll_id = ?, poll_message_id = ? "
            "WHERE event_id = ? AND position = ?",
            (poll_id, poll_message_id, event_id, position),
        )

    async def set_event_result_message(
        self, event_id: int, position: int, message_id: int
    ) -> None:
        await self._write(
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
        cursor = await self._write(
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
        cursor = await self._write(
            "UPDATE event_questions SET opened_at = ?, closes_at = ?, closed_at = ? "
            "WHERE event_id = ? AND position = ? AND opened_at IS NULL",
            (now.isoformat(), now.isoformat(), now.isoformat(), event_id, position),
        )
        return cursor.rowcount == 1

    async def join_event(
        self, event_id: int, user_id: int, display_name: str, now: datetime
    ) -> bool:
        """Join (or refresh the name); True only the first time."""
        cursor = await self._write(
            "INSERT INTO event_participants (event_id, user_id, display_name, joined_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO NOTHING",
            (event_id, user_id, display_name, now.isoformat()),
        )
        if cursor.rowcount == 0:
            await self._write(
                "UPDATE event_participants SET display_name = ? "
                "WHERE event_id = ? AND user_id = ? AND display_name != ?",
                (display_name, event_id, user_id, display_name),
            )
        return cursor.rowcount == 1

    async def participant_count(self, event_id: int) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM event_participants WHERE event_id = ?", (event_id,)
        )
        return int(row[0]) if row else 0

    async def participants(self, event_id: int) -> list[Participant]:
        rows = await self._all(
            "SELECT * FROM event_participants WHERE event_id = ? ORDER BY joined_at, user_id",
            (event_id,),
        )
        return [
            Participant(
                row["user_id"], row["display_name"], datetime.fromisoformat(row["joined_at"])
            )
            for row in rows
        ]

    async def record_event_answer(
        self,
        *,
        event_id: int,
        position: int,
        user_id: int,
        display_name: str,
        chosen: frozenset[int],
        correct: bool,
        points: int,
        elapsed: float,
        late: bool,
        now: datetime,
    ) -> bool:
        """Store a poll answer, joining the person first if needed; False for a second answer.

        Two autocommit statements, no transaction: a crash between them leaves a joined person
        without the answer, which the redelivered update then stores. Answers arrive while
        jobs run, and SQLite has one transaction per connection.
        """
        await self._write(
            "INSERT INTO event_participants (event_id, user_id, display_name, joined_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO NOTHING",
            (event_id, user_id, display_name, now.isoformat()),
        )
        cursor = await self._write(
            "INSERT INTO event_answers (event_id, position, user_id, chosen, correct, "
            "points, elapsed, late, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (event_id, position, user_id) DO NOTHING",
            (
                event_id,
                position,
                user_id,
                json.dumps(sorted(chosen)),
                int(correct),
                points,
                elapsed,
                int(late),
                now.isoformat(),
            ),
        )
        return cursor.rowcount == 1

    async def event_answers(self, event_id: int) -> list[EventAnswer]:
        """Answers in time (late ones are kept but earn nothing and count nowhere)."""
        rows = await self._all(
            "SELECT user_id, position, correct, points, elapsed FROM event_answers "
            "WHERE event_id = ? AND late = 0 ORDER BY position, answered_at, user_id",
            (event_id,),
        )
        return [
            EventAnswer(
                user_id=row["user_id"],
                question_index=row["position"],
                correct=bool(row["correct"]),
                points=row["points"],
                elapsed=row["elapsed"],
            )
            for row in rows
        ]

    async def event_totals(self, event_id: int) -> tuple[dict[int, int], dict[int, float]]:
        """Points and total answer time per participant (everyone who joined, 0 if silent)."""
        rows = await self._all(
            "SELECT p.user_id, COALESCE(SUM(a.points), 0) AS points, "
            "COALESCE(SUM(a.elapsed), 0.0) AS spent FROM event_participants p "
            "LEFT JOIN event_answers a ON a.event_id = p.event_id AND a.user_id = p.user_id "
            "AND a.late = 0 WHERE p.event_id = ? GROUP BY p.user_id",
            (event_id,),
        )
        return (
            {row["user_id"]: row["points"] for row in rows},
            {row["user_id"]: row["spent"] for row in rows},
        )

    async def event_question_tally(self, event_id: int, position: int) -> tuple[int, int]:
        """(answers in time, right ones) for one question."""
        row = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM event_answers "
            "WHERE event_id = ? AND position = ? AND late = 0",
            (event_id, position),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # --- daily lessons ------------------------------------------------------------
    # The delivery job never opens an explicit transaction: each claim and each status change
    # is one autocommit statement, so a crash leaves every row in a state the next run reads.

    @staticmethod
    def _lesson_subscription_row(row: aiosqlite.Row) -> Subscription:
        hour, minute = (int(part) for part in str(row["send_at"]).split(":"))
        return Subscription(
            chat_id=row["chat_id"],
            kind="group" if row["kind"] == "group" else "private",
            language=row["lang"],
            tz=row["tz"],
            send_at=time(hour, minute),
            active=bool(row["active"]),
            inactive_reason=row["inactive_reason"],
        )

    @staticmethod
    def _lesson_delivery_row(row: aiosqlite.Row) -> Delivery:
        return Delivery(
            id=row["id"],
            chat_id=row["chat_id"],
            local_day=date.fromisoformat(row["local_day"]),
            kind=row["kind"],
            lesson_id=row["lesson_id"],
            check_id=row["check_id"],
            recap_ids=tuple(json.loads(row["recap_ids"])),
            status=row["status"],
            attempts=row["attempts"],
            error=row["error"],
            message_id=row["message_id"],
            claimed_at=datetime.fromisoformat(row["claimed_at"]),
            sent_at=_dt(row["sent_at"]),
        )

    async def lesson_subscription(self, chat_id: int) -> Subscription | None:
        row = await self._one(
            "SELECT s.*, COALESCE(u.language, s.language) AS lang FROM lesson_subscribers s "
            "LEFT JOIN users u ON u.user_id = s.chat_id WHERE s.chat_id = ?",
            (chat_id,),
        )
        return self._lesson_subscription_row(row) if row else None

    async def subscribe_lessons(
        self, chat_id: int, kind: str, language: str, send_at: str, now: datetime
    ) -> None:
        """Start (or restart) the daily push at local ``send_at`` ('HH:MM'); keeps the tz."""
        await self._write(
            "INSERT INTO lesson_subscribers "
            "(chat_id, kind, language, send_at, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
            "send_at = excluded.send_at, language = excluded.language, active = 1, "
            "inactive_reason = NULL, updated_at = excluded.updated_at",
            (chat_id, kind, language, send_at, now.isoformat(), now.isoformat()),
        )

    async def deactivate_lessons(self, chat_id: int, reason: str, now: datetime) -> bool:
        """Stop pushing to ``chat_id``; False when it was not receiving lessons."""
        cursor = await self._write(
            "UPDATE lesson_subscribers SET active = 0, inactive_reason = ?, updated_at = ? "
            "WHERE chat_id = ? AND active = 1",
            (reason, now.isoformat(), chat_id),
        )
        return cursor.rowcount == 1

    async def set_lesson_timezone(
        self,
        chat_id: int,
        kind: str,
        language: str,
        tz: str,
        default_send_at: str,
        now: datetime,
    ) -> None:
        """Remember a chat's time zone, subscribed or not (a row without the push if new)."""
        await self._write(
            "INSERT INTO lesson_subscribers (chat_id, kind, language, tz, send_at, active, "
            "inactive_reason, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 0, 'not_subscribed', ?, ?) ON CONFLICT (chat_id) DO UPDATE "
            "SET tz = excluded.tz, updated_at = excluded.updated_at",
            (chat_id, kind, language, tz, default_send_at, now.isoformat(), now.isoformat()),
        )

    async def lesson_timezones(self, default_tz: str) -> list[str]:
        """The distinct time zones of active subscribers: the job works one zone at a time."""
        rows = await self._all(
            "SELECT DISTINCT COALESCE(tz, ?) FROM lesson_subscribers WHERE active = 1",
            (default_tz,),
        )
        return [str(row[0]) for row in rows]

    async def lesson_candidates(
        self, tz: str, default_tz: str, local_hhmm: str, local_day: date
    ) -> list[Subscription]:
        """Active chats in ``tz`` whose time has come today and with no row for today yet."""
        rows = await self._all(
            "SELECT s.*, COALESCE(u.language, s.language) AS lang FROM lesson_subscribers s "
            "LEFT JOIN users u ON u.user_id = s.chat_id "
            "WHERE s.active = 1 AND COALESCE(s.tz, ?) = ? AND s.send_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM lesson_deliveries d "
            "WHERE d.chat_id = s.chat_id AND d.local_day = ?) ORDER BY s.send_at, s.chat_id",
            (default_tz, tz, local_hhmm, local_day.isoformat()),
        )
        return [self._lesson_subscription_row(row) for row in rows]

    async def lesson_history(self, chat_id: int) -> LessonHistory:
        rows = await self._all(
            "SELECT lesson_id, status FROM lesson_deliveries WHERE chat_id = ?", (chat_id,)
        )
        return LessonHistory(
            lesson_ids=frozenset(row["lesson_id"] for row in rows if row["lesson_id"]),
            sent=sum(1 for row in rows if row["status"] == "sent"),
        )

    async def claim_lesson(
        self,
        chat_id: int,
        local_day: date,
        kind: str,
        lesson_id: str | None,
        check_id: str | None,
        recap_ids: list[str],
        now: datetime,
        *,
        status: str = "pending",
        error: str | None = None,
    ) -> Delivery | None:
        """Claim today's delivery before sending; None when another run (or day) has it.

        The UNIQUE keys (chat, day) and (chat, lesson) make this the one place that decides
        who sends: of two overlapping runs exactly one INSERT succeeds.
        """
        row = await self._write_one(
            "INSERT INTO lesson_deliveries (chat_id, local_day, kind, lesson_id, check_id, "
            "recap_ids, status, attempts, error, claimed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING RETURNING *",
            (
                chat_id,
                local_day.isoformat(),
                kind,
                lesson_id,
                check_id,
                json.dumps(recap_ids),
                status,
                error,
                now.isoformat(),
            ),
        )
        return self._lesson_delivery_row(row) if row else None

    async def lesson_delivery(self, delivery_id: int) -> Delivery | None:
        row = await self._one("SELECT * FROM lesson_deliveries WHERE id = ?", (delivery_id,))
        return self._lesson_delivery_row(row) if row else None

    async def lesson_delivery_on(self, chat_id: int, local_day: date) -> Delivery | None:
        row = await self._one(
            "SELECT * FROM lesson_deliveries WHERE chat_id = ? AND local_day = ?",
            (chat_id, local_day.isoformat()),
        )
        return self._lesson_delivery_row(row) if row else None

    async def stale_lesson_claims(self, claimed_before: datetime) -> list[Delivery]:
        """Pending rows nobody finished: the process died between claim and send (or mark)."""
        rows = await self._all(
            "SELECT * FROM lesson_deliveries WHERE status = 'pending' AND claimed_at < ? "
            "ORDER BY id",
            (claimed_before.isoformat(),),
        )
        return [self._lesson_delivery_row(row) for row in rows]

    async def reclaim_lesson(self, delivery: Delivery, now: datetime) -> bool:
        """Take over a stale claim; compare-and-set so only one run retries it."""
        cursor = await self._write(
            "UPDATE lesson_deliveries SET claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status = 'pending' AND claimed_at = ?",
            (now.isoformat(), delivery.id, delivery.claimed_at.isoformat()),
        )
        return cursor.rowcount == 1

    async def count_lesson_attempt(self, delivery_id: int, now: datetime) -> None:
        """One more try of a claim this run holds (and still fresh for the others)."""
        await self._write(
            "UPDATE lesson_deliveries SET attempts = attempts + 1, claimed_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (now.isoformat(), delivery_id),
        )

    async def mark_lesson_sent(self, delivery_id: int, message_id: int, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE lesson_deliveries SET status = 'sent', message_id = ?, sent_at = ?, "
            "error = NULL WHERE id = ? AND status = 'pending'",
            (message_id, now.isoformat(), delivery_id),
        )
        return cursor.rowcount == 1

    async def mark_lesson_failed(
        self, delivery_id: int, reason: str, *, release_lesson: bool = False
    ) -> None:
        """Record why; ``release_lesson`` lets the same lesson come again on a later day."""
        await self._write(
            "UPDATE lesson_deliveries SET status = 'failed', error = ?, "
            "lesson_id = CASE WHEN ? THEN NULL ELSE lesson_id END "
            "WHERE id = ? AND status = 'pending'",
            (reason[:200], int(release_lesson), delivery_id),
        )

    async def record_lesson_answer(
        self,
        delivery_id: int,
        user_id: int,
        question_id: str,
        topic: str,
        chosen: frozenset[int],
        correct: bool,
        answered_at: datetime,
        card: CardState,
        streak_current: int,
        streak_best: int,
        streak_day: date,
    ) -> bool:
        """A lesson's check answer, at most once per person; updates card, stats and streak."""
        async with self.transaction():
            cursor = await self._write(
                "INSERT INTO lesson_answers "
                "(delivery_id, user_id, question_id, chosen, correct, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    delivery_id,
                    user_id,
                    question_id,
                    json.dumps(sorted(chosen)),
                    int(correct),
                    answered_at.isoformat(),
                ),
            )
            if cursor.rowcount != 1:
                return False
            await self._learned(
                user_id,
                question_id,
                topic,
                correct,
                0,  # lesson checks teach; they earn no points
                card,
                (streak_current, streak_best, streak_day),
            )
        return True

    async def lesson_answer_of(self, delivery_id: int, user_id: int) -> frozenset[int] | None:
        row = await self._one(
            "SELECT chosen FROM lesson_answers WHERE delivery_id = ? AND user_id = ?",
            (delivery_id, user_id),
        )
        return frozenset(json.loads(row["chosen"])) if row else None

    async def is_volunteer(self, user_id: int) -> bool:
        """Volunteers (granted by operators, issue 4) may subscribe groups like admins."""
        row = await self._one("SELECT 1 FROM volunteers WHERE user_id = ?", (user_id,))
        return row is not None

    async def broadcast_stats(self, day_start: datetime) -> BroadcastStats:
        """Counts for /broadcast_stats; "today" starts at ``day_start`` (an aware instant)."""
        since = day_start.isoformat()
        active = {
            row["kind"]: int(row[1])
            for row in await self._all(
                "SELECT kind, COUNT(*) FROM lesson_subscribers WHERE active = 1 GROUP BY kind"
            )
        }
        inactive = await self._all(
            "SELECT inactive_reason, COUNT(*) FROM lesson_subscribers WHERE active = 0 "
            "GROUP BY inactive_reason ORDER BY 2 DESC, 1"
        )
        sent = await self._one(
            "SELECT COUNT(*) FROM lesson_deliveries WHERE status = 'sent' AND sent_at >= ?",
            (since,),
        )
        pending = await self._one(
            "SELECT COUNT(*) FROM lesson_deliveries WHERE status = 'pending'"
        )
        failed_today = await self._all(
            "SELECT error, COUNT(*) FROM lesson_deliveries "
            "WHERE status = 'failed' AND claimed_at >= ? GROUP BY error ORDER BY 2 DESC, 1",
            (since,),
        )
        failed = await self._all(
            "SELECT error, COUNT(*) FROM lesson_deliveries WHERE status = 'failed' "
            "GROUP BY error ORDER BY 2 DESC, 1"
        )
        return BroadcastStats(
            active_private=active.get("private", 0),
            active_groups=active.get("group", 0),
            inactive_by_reason=tuple((str(r[0]), int(r[1])) for r in inactive),
            sent_today=int(sent[0]) if sent else 0,
            pending=int(pending[0]) if pending else 0,
            failed_today_by_reason=tuple((str(r[0]), int(r[1])) for r in failed_today),
            failed_by_reason=tuple((str(r[0]), int(r[1])) for r in failed),
        )

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
            rows = await self._all(sql, (user_id,))
            result[name] = [_decode_row(dict(row)) for row in rows]
        return result

    async def delete_user(self, user_id: int) -> bool:
        """Delete the person and, by cascade, everything that belongs to them."""
        async with self.transaction():
            # Event rows have no foreign key to users (players may never start the bot).
            events = 0
            for table in ("event_answers", "event_participants", "volunteers"):
                removed = await self._write(
                    f"DELETE FROM {table} WHERE user_id = ?",  # noqa: S608 - fixed names
                    (user_id,),
                )
                events += removed.rowcount
            # Daily lessons are kept per chat; a private chat's id is the user's id.
            for table in ("lesson_deliveries", "lesson_subscribers"):
                removed = await self._write(
                    f"DELETE FROM {table} WHERE chat_id = ?",  # noqa: S608 - fixed names
                    (user_id,),
                )
                events += removed.rowcount
            cursor = await self._write("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount + events > 0


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("question_ids", "option_orders", "selected", "chosen"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row
