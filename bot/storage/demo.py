"""Synthetic answers in bulk, for ``quizbot preview --demo-data`` (and storage tests).

Like ``bot/storage/bulk.py``: plain sqlite3 in one transaction on an already migrated database,
because thousands of rows through aiosqlite one statement at a time would make the preview
slow to start. The rows are the same the bot writes: quiz sessions and answers, group events
with their questions and answers, lesson deliveries with their check answers, and reports.
Demo people get no points, so they never appear on the preview's leaderboard.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.storage.db import BUSY_TIMEOUT_MS

DEMO_USER_BASE = 900_000_000  # demo people's ids start above it: never a real preview person


@dataclass(frozen=True, slots=True)
class SeedAnswer:
    question_id: str
    chosen: tuple[int, ...]  # bank option indices
    correct: bool
    answered_at: datetime
    elapsed: float | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class SeedQuiz:
    user_id: int
    bank_id: str
    answers: Sequence[SeedAnswer]
    kind: str = "quiz"


@dataclass(frozen=True, slots=True)
class SeedEventAnswer:
    user_id: int
    position: int
    answer: SeedAnswer


@dataclass(frozen=True, slots=True)
class SeedEvent:
    chat_id: int
    host_id: int
    bank_id: str
    question_ids: Sequence[str]
    started_at: datetime
    answers: Sequence[SeedEventAnswer]
    seconds: int = 30


@dataclass(frozen=True, slots=True)
class SeedLessonCheck:
    user_id: int
    lesson_id: str
    local_day: date
    answer: SeedAnswer


@dataclass(frozen=True, slots=True)
class SeedFeedback:
    user_id: int
    question_id: str
    version: str | None
    reason: str
    day: date
    note: str | None = None
    origin: str = "quiz"


@dataclass
class Seed:
    users: dict[int, str] = field(default_factory=dict)  # user id -> language
    quizzes: list[SeedQuiz] = field(default_factory=list)
    events: list[SeedEvent] = field(default_factory=list)
    lesson_checks: list[SeedLessonCheck] = field(default_factory=list)
    feedback: list[SeedFeedback] = field(default_factory=list)
    created_at: datetime | None = None


def has_demo_data(path: Path) -> bool:
    """Whether demo people are already in the database (``--keep-data``: fill only once)."""
    with closing(_connect(path)) as conn:
        row = conn.execute(
            "SELECT 1 FROM users WHERE user_id > ? LIMIT 1", (DEMO_USER_BASE,)
        ).fetchone()
    return row is not None


def seed(path: Path, data: Seed) -> None:
    """Insert ``data`` into an already migrated database, all or nothing."""
    created = (data.created_at or _earliest(data)).isoformat()
    with closing(_connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO users (user_id, language, created_at) VALUES (?, ?, ?)",
            ((uid, lang, created) for uid, lang in data.users.items()),
        )
        for quiz in data.quizzes:
            _insert_quiz(conn, quiz)
        for event in data.events:
            _insert_event(conn, event)
        for check in data.lesson_checks:
            _insert_lesson_check(conn, check)
        conn.executemany(
            "INSERT INTO feedback (user_id, question_id, qversion, reason, note, origin, day) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (f.user_id, f.question_id, f.version, f.reason, f.note, f.origin, str(f.day))
                for f in data.feedback
            ),
        )


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _earliest(data: Seed) -> datetime:
    stamps = [a.answered_at for q in data.quizzes for a in q.answers]
    stamps += [e.started_at for e in data.events]
    return min(stamps, default=datetime.fromisoformat("2026-03-01T00:00:00+00:00"))


def _chosen(answer: SeedAnswer) -> str:
    return json.dumps(sorted(answer.chosen))


def _insert_quiz(conn: sqlite3.Connection, quiz: SeedQuiz) -> None:
    first = quiz.answers[0].answered_at if quiz.answers else datetime.fromisoformat("2026-03-01")
    last = quiz.answers[-1].answered_at if quiz.answers else first
    cursor = conn.execute(
        "INSERT INTO quiz_sessions (user_id, bank_id, kind, question_ids, option_orders, "
        "position, points, correct, started_at, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            quiz.user_id,
            quiz.bank_id,
            quiz.kind,
            json.dumps([a.question_id for a in quiz.answers]),
            json.dumps([[] for _ in quiz.answers]),
            len(quiz.answers),
            sum(a.correct for a in quiz.answers),
            (first - timedelta(seconds=30)).isoformat(),
            last.isoformat(),
        ),
    )
    conn.executemany(
        "INSERT INTO answers (session_id, position, question_id, chosen, correct, points, "
        "answered_at, elapsed, qversion) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            (
                cursor.lastrowid,
                position,
                a.question_id,
                _chosen(a),
                int(a.correct),
                a.answered_at.isoformat(),
                a.elapsed,
                a.version,
            )
            for position, a in enumerate(quiz.answers)
        ),
    )


def _insert_event(conn: sqlite3.Connection, event: SeedEvent) -> None:
    step = timedelta(seconds=event.seconds + 5)
    end = event.started_at + step * len(event.question_ids)
    cursor = conn.execute(
        "INSERT INTO events (chat_id, host_id, bank_id, language, question_count, seconds, "
        "pause_between, status, created_at, started_at, ended_at) "
        "VALUES (?, ?, ?, 'zh', ?, ?, 5, 'finished', ?, ?, ?)",
        (
            event.chat_id,
            event.host_id,
            event.bank_id,
            len(event.question_ids),
            event.seconds,
            event.started_at.isoformat(),
            event.started_at.isoformat(),
            end.isoformat(),
        ),
    )
    event_id = cursor.lastrowid
    conn.executemany(
        "INSERT INTO event_questions (event_id, position, question_id, option_order, "
        "opened_at, closes_at, closed_at) VALUES (?, ?, ?, '[]', ?, ?, ?)",
        (
            (event_id, position, qid, *_window(event.started_at + step * position, event))
            for position, qid in enumerate(event.question_ids)
        ),
    )
    people = sorted({a.user_id for a in event.answers})
    conn.executemany(
        "INSERT INTO event_participants (event_id, user_id, display_name, joined_at) "
        "VALUES (?, ?, ?, ?)",
        ((event_id, uid, f"#{uid % 1000}", event.started_at.isoformat()) for uid in people),
    )
    conn.executemany(
        "INSERT INTO event_answers (event_id, position, user_id, chosen, correct, points, "
        "elapsed, late, answered_at, qversion) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?)",
        (
            (
                event_id,
                ea.position,
                ea.user_id,
                _chosen(ea.answer),
                int(ea.answer.correct),
                ea.answer.elapsed or 0.0,
                ea.answer.answered_at.isoformat(),
                ea.answer.version,
            )
            for ea in event.answers
        ),
    )


def _window(opened: datetime, event: SeedEvent) -> Iterator[str]:
    closes = opened + timedelta(seconds=event.seconds)
    yield from (opened.isoformat(), closes.isoformat(), closes.isoformat())


def _insert_lesson_check(conn: sqlite3.Connection, check: SeedLessonCheck) -> None:
    sent = check.answer.answered_at - timedelta(minutes=2)
    cursor = conn.execute(
        "INSERT INTO lesson_deliveries (chat_id, local_day, kind, lesson_id, check_id, status, "
        "attempts, claimed_at, sent_at) VALUES (?, ?, 'lesson', ?, ?, 'sent', 1, ?, ?)",
        (
            check.user_id,
            check.local_day.isoformat(),
            check.lesson_id,
            check.answer.question_id,
            sent.isoformat(),
            sent.isoformat(),
        ),
    )
    conn.execute(
        "INSERT INTO lesson_answers (delivery_id, user_id, question_id, chosen, correct, "
        "answered_at, qversion) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            cursor.lastrowid,
            check.user_id,
            check.answer.question_id,
            _chosen(check.answer),
            int(check.answer.correct),
            check.answer.answered_at.isoformat(),
            check.answer.version,
        ),
    )
