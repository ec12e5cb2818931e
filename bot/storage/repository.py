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

from bot.domain.quiz import CardState
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
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        """One trip to the database thread: execute and fetch together."""
        return list(await self.conn.execute_fetchall(sql, params))

    # --- users ------------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    async def ensure_user(self, user_id: int, language: str, now: datetime) -> User:
        """The stored user, created with ``language`` on first contact."""
        row = await self._one(
            "INSERT INTO users (user_id, language, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id RETURNING *",
            (user_id, language, now.isoformat()),
        )
        assert row is not None
        return _user(row)

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

    async def set_streak(self, user_id: int, current: int, best: int, day: date) -> None:
        await self.conn.execute(
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
            await self.conn.execute(
                "UPDATE quiz_sessions SET abandoned_at = ? "
                "WHERE user_id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
                (now.isoformat(), user_id),
            )
            cursor = await self.conn.execute(
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
        await self.conn.execute(
            "UPDATE quiz_sessions SET abandoned_at = ? "
            "WHERE id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
            (now.isoformat(), session_id),
        )

    async def set_session_message(self, session_id: int, message_id: int) -> None:
        await self.conn.execute(
            "UPDATE quiz_sessions SET message_id = ? WHERE id = ?", (message_id, session_id)
        )

    async def set_selected(self, session_id: int, position: int, selected: frozenset[int]) -> bool:
        """Store toggled options; False when the question is no longer the current one."""
        cursor = await self.conn.execute(
            "UPDATE quiz_sessions SET selected = ? WHERE id = ? AND position = ? "
            "AND finished_at IS NULL AND abandoned_at IS NULL",
            (json.dumps(sorted(selected)), session_id, position),
        )
        return cursor.rowcount == 1

    async def skip_question(self, session_id: int, position: int, now: datetime) -> bool:
        """Move past a question that no longer exists in the content."""
        cursor = await self.conn.execute(
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
            await self.conn.execute(
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
            card = write.card
            await self.conn.execute(
                "INSERT INTO cards (user_id, question_id, box, due, seen, wrong, last_correct) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, question_id) DO UPDATE SET "
                "box = excluded.box, due = excluded.due, seen = excluded.seen, "
                "wrong = excluded.wrong, last_correct = excluded.last_correct",
                (
                    user_id,
                    write.question_id,
                    card.box,
                    card.due.isoformat(),
                    card.seen,
                    card.wrong,
                    None if card.last_correct is None else int(card.last_correct),
                ),
            )
            await self.conn.execute(
                "INSERT INTO topic_stats (user_id, topic, answered, correct) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (user_id, topic) DO UPDATE SET answered = answered + 1, "
                "correct = correct + excluded.correct",
                (user_id, write.topic, int(write.correct)),
            )
            await self.conn.execute(
                "UPDATE users SET points = points + ?, answered = answered + 1, "
                "correct = correct + ?, streak_current = ?, streak_best = ?, "
                "streak_last_day = ? WHERE user_id = ?",
                (
                    write.points,
                    int(write.correct),
                    write.streak_current,
                    write.streak_best,
                    write.streak_day.isoformat(),
                    user_id,
                ),
            )
        return session

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

    # --- group events (issue 4) -------------------------------------------------------------

    # --- daily lessons (issue 5) ------------------------------------------------------------

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
