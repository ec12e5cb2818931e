"""Private quizzes: sessions, their answers, and the answer write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.domain.quiz import CardState
from bot.domain.session import AnswerRecord, QuizSession, SessionKind
from bot.storage.db import Database, iso_or_none
from bot.storage.learning import LearningStore


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
        finished_at=iso_or_none(row["finished_at"]),
        abandoned_at=iso_or_none(row["abandoned_at"]),
    )


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


class QuizStore:
    def __init__(self, db: Database, learning: LearningStore) -> None:
        self.db = db
        self.learning = learning

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
        async with self.db.transaction():
            await self.db.write(
                "UPDATE quiz_sessions SET abandoned_at = ? "
                "WHERE user_id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
                (now.isoformat(), user_id),
            )
            cursor = await self.db.write(
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
        row = await self.db.one("SELECT * FROM quiz_sessions WHERE id = ?", (session_id,))
        return _session(row) if row else None

    async def open_session(self, user_id: int) -> QuizSession | None:
        row = await self.db.one(
            "SELECT * FROM quiz_sessions "
            "WHERE user_id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
            (user_id,),
        )
        return _session(row) if row else None

    async def abandon_session(self, session_id: int, now: datetime) -> None:
        await self.db.write(
            "UPDATE quiz_sessions SET abandoned_at = ? "
            "WHERE id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
            (now.isoformat(), session_id),
        )

    async def set_session_message(self, session_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE quiz_sessions SET message_id = ? WHERE id = ?", (message_id, session_id)
        )

    async def set_selected(self, session_id: int, position: int, selected: frozenset[int]) -> bool:
        """Store toggled options; False when the question is no longer the current one."""
        cursor = await self.db.write(
            "UPDATE quiz_sessions SET selected = ? WHERE id = ? AND position = ? "
            "AND finished_at IS NULL AND abandoned_at IS NULL",
            (json.dumps(sorted(selected)), session_id, position),
        )
        return cursor.rowcount == 1

    async def skip_question(self, session_id: int, position: int, now: datetime) -> bool:
        """Move past a question that no longer exists in the content."""
        cursor = await self.db.write(
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
        async with self.db.transaction():
            updated = await self.db.one(
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
            await self.db.write(
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
            await self.learning.apply(
                user_id,
                write.question_id,
                write.topic,
                write.correct,
                write.points,
                write.card,
                (write.streak_current, write.streak_best, write.streak_day),
            )
        return session

    async def session_answers(self, session_id: int) -> list[AnswerRecord]:
        rows = await self.db.all(
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
