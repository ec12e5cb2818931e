"""Private quizzes: sessions, their answers, and the answer path (one read, one write)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.quiz import CardState, Learned
from bot.domain.session import AnswerRecord, QuizSession, SessionKind
from bot.storage.db import Database, iso_or_none
from bot.storage.learning import LearningStore, card_row, learned_values
from bot.storage.people import User, user_row


class _Prefixed:
    """A row whose session columns carry a prefix (a join), read as if they did not."""

    def __init__(self, row: aiosqlite.Row, prefix: str) -> None:
        self.row, self.prefix = row, prefix

    def __getitem__(self, key: str) -> Any:
        return self.row[f"{self.prefix}{key}"]


def _session(row: aiosqlite.Row | _Prefixed) -> QuizSession:
    return QuizSession(
        id=row["id"],
        user_id=row["user_id"],
        bank_id=row["bank_id"],
        kind=SessionKind(row["kind"]),
        question_ids=tuple(json.loads(row["question_ids"])),
        option_orders=tuple(tuple(order) for order in json.loads(row["option_orders"])),
        position=row["position"],
        message_id=row["message_id"],
        points=row["points"],
        correct=row["correct"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=iso_or_none(row["finished_at"]),
        abandoned_at=iso_or_none(row["abandoned_at"]),
        shown_at=iso_or_none(row["shown_at"]),
        deadline=iso_or_none(row["deadline"]),
        picture_position=row["picture_position"],
        picture_message_id=row["picture_message_id"],
    )


@dataclass(frozen=True, slots=True)
class AnswerWrite:
    """One answer and what it teaches, computed by the service from domain rules."""

    session_id: int
    position: int
    chosen: frozenset[int]
    answered_at: datetime
    elapsed: float | None
    qversion: str
    learned: Learned


class AnswerRefused(Exception):
    """The database refused an answer; ``reason`` is ``already_answered`` or ``time_up``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @classmethod
    def from_error(cls, exc: sqlite3.IntegrityError) -> AnswerRefused:
        """The guard's RAISE(ABORT, 'quizbot:<reason>'); any other failure is a bug."""
        message = str(exc)
        if not message.startswith("quizbot:"):
            raise exc
        return cls(message.removeprefix("quizbot:"))


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """What answering needs, read in one trip: the person, the quiz, the current card."""

    user: User
    session: QuizSession | None
    card: CardState | None


_CONTEXT_SQL = (
    "SELECT u.*, ls.tz AS tz, c.box AS c_box, c.due AS c_due, c.seen AS c_seen, "
    "c.wrong AS c_wrong, c.last_correct AS c_last_correct, s.id AS s_id, "
    "s.user_id AS s_user_id, s.bank_id AS s_bank_id, s.kind AS s_kind, "
    "s.question_ids AS s_question_ids, s.option_orders AS s_option_orders, "
    "s.position AS s_position, s.message_id AS s_message_id, s.points AS s_points, "
    "s.correct AS s_correct, s.started_at AS s_started_at, s.finished_at AS s_finished_at, "
    "s.abandoned_at AS s_abandoned_at, s.shown_at AS s_shown_at, s.deadline AS s_deadline, "
    "s.picture_position AS s_picture_position, s.picture_message_id AS s_picture_message_id "
    "FROM users u LEFT JOIN lesson_subscribers ls ON ls.chat_id = u.user_id "
    "LEFT JOIN quiz_sessions s ON s.id = ? "
    "LEFT JOIN cards c ON c.user_id = u.user_id "
    "AND c.question_id = json_extract(s.question_ids, '$[' || s.position || ']') "
    "WHERE u.user_id = ?"
)


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

    async def set_session_message(
        self, session_id: int, message_id: int, shown_at: datetime | None
    ) -> None:
        """The message that now shows the session's current question, and since when."""
        await self.db.write(
            "UPDATE quiz_sessions SET message_id = ?, shown_at = ? WHERE id = ?",
            (message_id, shown_at.isoformat() if shown_at else None, session_id),
        )

    async def set_picture_message(self, session_id: int, position: int, message_id: int) -> None:
        """The photo just sent for question ``position`` (a scene question) is ``message_id``."""
        await self.db.write(
            "UPDATE quiz_sessions SET picture_position = ?, picture_message_id = ? WHERE id = ?",
            (position, message_id, session_id),
        )

    async def skip_question(self, session_id: int, position: int, now: datetime) -> bool:
        """Move past a question that no longer exists in the content."""
        cursor = await self.db.write(
            "UPDATE quiz_sessions SET position = position + 1, shown_at = NULL, "
            "finished_at = CASE WHEN position + 1 >= json_array_length(question_ids) "
            "THEN ? END WHERE id = ? AND position = ? "
            "AND finished_at IS NULL AND abandoned_at IS NULL",
            (now.isoformat(), session_id, position),
        )
        return cursor.rowcount == 1

    async def answer_context(self, user_id: int, session_id: int) -> AnswerContext | None:
        """The person, the quiz and the card of its current question, in one read.

        None when the person is unknown (never started the bot, or asked to be forgotten).
        """
        row = await self.db.one(_CONTEXT_SQL, (session_id, user_id))
        if row is None:
            return None
        session = _session(_Prefixed(row, "s_")) if row["s_id"] is not None else None
        return AnswerContext(user_row(row), session, card_row(row, "c_"))

    async def record_answer(self, write: AnswerWrite) -> None:
        """Store one answer and everything it changes: one statement, at most once.

        Raises AnswerRefused (and changes nothing) when the question was already answered or
        the session moved on — a duplicate update, a stale button, two presses racing — or a
        timed attempt's deadline has passed.
        """
        learned = write.learned
        try:
            await self.db.write(
                "INSERT INTO answer_writes (session_id, position, question_id, chosen, correct, "
                "points, answered_at, elapsed, qversion, user_id, topic, box, due, seen, wrong, "
                "last_correct, streak_current, streak_best, streak_day) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    write.session_id,
                    write.position,
                    learned.question_id,
                    json.dumps(sorted(write.chosen)),
                    int(learned.correct),
                    learned.points,
                    write.answered_at.isoformat(),
                    write.elapsed,
                    write.qversion,
                    *learned_values(learned),
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise AnswerRefused.from_error(exc) from None

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
