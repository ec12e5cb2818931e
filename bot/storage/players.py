"""Who plays group events and what they answered; who may run events (volunteers)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.events import EventAnswer, Participant
from bot.storage.db import Database


class PlayerStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def join_event(
        self, event_id: int, user_id: int, display_name: str, now: datetime
    ) -> bool:
        """Join (or refresh the name); True only the first time."""
        cursor = await self.db.write(
            "INSERT INTO event_participants (event_id, user_id, display_name, joined_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO NOTHING",
            (event_id, user_id, display_name, now.isoformat()),
        )
        if cursor.rowcount == 0:
            await self.db.write(
                "UPDATE event_participants SET display_name = ? "
                "WHERE event_id = ? AND user_id = ? AND display_name != ?",
                (display_name, event_id, user_id, display_name),
            )
        return cursor.rowcount == 1

    async def participant_count(self, event_id: int) -> int:
        row = await self.db.one(
            "SELECT COUNT(*) FROM event_participants WHERE event_id = ?", (event_id,)
        )
        return int(row[0]) if row else 0

    async def participants(self, event_id: int) -> list[Participant]:
        rows = await self.db.all(
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
        qversion: str | None = None,
    ) -> bool:
        """Store a poll answer, joining the person first if needed; False for a second answer.

        Two autocommit statements, no transaction: a crash between them leaves a joined person
        without the answer, which the redelivered update then stores. Answers arrive while
        jobs run, and SQLite has one transaction per connection.
        """
        await self.db.write(
            "INSERT INTO event_participants (event_id, user_id, display_name, joined_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO NOTHING",
            (event_id, user_id, display_name, now.isoformat()),
        )
        cursor = await self.db.write(
            "INSERT INTO event_answers (event_id, position, user_id, chosen, correct, "
            "points, elapsed, late, answered_at, qversion) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
                qversion,
            ),
        )
        return cursor.rowcount == 1

    async def event_answers(self, event_id: int) -> list[EventAnswer]:
        """Answers in time (late ones are kept but earn nothing and count nowhere)."""
        rows = await self.db.all(
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
        rows = await self.db.all(
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
        row = await self.db.one(
            "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM event_answers "
            "WHERE event_id = ? AND position = ? AND late = 0",
            (event_id, position),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def add_volunteer(
        self, user_id: int, display_name: str | None, granted_by: int, now: datetime
    ) -> bool:
        """Grant; False when the person already was a volunteer (the name is refreshed)."""
        cursor = await self.db.write(
            "INSERT INTO volunteers (user_id, display_name, granted_by, granted_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
            (user_id, display_name, granted_by, now.isoformat()),
        )
        if cursor.rowcount == 0 and display_name:
            await self.db.write(
                "UPDATE volunteers SET display_name = ? WHERE user_id = ?",
                (display_name, user_id),
            )
        return cursor.rowcount == 1

    async def remove_volunteer(self, user_id: int) -> bool:
        cursor = await self.db.write("DELETE FROM volunteers WHERE user_id = ?", (user_id,))
        return cursor.rowcount > 0

    # is_volunteer(user_id): defined once, in the daily-lessons section below (same query).

    async def volunteers(self) -> list[tuple[int, str | None]]:
        rows = await self.db.all(
            "SELECT user_id, display_name FROM volunteers ORDER BY granted_at"
        )
        return [(row["user_id"], row["display_name"]) for row in rows]

    async def is_volunteer(self, user_id: int) -> bool:
        """Volunteers (granted by operators, issue 4) may subscribe groups like admins."""
        row = await self.db.one("SELECT 1 FROM volunteers WHERE user_id = ?", (user_id,))
        return row is not None
