"""The scam checker's rows: counts per signal and day, and one reply per burst per chat.

No statement here ever receives the text of a message (``tests/checker/test_privacy.py``
sends one with a marker and searches the database file for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.incoming import BurstState
from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class SignalDay:
    day: date
    signal_id: str
    hits: int


@dataclass(frozen=True, slots=True)
class CheckDay:
    day: date
    checks: int
    flagged: int


class CheckerStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- counts for editors ---------------------------------------------------------------

    async def count(self, day: date, signal_ids: tuple[str, ...], *, flagged: bool) -> None:
        """One message checked on ``day``; ``signal_ids`` fired (each counted once)."""
        async with self.db.transaction():
            await self.db.write(
                "INSERT INTO checker_days (day, checks, flagged) VALUES (?, 1, ?) "
                "ON CONFLICT (day) DO UPDATE SET checks = checks + 1, "
                "flagged = flagged + excluded.flagged",
                (day.isoformat(), int(flagged)),
            )
            if signal_ids:
                await self.db.write_many(
                    "INSERT INTO checker_signal_days (day, signal_id, hits) VALUES (?, ?, 1) "
                    "ON CONFLICT (day, signal_id) DO UPDATE SET hits = hits + 1",
                    [(day.isoformat(), signal) for signal in sorted(set(signal_ids))],
                )

    async def signal_days(self, first: date, last: date) -> list[SignalDay]:
        rows = await self.db.all(
            "SELECT day, signal_id, hits FROM checker_signal_days WHERE day BETWEEN ? AND ? "
            "ORDER BY day, hits DESC, signal_id",
            (first.isoformat(), last.isoformat()),
        )
        return [SignalDay(date.fromisoformat(r["day"]), r["signal_id"], r["hits"]) for r in rows]

    async def check_days(self, first: date, last: date) -> list[CheckDay]:
        rows = await self.db.all(
            "SELECT day, checks, flagged FROM checker_days WHERE day BETWEEN ? AND ? ORDER BY day",
            (first.isoformat(), last.isoformat()),
        )
        return [CheckDay(date.fromisoformat(r["day"]), r["checks"], r["flagged"]) for r in rows]

    # --- one reply per burst --------------------------------------------------------------

    async def burst_state(self, chat_id: int) -> BurstState | None:
        row = await self.db.one(
            "SELECT last_message_id, burst, burst_date, reply_message_id FROM checker_replies "
            "WHERE chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return None
        return BurstState(
            row["last_message_id"], row["burst"], row["burst_date"], row["reply_message_id"]
        )

    async def advance(
        self,
        chat_id: int,
        message_id: int,
        burst: str,
        burst_date: int,
        *,
        joined: bool,
        now: datetime,
    ) -> bool:
        """Claim ``message_id`` as answered; False when it (or a newer one) already was.

        ``joined``: it belongs to the burst on screen, whose reply is kept; otherwise a new
        burst starts and its reply is recorded by ``replied`` once sent.
        """
        cursor = await self.db.write(
            "INSERT INTO checker_replies "
            "(chat_id, last_message_id, burst, burst_date, reply_message_id, updated_at) "
            "VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (chat_id) DO UPDATE SET "
            "last_message_id = excluded.last_message_id, burst = excluded.burst, "
            "burst_date = excluded.burst_date, updated_at = excluded.updated_at, "
            "reply_message_id = CASE WHEN ? THEN checker_replies.reply_message_id END "
            "WHERE excluded.last_message_id > checker_replies.last_message_id",
            (chat_id, message_id, burst, burst_date, now.isoformat(), int(joined)),
        )
        return cursor.rowcount == 1

    async def replied(self, chat_id: int, message_id: int, reply_message_id: int) -> None:
        """The reply to the burst that ``message_id`` started was sent."""
        await self.db.write(
            "UPDATE checker_replies SET reply_message_id = ? "
            "WHERE chat_id = ? AND last_message_id = ? AND reply_message_id IS NULL",
            (reply_message_id, chat_id, message_id),
        )

    async def prune(self, before: datetime) -> int:
        cursor = await self.db.write(
            "DELETE FROM checker_replies WHERE updated_at < ?", (before.isoformat(),)
        )
        return cursor.rowcount
