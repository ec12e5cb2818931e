"""Synthetic data in bulk, for the storage-at-scale benchmark (bench/storage_scale.py).

Plain sqlite3 in one transaction: seeding millions of rows through aiosqlite one statement at
a time would take an hour and measure nothing we care about.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ANSWERS_PER_SESSION = 10


def seed(
    path: Path,
    *,
    users: int,
    answers: int,
    topics: Sequence[str],
    question_ids: Sequence[str],
    rng: random.Random,
) -> None:
    """Fill an already migrated database with ``users`` people and ``answers`` answers."""
    sessions = answers // ANSWERS_PER_SESSION
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        conn.executemany(
            "INSERT INTO users (user_id, language, show_name, display_name, points, answered, "
            "correct, streak_current, streak_best, streak_last_day, created_at) "
            "VALUES (?, 'zh', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _users(users, answers, rng, start),
        )
        conn.executemany(
            "INSERT INTO topic_stats (user_id, topic, answered, correct) VALUES (?, ?, ?, ?)",
            (
                (user_id, topic, 20, rng.randint(0, 20))
                for user_id in range(1, users + 1)
                for topic in topics
            ),
        )
        conn.executemany(
            "INSERT INTO quiz_sessions (id, user_id, bank_id, question_ids, option_orders, "
            "position, points, correct, started_at, finished_at) "
            "VALUES (?, ?, 'bank', ?, '[]', ?, 0, 0, ?, ?)",
            (
                (
                    n,
                    1 + n % users,
                    json.dumps(list(question_ids[:ANSWERS_PER_SESSION])),
                    ANSWERS_PER_SESSION,
                    start.isoformat(),
                    start.isoformat(),
                )
                for n in range(1, sessions + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO answers (session_id, position, question_id, chosen, correct, points, "
            "answered_at) VALUES (?, ?, ?, '[0]', ?, ?, ?)",
            _answers(sessions, question_ids, rng, start),
        )
        conn.commit()


def _users(
    users: int, answers: int, rng: random.Random, start: datetime
) -> Iterator[tuple[object, ...]]:
    per_user = max(1, answers // users)
    for user_id in range(1, users + 1):
        correct = rng.randint(0, per_user)
        yield (
            user_id,
            int(user_id % 3 == 0),
            f"用户{user_id}" if user_id % 3 == 0 else None,
            correct * 10,
            per_user,
            correct,
            rng.randint(0, 5),
            rng.randint(5, 30),
            (date(2026, 3, 15) - timedelta(days=rng.randint(0, 3))).isoformat(),
            start.isoformat(),
        )


def _answers(
    sessions: int, question_ids: Sequence[str], rng: random.Random, start: datetime
) -> Iterator[tuple[object, ...]]:
    stamp = start.isoformat()
    for session_id in range(1, sessions + 1):
        for position in range(ANSWERS_PER_SESSION):
            correct = rng.random() < 0.7
            yield (session_id, position, question_ids[position], int(correct), 10 * correct, stamp)
