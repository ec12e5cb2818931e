"""Daily lessons: subscriptions, one delivery row per lesson pushed, check answers.

The delivery job never opens an explicit transaction: each claim and each status change is one
autocommit statement, so a crash leaves every row in a state the next run reads.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, time

import aiosqlite

from bot.domain.quiz import Learned
from bot.domain.schedule import BroadcastStats, Delivery, LessonHistory, Subscription
from bot.storage.db import Database, iso_or_none
from bot.storage.learning import LearningStore, learned_values
from bot.storage.quizzes import AnswerRefused

# --- daily lessons ------------------------------------------------------------
# The delivery job never opens an explicit transaction: each claim and each status change
# is one autocommit statement, so a crash leaves every row in a state the next run reads.


def _subscription(row: aiosqlite.Row) -> Subscription:
    hour, minute = (int(part) for part in str(row["send_at"]).split(":"))
    return Subscription(
        chat_id=row["chat_id"],
        kind="group" if row["kind"] == "group" else "private",
        language=row["lang"],
        tz=row["tz"],
        send_at=time(hour, minute),
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"],
    )


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        chat_id=row["chat_id"],
        local_day=date.fromisoformat(row["local_day"]),
        kind=row["kind"],
        lesson_id=row["lesson_id"],
        check_id=row["check_id"],
        recap_ids=tuple(json.loads(row["recap_ids"])),
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
        message_id=row["message_id"],
        claimed_at=datetime.fromisoformat(row["claimed_at"]),
        sent_at=iso_or_none(row["sent_at"]),
    )


class LessonStore:
    def __init__(self, db: Database, learning: LearningStore) -> None:
        self.db = db
        self.learning = learning

    async def lesson_subscription(self, chat_id: int) -> Subscription | None:
        row = await self.db.one(
            "SELECT s.*, COALESCE(u.language, s.language) AS lang FROM lesson_subscribers s "
            "LEFT JOIN users u ON u.user_id = s.chat_id WHERE s.chat_id = ?",
            (chat_id,),
        )
        return _subscription(row) if row else None

    async def subscribe_lessons(
        self, chat_id: int, kind: str, language: str, send_at: str, now: datetime
    ) -> None:
        """Start (or restart) the daily push at local ``send_at`` ('HH:MM'); keeps the tz."""
        await self.db.write(
            "INSERT INTO lesson_subscribers "
            "(chat_id, kind, language, send_at, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
            "send_at = excluded.send_at, language = excluded.language, active = 1, "
            "inactive_reason = NULL, updated_at = excluded.updated_at",
            (chat_id, kind, language, send_at, now.isoformat(), now.isoformat()),
        )

    async def deactivate_lessons(self, chat_id: int, reason: str, now: datetime) -> bool:
        """Stop pushing to ``chat_id``; False when it was not receiving lessons."""
        cursor = await self.db.write(
            "UPDATE lesson_subscribers SET active = 0, inactive_reason = ?, updated_at = ? "
            "WHERE chat_id = ? AND active = 1",
            (reason, now.isoformat(), chat_id),
        )
        return cursor.rowcount == 1

    async def set_lesson_timezone(
        self,
        chat_id: int,
        kind: str,
        language: str,
        tz: str,
        default_send_at: str,
        now: datetime,
    ) -> None:
        """Remember a chat's time zone, subscribed or not (a row without the push if new)."""
        await self.db.write(
            "INSERT INTO lesson_subscribers (chat_id, kind, language, tz, send_at, active, "
            "inactive_reason, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 0, 'not_subscribed', ?, ?) ON CONFLICT (chat_id) DO UPDATE "
            "SET tz = excluded.tz, updated_at = excluded.updated_at",
            (chat_id, kind, language, tz, default_send_at, now.isoformat(), now.isoformat()),
        )

    async def lesson_timezones(self, default_tz: str) -> list[str]:
        """The distinct time zones of active subscribers: the job works one zone at a time."""
        rows = await self.db.all(
            "SELECT DISTINCT COALESCE(tz, ?) FROM lesson_subscribers WHERE active = 1",
            (default_tz,),
        )
        return [str(row[0]) for row in rows]

    async def lesson_candidates(
        self, tz: str, default_tz: str, local_hhmm: str, local_day: date
    ) -> list[Subscription]:
        """Active chats in ``tz`` whose time has come today and with no row for today yet."""
        rows = await self.db.all(
            "SELECT s.*, COALESCE(u.language, s.language) AS lang FROM lesson_subscribers s "
            "LEFT JOIN users u ON u.user_id = s.chat_id "
            "WHERE s.active = 1 AND COALESCE(s.tz, ?) = ? AND s.send_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM lesson_deliveries d "
            "WHERE d.chat_id = s.chat_id AND d.local_day = ?) ORDER BY s.send_at, s.chat_id",
            (default_tz, tz, local_hhmm, local_day.isoformat()),
        )
        return [_subscription(row) for row in rows]

    async def lesson_history(self, chat_id: int) -> LessonHistory:
        rows = await self.db.all(
            "SELECT lesson_id, status FROM lesson_deliveries WHERE chat_id = ?", (chat_id,)
        )
        return LessonHistory(
            lesson_ids=frozenset(row["lesson_id"] for row in rows if row["lesson_id"]),
            sent=sum(1 for row in rows if row["status"] == "sent"),
        )

    async def claim_lesson(
        self,
        chat_id: int,
        local_day: date,
        kind: str,
        lesson_id: str | None,
        check_id: str | None,
        recap_ids: list[str],
        now: datetime,
        *,
        status: str = "pending",
        error: str | None = None,
    ) -> Delivery | None:
        """Claim today's delivery before sending; None when another run (or day) has it.

        The UNIQUE keys (chat, day) and (chat, lesson) make this the one place that decides
        who sends: of two overlapping runs exactly one INSERT succeeds.
        """
        row = await self.db.write_one(
            "INSERT INTO lesson_deliveries (chat_id, local_day, kind, lesson_id, check_id, "
            "recap_ids, status, attempts, error, claimed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING RETURNING *",
            (
                chat_id,
                local_day.isoformat(),
                kind,
                lesson_id,
                check_id,
                json.dumps(recap_ids),
                status,
                error,
                now.isoformat(),
            ),
        )
        return _delivery(row) if row else None

    async def lesson_delivery(self, delivery_id: int) -> Delivery | None:
        row = await self.db.one("SELECT * FROM lesson_deliveries WHERE id = ?", (delivery_id,))
        return _delivery(row) if row else None

    async def lesson_delivery_on(self, chat_id: int, local_day: date) -> Delivery | None:
        row = await self.db.one(
            "SELECT * FROM lesson_deliveries WHERE chat_id = ? AND local_day = ?",
            (chat_id, local_day.isoformat()),
        )
        return _delivery(row) if row else None

    async def stale_lesson_claims(self, claimed_before: datetime) -> list[Delivery]:
        """Pending rows nobody finished: the process died between claim and send (or mark)."""
        rows = await self.db.all(
            "SELECT * FROM lesson_deliveries WHERE status = 'pending' AND claimed_at < ? "
            "ORDER BY id",
            (claimed_before.isoformat(),),
        )
        return [_delivery(row) for row in rows]

    async def reclaim_lesson(self, delivery: Delivery, now: datetime) -> bool:
        """Take over a stale claim; compare-and-set so only one run retries it."""
        cursor = await self.db.write(
            "UPDATE lesson_deliveries SET claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status = 'pending' AND claimed_at = ?",
            (now.isoformat(), delivery.id, delivery.claimed_at.isoformat()),
        )
        return cursor.rowcount == 1

    async def count_lesson_attempt(self, delivery_id: int, now: datetime) -> None:
        """One more try of a claim this run holds (and still fresh for the others)."""
        await self.db.write(
            "UPDATE lesson_deliveries SET attempts = attempts + 1, claimed_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (now.isoformat(), delivery_id),
        )

    async def mark_lesson_sent(self, delivery_id: int, message_id: int, now: datetime) -> bool:
        cursor = await self.db.write(
            "UPDATE lesson_deliveries SET status = 'sent', message_id = ?, sent_at = ?, "
            "error = NULL WHERE id = ? AND status = 'pending'",
            (message_id, now.isoformat(), delivery_id),
        )
        return cursor.rowcount == 1

    async def mark_lesson_failed(
        self, delivery_id: int, reason: str, *, release_lesson: bool = False
    ) -> None:
        """Record why; ``release_lesson`` lets the same lesson come again on a later day."""
        await self.db.write(
            "UPDATE lesson_deliveries SET status = 'failed', error = ?, "
            "lesson_id = CASE WHEN ? THEN NULL ELSE lesson_id END "
            "WHERE id = ? AND status = 'pending'",
            (reason[:200], int(release_lesson), delivery_id),
        )

    async def record_lesson_answer(
        self,
        delivery_id: int,
        chosen: frozenset[int],
        answered_at: datetime,
        qversion: str,
        learned: Learned,
    ) -> bool:
        """A lesson's check answer and what it teaches, in one statement, at most once per
        person; False (nothing changed) when this person already answered it."""
        try:
            await self.db.write(
                "INSERT INTO lesson_answer_writes (delivery_id, question_id, chosen, correct, "
                "answered_at, qversion, points, user_id, topic, box, due, seen, wrong, "
                "last_correct, streak_current, streak_best, streak_day) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    delivery_id,
                    learned.question_id,
                    json.dumps(sorted(chosen)),
                    int(learned.correct),
                    answered_at.isoformat(),
                    qversion,
                    learned.points,
                    *learned_values(learned),
                ),
            )
        except sqlite3.IntegrityError as exc:
            AnswerRefused.from_error(exc)  # re-raises anything but the guard's refusal
            return False
        return True

    async def lesson_answer_of(self, delivery_id: int, user_id: int) -> frozenset[int] | None:
        row = await self.db.one(
            "SELECT chosen FROM lesson_answers WHERE delivery_id = ? AND user_id = ?",
            (delivery_id, user_id),
        )
        return frozenset(json.loads(row["chosen"])) if row else None

    async def broadcast_stats(self, day_start: datetime) -> BroadcastStats:
        """Counts for /broadcast_stats; "today" starts at ``day_start`` (an aware instant)."""
        since = day_start.isoformat()
        active = {
            row["kind"]: int(row[1])
            for row in await self.db.all(
                "SELECT kind, COUNT(*) FROM lesson_subscribers WHERE active = 1 GROUP BY kind"
            )
        }
        inactive = await self.db.all(
            "SELECT inactive_reason, COUNT(*) FROM lesson_subscribers WHERE active = 0 "
            "GROUP BY inactive_reason ORDER BY 2 DESC, 1"
        )
        sent = await self.db.one(
            "SELECT COUNT(*) FROM lesson_deliveries WHERE status = 'sent' AND sent_at >= ?",
            (since,),
        )
        pending = await self.db.one(
            "SELECT COUNT(*) FROM lesson_deliveries WHERE status = 'pending'"
        )
        failed_today = await self.db.all(
            "SELECT error, COUNT(*) FROM lesson_deliveries "
            "WHERE status = 'failed' AND claimed_at >= ? GROUP BY error ORDER BY 2 DESC, 1",
            (since,),
        )
        failed = await self.db.all(
            "SELECT error, COUNT(*) FROM lesson_deliveries WHERE status = 'failed' "
            "GROUP BY error ORDER BY 2 DESC, 1"
        )
        return BroadcastStats(
            active_private=active.get("private", 0),
            active_groups=active.get("group", 0),
            inactive_by_reason=tuple((str(r[0]), int(r[1])) for r in inactive),
            sent_today=int(sent[0]) if sent else 0,
            pending=int(pending[0]) if pending else 0,
            failed_today_by_reason=tuple((str(r[0]), int(r[1])) for r in failed_today),
            failed_by_reason=tuple((str(r[0]), int(r[1])) for r in failed),
        )
