"""What answering a question changes for a person: the card, topic totals, points, streak.

Quiz answers, lesson checks (and, later, campaign attempts) apply it inside their own
transaction through :meth:`LearningStore.apply`: one place, whatever was answered.
"""

from __future__ import annotations

from datetime import date

import aiosqlite

from bot.domain.quiz import CardState
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

    async def apply(
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
        await self.db.write(
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
        await self.db.write(
            "INSERT INTO topic_stats (user_id, topic, answered, correct) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (user_id, topic) DO UPDATE SET answered = answered + 1, "
            "correct = correct + excluded.correct",
            (user_id, topic, int(correct)),
        )
        current, best, day = streak
        await self.db.write(
            "UPDATE users SET points = points + ?, answered = answered + 1, "
            "correct = correct + ?, streak_current = ?, streak_best = ?, "
            "streak_last_day = ? WHERE user_id = ?",
            (points, int(correct), current, best, day.isoformat(), user_id),
        )

    async def cards(self, user_id: int) -> dict[str, CardState]:
        rows = await self.db.all("SELECT * FROM cards WHERE user_id = ?", (user_id,))
        return {row["question_id"]: _card(row) for row in rows}

    async def card(self, user_id: int, question_id: str) -> CardState | None:
        row = await self.db.one(
            "SELECT * FROM cards WHERE user_id = ? AND question_id = ?", (user_id, question_id)
        )
        return _card(row) if row else None
