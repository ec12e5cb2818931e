"""Where an answer's time goes (issue 11, item 9: the profile behind a missed ours/peer goal).

Two measurements, both on the database ``bench.answer_path.ours`` leaves behind:

1. The split: ``ours`` again, with the answer path's two trips (``answer_context``, the read;
   ``record_answer``, the write) timed from inside the handler. What is left of the press is
   Python: PTB, decoding the action, the domain, the template, the edit through a canned request.
2. The write, statement by statement: the seven statements of the ``answer_writes`` trigger
   (bot/storage/migrations/0004_answer_path.sql) run one by one with the sqlite3 module on a copy
   of that database, each person's answer in its own transaction as in production, beside the
   whole trigger and the durable peer's single INSERT, on the same file and pragmas.

Run: python -m bench.answer_profile
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import answer_path
from bench.common import Row, print_table
from bot.storage.quizzes import QuizStore

USERS = 2000

# The trigger's statements, in its order, with the values it would get (NEW.x → :x).
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "guard: the question is still open",
        "SELECT 1 FROM quiz_sessions WHERE id = :session_id AND user_id = :user_id "
        "AND position = :position AND finished_at IS NULL AND abandoned_at IS NULL",
    ),
    (
        "guard: a timed attempt's deadline",
        "SELECT 1 FROM quiz_sessions WHERE id = :session_id AND deadline IS NOT NULL "
        "AND deadline < :answered_at",
    ),
    (
        "session: position, score, finished",
        "UPDATE quiz_sessions SET position = position + 1, points = points + :points, "
        "correct = correct + :correct, shown_at = NULL, finished_at = CASE WHEN position + 1 "
        ">= json_array_length(question_ids) THEN :answered_at END WHERE id = :session_id",
    ),
    (
        "the answer row",
        "INSERT INTO answers (session_id, position, question_id, chosen, correct, points, "
        "answered_at, elapsed, qversion) VALUES (:session_id, :position, :question_id, "
        ":chosen, :correct, :points, :answered_at, :elapsed, :qversion)",
    ),
    (
        "card (upsert)",
        "INSERT INTO cards (user_id, question_id, box, due, seen, wrong, last_correct) "
        "VALUES (:user_id, :question_id, :box, :due, :seen, :wrong, :last_correct) "
        "ON CONFLICT (user_id, question_id) DO UPDATE SET box = excluded.box, "
        "due = excluded.due, seen = excluded.seen, wrong = excluded.wrong, "
        "last_correct = excluded.last_correct",
    ),
    (
        "topic totals (upsert)",
        "INSERT INTO topic_stats (user_id, topic, answered, correct) "
        "VALUES (:user_id, :topic, 1, :correct) ON CONFLICT (user_id, topic) DO UPDATE SET "
        "answered = answered + 1, correct = correct + excluded.correct",
    ),
    (
        "person: points, totals, streak",
        "UPDATE users SET points = points + :points, answered = answered + 1, "
        "correct = correct + :correct, streak_current = :streak_current, "
        "streak_best = :streak_best, streak_last_day = :streak_day WHERE user_id = :user_id",
    ),
)

WHOLE = (
    "INSERT INTO answer_writes (session_id, position, question_id, chosen, correct, points, "
    "answered_at, elapsed, qversion, user_id, topic, box, due, seen, wrong, last_correct, "
    "streak_current, streak_best, streak_day) VALUES (:session_id, :position, :question_id, "
    ":chosen, :correct, :points, :answered_at, :elapsed, :qversion, :user_id, :topic, :box, "
    ":due, :seen, :wrong, :last_correct, :streak_current, :streak_best, :streak_day)"
)


def _timed(
    method: Callable[..., Awaitable[Any]], into: list[float]
) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - start)

    return wrapper


async def split(users: int, folder: Path) -> tuple[float, float, float]:
    """Median seconds per press: the whole press, the read trip, the write trip."""
    reads: list[float] = []
    writes: list[float] = []
    read, write = QuizStore.answer_context, QuizStore.record_answer
    setattr(QuizStore, "answer_context", _timed(read, reads))  # noqa: B010
    setattr(QuizStore, "record_answer", _timed(write, writes))  # noqa: B010
    try:
        presses = await answer_path.ours(users, folder)
    finally:
        setattr(QuizStore, "answer_context", read)  # noqa: B010
        setattr(QuizStore, "record_answer", write)  # noqa: B010
    return statistics.median(presses), statistics.median(reads), statistics.median(writes)


def _pending(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """One answer's values for each open quiz: its current question, as the bot would write."""
    rows = conn.execute(
        "SELECT id, user_id, position, json_extract(question_ids, '$[' || position || ']') "
        "FROM quiz_sessions WHERE finished_at IS NULL AND abandoned_at IS NULL"
    ).fetchall()
    return [
        {
            "session_id": sid,
            "user_id": uid,
            "position": position,
            "question_id": qid,
            "chosen": json.dumps([0]),
            "correct": 1,
            "points": 10,
            "answered_at": "2026-03-15T10:00:00+08:00",
            "elapsed": 7.5,
            "qversion": "bench",
            "topic": "bench",
            "box": 2,
            "due": "2026-03-18",
            "seen": 1,
            "wrong": 0,
            "last_correct": "2026-03-15",
            "streak_current": 1,
            "streak_best": 1,
            "streak_day": "2026-03-15",
        }
        for sid, uid, position, qid in rows
    ]


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def statements(source: Path, folder: Path) -> list[tuple[str, float]]:
    """Median microseconds of each statement, the commit, the whole trigger, the peer."""
    by_statement = folder / "statements.sqlite3"
    whole = folder / "whole.sqlite3"
    for copy in (by_statement, whole):
        shutil.copyfile(source, copy)
    figures: dict[str, list[float]] = {name: [] for name, _ in STATEMENTS}
    figures["commit"] = []
    conn = _open(by_statement)
    for values in _pending(conn):
        conn.execute("BEGIN")
        for name, sql in STATEMENTS:
            start = time.perf_counter()
            conn.execute(sql, values).fetchall()
            figures[name].append(time.perf_counter() - start)
        start = time.perf_counter()
        conn.execute("COMMIT")
        figures["commit"].append(time.perf_counter() - start)
    conn.close()
    conn = _open(whole)
    figures["the whole trigger (one statement, one transaction)"] = []
    for values in _pending(conn):
        start = time.perf_counter()
        conn.execute(WHOLE, values)
        figures["the whole trigger (one statement, one transaction)"].append(
            time.perf_counter() - start
        )
    conn.executescript(answer_path.PEER_SCHEMA)
    figures["peer: its one INSERT (one transaction)"] = []
    for n in range(USERS):
        start = time.perf_counter()
        conn.execute(
            "INSERT INTO peer_answers VALUES (?, ?, ?, datetime('now'))", (10_000 + n, 0, 0)
        )
        figures["peer: its one INSERT (one transaction)"].append(time.perf_counter() - start)
    conn.close()
    return [(name, statistics.median(values) * 1e6) for name, values in figures.items()]


def measure(users: int = USERS) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        press, read, write = asyncio.run(split(users, folder))
        rows = [
            Row("answer profile", "ours: a press, p50", f"{press * 1000:.2f} ms"),
            Row(
                "answer profile",
                "of which the read trip · the write trip (p50, from the handler)",
                f"{read * 1000:.2f} ms · {write * 1000:.2f} ms",
            ),
            Row(
                "answer profile",
                "the rest: PTB, action, domain, template, edit (p50 difference)",
                f"{(press - read - write) * 1000:.2f} ms",
            ),
        ]
        database = folder / "bench.sqlite3"
        rows += [
            Row("answer profile", f"sqlite3 alone: {name}", f"{micro:.0f} µs")
            for name, micro in statements(database, folder)
        ]
    return rows


def main() -> None:
    print_table(measure())


if __name__ == "__main__":
    main()
