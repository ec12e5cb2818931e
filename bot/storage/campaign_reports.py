"""What campaign results need: group chats bound to units (reach), the one "campaign ended"
message, and the report's reads — a few wide queries, never one per person.

The rows read here go straight into ``bot.domain.campaign_stats.build_report``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.domain.campaign_stats import ClosedAttempt, Member
from bot.storage.db import Database


class CampaignReportStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def shown_names(self, user_ids: list[int]) -> dict[int, str]:
        """Names of those among ``user_ids`` who chose to show theirs (users.show_name)."""
        if not user_ids:
            return {}
        marks = ",".join("?" * len(user_ids))
        rows = await self.db.all(
            f"SELECT user_id, display_name FROM users WHERE user_id IN ({marks}) "  # noqa: S608
            "AND show_name = 1 AND display_name IS NOT NULL",
            tuple(user_ids),
        )
        return {r[0]: r[1] for r in rows}

    async def members(self, campaign_id: str) -> list[Member]:
        rows = await self.db.all(
            "SELECT user_id, unit_id, joined_at FROM campaign_members WHERE campaign_id = ?",
            (campaign_id,),
        )
        return [Member(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def started(self, campaign_id: str) -> list[tuple[int, datetime]]:
        rows = await self.db.all(
            "SELECT user_id, started_at FROM campaign_attempts WHERE campaign_id = ?",
            (campaign_id,),
        )
        return [(r[0], datetime.fromisoformat(r[1])) for r in rows]

    async def closed_attempts(self, campaign_id: str) -> list[ClosedAttempt]:
        """Closed attempts with their marks per question (for gain and topic accuracy)."""
        rows = await self.db.all(
            "SELECT a.id, a.user_id, a.started_at, a.duration_ms, a.marks, s.question_ids "
            "FROM campaign_attempts a JOIN quiz_sessions s ON s.id = a.session_id "
            "WHERE a.campaign_id = ? AND a.closed_at IS NOT NULL",
            (campaign_id,),
        )
        return [
            ClosedAttempt(
                r[0],
                r[1],
                datetime.fromisoformat(r[2]),
                timedelta(milliseconds=r[3]),
                tuple(json.loads(r[5])),
                r[4],
            )
            for r in rows
        ]

    async def attempt_sessions(self, campaign_id: str) -> list[int]:
        """The quiz sessions of the campaign's attempts (their answers are in ``answers``)."""
        rows = await self.db.all(
            "SELECT session_id FROM campaign_attempts WHERE campaign_id = ? ORDER BY session_id",
            (campaign_id,),
        )
        return [r[0] for r in rows]

    async def group_reach(
        self, campaign_id: str, start: datetime, end: datetime
    ) -> tuple[dict[str, int], int]:
        """People who played events in bound group chats during [start, end), per unit; and
        everyone reached (members and those players), each person once."""
        players = (
            "SELECT g.unit_id, p.user_id FROM campaign_groups g "
            "JOIN events e ON e.chat_id = g.chat_id "
            "JOIN event_participants p ON p.event_id = e.id "
            "WHERE g.campaign_id = ? AND e.created_at >= ? AND e.created_at < ?"
        )
        window = (campaign_id, start.isoformat(), end.isoformat())
        rows = await self.db.all(
            f"SELECT unit_id, COUNT(DISTINCT user_id) FROM ({players}) GROUP BY unit_id",  # noqa: S608
            window,
        )
        total = await self.db.one(
            f"SELECT COUNT(*) FROM (SELECT user_id FROM ({players}) "  # noqa: S608
            "UNION SELECT user_id FROM campaign_members WHERE campaign_id = ?)",
            (*window, campaign_id),
        )
        return {r[0]: r[1] for r in rows}, int(total[0]) if total else 0

    # --- group chats and the closing message ----------------------------------------------------

    async def bind_group(
        self, campaign_id: str, chat_id: int, unit_id: str, now: datetime
    ) -> None:
        await self.db.write(
            "INSERT INTO campaign_groups (campaign_id, chat_id, unit_id, bound_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, chat_id) DO UPDATE SET "
            "unit_id = excluded.unit_id, bound_at = excluded.bound_at",
            (campaign_id, chat_id, unit_id, now.isoformat()),
        )

    async def unbind_group(self, campaign_id: str, chat_id: int) -> bool:
        cursor = await self.db.write(
            "DELETE FROM campaign_groups WHERE campaign_id = ? AND chat_id = ?",
            (campaign_id, chat_id),
        )
        return cursor.rowcount == 1

    async def bound_groups(self, campaign_id: str) -> tuple[int, ...]:
        """The group chats bound to any unit of the campaign."""
        rows = await self.db.all(
            "SELECT chat_id FROM campaign_groups WHERE campaign_id = ? ORDER BY bound_at, chat_id",
            (campaign_id,),
        )
        return tuple(int(r[0]) for r in rows)

    async def group_units(self, chat_id: int) -> dict[str, str]:
        """Campaign id -> unit id for a group chat."""
        rows = await self.db.all(
            "SELECT campaign_id, unit_id FROM campaign_groups WHERE chat_id = ?", (chat_id,)
        )
        return {r[0]: r[1] for r in rows}

    async def claim_closing(self, campaign_id: str, now: datetime) -> bool:
        """True for exactly one caller: who sends the "campaign ended" message."""
        cursor = await self.db.write(
            "INSERT INTO campaign_closings (campaign_id, claimed_at) VALUES (?, ?) "
            "ON CONFLICT (campaign_id) DO NOTHING",
            (campaign_id, now.isoformat()),
        )
        return cursor.rowcount == 1

    async def mark_closing_sent(self, campaign_id: str, now: datetime) -> None:
        await self.db.write(
            "UPDATE campaign_closings SET sent_at = ? WHERE campaign_id = ?",
            (now.isoformat(), campaign_id),
        )
