"""What answering a question changes for a person: the card, topic totals, points, streak.

The domain computes it once (``bot.domain.quiz.learn``); quiz answers and lesson checks (and
campaign attempts, which are quizzes) hand it to the database in the same statement as the
answer, where the ``learned`` view of migration 0004 applies it. One place, whatever was
answered.
"""

from __future__ import annotations

from datetime import date

import aiosqlite

from bot.domain.quiz import CardState, Learned
from bot.storage.db import Database


def _card(row: aiosqlite.Row) -> CardState:
    return CardState(
        box=row["box"],
        due=date.fromisoformat(row["due"]),
        seen=row["seen"],
        wrong=row["wrong"],
        last_correct=None if row["last_correct"] is None else bool(row["last_correct"]),
    )


class LearningStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # Applied inside a quiz answer or a lesson check by the views of migration 0004: see
    # ``learned_values``; there is no separate write here.

    async def cards(self, user_id: int) -> dict[str, CardState]:
        rows = await self.db.all("SELECT * FROM cards WHERE user_id = ?", (user_id,))
        return {row["question_id"]: _card(row) for row in rows}

    async def card(self, user_id: int, question_id: str) -> CardState | None:
        row = await self.db.one(
            "SELECT * FROM cards WHERE user_id = ? AND question_id = ?", (user_id, question_id)
        )
        return _card(row) if row else None


def card_row(row: aiosqlite.Row, prefix: str = "") -> CardState | None:
    """A card from columns named ``<prefix>box`` …; None when the join found none."""
    if row[f"{prefix}box"] is None:
        return None
    return CardState(
        box=row[f"{prefix}box"],
        due=date.fromisoformat(row[f"{prefix}due"]),
        seen=row[f"{prefix}seen"],
        wrong=row[f"{prefix}wrong"],
        last_correct=None
        if row[f"{prefix}last_correct"] is None
        else bool(row[f"{prefix}last_correct"]),
    )


def learned_values(learned: Learned) -> tuple[object, ...]:
    """For one answer: user_id, topic, box, due, seen, wrong, last_correct, streak_current,
    streak_best, streak_day — the ``learned`` view's columns the answer views pass on."""
    card, streak = learned.card, learned.streak
    return (
        learned.user_id,
        learned.topic,
        card.box,
        card.due.isoformat(),
        card.seen,
        card.wrong,
        None if card.last_correct is None else int(card.last_correct),
        streak.current,
        streak.best,
        streak.last_day.isoformat() if streak.last_day else None,
    )
