"""Editors' insight: each person's first answer to a question, and reports of mistakes.

First answers come from private quizzes and campaign attempts (``answers`` with the session's
person), group events (``event_answers`` with the question of its position; late answers count
nowhere) and lesson checks (``lesson_answers``). Ties in time go to quiz, event, lesson.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.insight import AnswerRef, Feedback, FirstAnswer, Origin, Reason
from bot.storage.db import Database

_SOURCES = """
    SELECT s.user_id, a.question_id, 'quiz' AS origin, 0 AS src, a.chosen, a.correct,
           a.elapsed, a.qversion, a.answered_at
      FROM answers a JOIN quiz_sessions s ON s.id = a.session_id {quiz_filter}
    UNION ALL
    SELECT ea.user_id, eq.question_id, 'event', 1, ea.chosen, ea.correct,
           ea.elapsed, ea.qversion, ea.answered_at
      FROM event_answers ea
      JOIN event_questions eq ON eq.event_id = ea.event_id AND eq.position = ea.position
     WHERE ea.late = 0 {event_filter}
    UNION ALL
    SELECT la.user_id, la.question_id, 'lesson', 2, la.chosen, la.correct,
           NULL, la.qversion, la.answered_at
      FROM lesson_answers la {lesson_filter}
"""

# SQLite takes the bare columns of a min() aggregate from the row holding the minimum: each
# person's earliest answer per question, twice as fast as ROW_NUMBER() over a million rows.
_FIRST = """
SELECT user_id, question_id, origin, chosen, correct, elapsed, qversion,
       MIN(answered_at || src) AS first
  FROM ({sources}) GROUP BY user_id, question_id
"""

_IN_QUESTIONS = "question_id IN (SELECT value FROM json_each(?))"

_ANSWER_OF = {
    Origin.QUIZ: "SELECT a.question_id, a.qversion FROM answers a "
    "JOIN quiz_sessions s ON s.id = a.session_id "
    "WHERE a.session_id = ? AND a.position = ? AND s.user_id = ?",
    Origin.EVENT: "SELECT eq.question_id, ea.qversion FROM event_answers ea "
    "JOIN event_questions eq ON eq.event_id = ea.event_id AND eq.position = ea.position "
    "WHERE ea.event_id = ? AND ea.position = ? AND ea.user_id = ?",
    Origin.LESSON: "SELECT question_id, qversion FROM lesson_answers "
    "WHERE delivery_id = ? AND ? = 0 AND user_id = ?",
}


_ORIGINS = {origin.value: origin for origin in Origin}


_CHOSEN: dict[str, frozenset[int]] = {}


def _indices(text: str) -> frozenset[int]:
    """``[0, 2]`` as ``json.dumps`` wrote it; a few distinct texts, each parsed once."""
    found = _CHOSEN.get(text)
    if found is None:
        found = frozenset(json.loads(text))
        if len(_CHOSEN) < 10_000:
            _CHOSEN[text] = found
    return found


def _first_answer(row: aiosqlite.Row | tuple[Any, ...]) -> FirstAnswer:
    return FirstAnswer(
        row[0], row[1], _ORIGINS[row[2]], _indices(row[3]), bool(row[4]), row[5], row[6]
    )


def _feedback(row: aiosqlite.Row) -> Feedback:
    return Feedback(
        question_id=row["question_id"],
        version=row["qversion"],
        reason=Reason(row["reason"]),
        note=row["note"],
        origin=Origin(row["origin"]),
        day=date.fromisoformat(row["day"]),
    )


def _first_answers_sql(question_ids: Collection[str] | None) -> tuple[str, tuple[str, ...]]:
    if question_ids is None:
        sources = _SOURCES.format(quiz_filter="", event_filter="", lesson_filter="")
        return _FIRST.format(sources=sources), ()
    sources = _SOURCES.format(
        quiz_filter=f"WHERE a.{_IN_QUESTIONS}",
        event_filter=f"AND eq.{_IN_QUESTIONS}",
        lesson_filter=f"WHERE la.{_IN_QUESTIONS}",
    )
    return _FIRST.format(sources=sources), (json.dumps(sorted(question_ids)),) * 3


_FEEDBACK_COUNTS = "SELECT question_id, COUNT(*) FROM feedback GROUP BY 1"


def read_item_inputs(
    path: Path, question_ids: Collection[str]
) -> tuple[list[FirstAnswer], dict[str, int]]:
    """First answers to ``question_ids`` and report counts, read in the calling thread.

    For an item analysis that must not hold the event loop: on a big database the query, and
    turning a million rows into answers, take seconds. A read-only connection of its own
    (WAL: it never waits for the bot's writes, nor they for it); call it in a worker thread.
    """
    sql, params = _first_answers_sql(question_ids)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        answers = [_first_answer(row) for row in conn.execute(sql, params)]
        counts = {row[0]: int(row[1]) for row in conn.execute(_FEEDBACK_COUNTS)}
    finally:
        conn.close()
    return answers, counts


class InsightStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- item analysis ----------------------------------------------------------------------

    async def first_answers(
        self, question_ids: Collection[str] | None = None
    ) -> list[FirstAnswer]:
        """Each person's first answer to each question (to ``question_ids`` only, if given)."""
        rows = await self.db.tuples(*_first_answers_sql(question_ids))
        return [_first_answer(row) for row in rows]

    async def session_answers(
        self,
        question_ids: Collection[str],
        session_ids: Collection[int],
        *,
        first_only: bool = True,
    ) -> list[FirstAnswer]:
        """Answers to ``question_ids`` given in the quiz sessions ``session_ids`` (campaigns).

        ``first_only``: each person's first answer to each question among those sessions;
        otherwise every answer (one per attempt).
        """
        rows = await self.db.tuples(
            "SELECT s.user_id, a.question_id, 'quiz', a.chosen, a.correct, a.elapsed, "
            "a.qversion, a.answered_at "
            "FROM answers a JOIN quiz_sessions s ON s.id = a.session_id "
            "WHERE a.session_id IN (SELECT value FROM json_each(?)) "
            "AND a.question_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(session_ids)), json.dumps(sorted(question_ids))),
        )
        if not first_only:
            return [_first_answer(row) for row in rows]
        # Each person's earliest answer per question, kept here rather than by GROUP BY: a
        # campaign's 300,000 answers sort in SQLite's temporary B-tree in twice the time.
        first: dict[tuple[int, str], tuple[Any, ...]] = {}
        for row in rows:
            key = (row[0], row[1])
            kept = first.get(key)
            if kept is None or row[7] < kept[7]:  # the same instant twice: the first read
                first[key] = row
        return [_first_answer(row) for row in first.values()]

    # --- reports of a problem ("纠错") -------------------------------------------------------

    async def answer_of(self, user_id: int, answer: AnswerRef) -> tuple[str, str | None] | None:
        """(question id, content version) of ``user_id``'s answer ``answer``; None when that
        person gave no such answer. Primary-key lookups only: a press on a big database."""
        row = await self.db.one(_ANSWER_OF[answer.origin], (answer.ref, answer.position, user_id))
        return (row[0], row[1]) if row is not None else None

    async def add_feedback(
        self,
        *,
        user_id: int,
        question_id: str,
        version: str | None,
        reason: Reason,
        origin: Origin,
        day: date,
    ) -> bool:
        """Store a report; False when this person already reported this question."""
        cursor = await self.db.write(
            "INSERT INTO feedback (user_id, question_id, qversion, reason, origin, day) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, question_id) DO NOTHING",
            (user_id, question_id, version, reason.value, origin.value, day.isoformat()),
        )
        return cursor.rowcount == 1

    async def set_feedback_note(self, user_id: int, question_id: str, note: str) -> bool:
        """Attach (or replace) the note of an existing report; False when there is none."""
        cursor = await self.db.write(
            "UPDATE feedback SET note = ? WHERE user_id = ? AND question_id = ?",
            (note, user_id, question_id),
        )
        return cursor.rowcount == 1

    async def feedback_of(self, user_id: int, question_id: str) -> Feedback | None:
        row = await self.db.one(
            "SELECT * FROM feedback WHERE user_id = ? AND question_id = ?",
            (user_id, question_id),
        )
        return _feedback(row) if row else None

    async def all_feedback(self, question_ids: Collection[str] | None = None) -> list[Feedback]:
        """Reports newest first (who made them is not returned)."""
        if question_ids is None:
            rows = await self.db.all("SELECT * FROM feedback ORDER BY day DESC, id DESC")
        else:
            rows = await self.db.all(
                f"SELECT * FROM feedback WHERE {_IN_QUESTIONS} "  # noqa: S608 - fixed text
                "ORDER BY day DESC, id DESC",
                (json.dumps(sorted(question_ids)),),
            )
        return [_feedback(row) for row in rows]

    async def feedback_counts(self) -> dict[str, int]:
        rows = await self.db.all(_FEEDBACK_COUNTS)
        return {row[0]: int(row[1]) for row in rows}

    # --- personal data (PrivacyStore calls these) -------------------------------------------

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        rows = await self.db.all(
            "SELECT question_id, qversion, reason, note, origin, day FROM feedback "
            "WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return {"feedback": [dict(row) for row in rows]}

    async def forget(self, user_id: int) -> int:
        """Delete the person's reports; called inside PrivacyStore's transaction."""
        cursor = await self.db.write("DELETE FROM feedback WHERE user_id = ?", (user_id,))
        return cursor.rowcount
