"""Campaigns: memberships, attempts, certificates, bound group chats, and report queries.

Idempotency lives in the keys: one membership per person and campaign, one open attempt per
person, attempt numbers unique per person, a certificate per person and campaign, one claim
of the "campaign ended" message. Every change of state is a compare-and-set, so a duplicate
update or two racing jobs change nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import aiosqlite

from bot.domain.campaigns import (
    Attempt,
    Certificate,
    Membership,
    Outcome,
    Result,
    session_bank,
)
from bot.domain.session import SessionKind
from bot.storage.db import Database, iso_or_none


def _membership(row: aiosqlite.Row) -> Membership:
    return Membership(
        campaign_id=row["campaign_id"],
        user_id=row["user_id"],
        unit_id=row["unit_id"],
        joined_at=datetime.fromisoformat(row["joined_at"]),
        changed_at=iso_or_none(row["changed_at"]),
    )


def _attempt(row: aiosqlite.Row) -> Attempt:
    duration = row["duration_ms"]
    return Attempt(
        id=row["id"],
        campaign_id=row["campaign_id"],
        user_id=row["user_id"],
        number=row["number"],
        local_day=date.fromisoformat(row["local_day"]),
        session_id=row["session_id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        deadline=datetime.fromisoformat(row["deadline"]),
        total=row["total"],
        closed_at=iso_or_none(row["closed_at"]),
        expired=bool(row["expired"]),
        correct=row["correct"],
        duration=timedelta(milliseconds=duration) if duration is not None else None,
    )


def _certificate(row: aiosqlite.Row) -> Certificate:
    return Certificate(
        code=row["code"],
        campaign_id=row["campaign_id"],
        unit_id=row["unit_id"],
        user_id=row["user_id"],
        correct=row["correct"],
        total=row["total"],
        issued_on=date.fromisoformat(row["issued_on"]),
        name=row["name"],
    )


def _ms(duration: timedelta) -> int:
    return round(duration.total_seconds() * 1000)


class CampaignStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- memberships ---------------------------------------------------------------------------

    async def member(self, campaign_id: str, user_id: int) -> Membership | None:
        row = await self.db.one(
            "SELECT * FROM campaign_members WHERE campaign_id = ? AND user_id = ?",
            (campaign_id, user_id),
        )
        return _membership(row) if row else None

    async def memberships(self, user_id: int) -> list[Membership]:
        rows = await self.db.all(
            "SELECT * FROM campaign_members WHERE user_id = ? ORDER BY joined_at", (user_id,)
        )
        return [_membership(row) for row in rows]

    async def join(
        self, campaign_id: str, user_id: int, unit_id: str, now: datetime
    ) -> tuple[Membership, bool]:
        """The membership, and True if it was created now (a repeated join changes nothing)."""
        cursor = await self.db.write(
            "INSERT INTO campaign_members (campaign_id, user_id, unit_id, joined_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, user_id) DO NOTHING",
            (campaign_id, user_id, unit_id, now.isoformat()),
        )
        member = await self.member(campaign_id, user_id)
        assert member is not None
        return member, cursor.rowcount == 1

    async def change_unit(
        self, campaign_id: str, user_id: int, unit_id: str, now: datetime
    ) -> bool:
        """Move to another unit, once: False if already changed or already in that unit."""
        cursor = await self.db.write(
            "UPDATE campaign_members SET unit_id = ?, changed_at = ? "
            "WHERE campaign_id = ? AND user_id = ? AND changed_at IS NULL AND unit_id != ?",
            (unit_id, now.isoformat(), campaign_id, user_id, unit_id),
        )
        return cursor.rowcount == 1

    # --- attempts --------------------------------------------------------------------------------

    async def start_attempt(
        self,
        member: Membership,
        *,
        local_day: date,
        per_day: int,
        question_ids: Sequence[str],
        option_orders: Sequence[tuple[int, ...]],
        now: datetime,
        deadline: datetime,
    ) -> Attempt | None:
        """Start an attempt and its timed quiz session, atomically.

        None (and nothing written) when an attempt is already open or today's limit is
        reached, checked again inside the transaction: two starts racing cannot both count.
        Any other open private quiz of the person is abandoned, as a new quiz would do.
        """
        key = (member.campaign_id, member.user_id)
        async with self.db.transaction():
            row = await self.db.one(
                "SELECT COUNT(*) AS today, "
                "(SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = ? AND user_id = ? "
                "AND closed_at IS NULL) AS open, "
                "(SELECT COALESCE(MAX(number), 0) FROM campaign_attempts "
                "WHERE campaign_id = ? AND user_id = ?) AS last "
                "FROM campaign_attempts WHERE campaign_id = ? AND user_id = ? AND local_day = ?",
                (*key, *key, *key, local_day.isoformat()),
            )
            assert row is not None
            if row["open"] or row["today"] >= per_day:
                return None
            await self.db.write(
                "UPDATE quiz_sessions SET abandoned_at = ? "
                "WHERE user_id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
                (now.isoformat(), member.user_id),
            )
            session = await self.db.write(
                "INSERT INTO quiz_sessions (user_id, bank_id, kind, question_ids, option_orders, "
                "started_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    member.user_id,
                    session_bank(member.campaign_id),
                    SessionKind.CAMPAIGN.value,
                    json.dumps(list(question_ids)),
                    json.dumps([list(order) for order in option_orders]),
                    now.isoformat(),
                    deadline.isoformat(),
                ),
            )
            inserted = await self.db.one(
                "INSERT INTO campaign_attempts (campaign_id, user_id, number, local_day, "
                "session_id, started_at, deadline, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING *",
                (
                    *key,
                    row["last"] + 1,
                    local_day.isoformat(),
                    session.lastrowid,
                    now.isoformat(),
                    deadline.isoformat(),
                    len(question_ids),
                ),
            )
        assert inserted is not None
        return _attempt(inserted)

    async def get_attempt(self, attempt_id: int) -> Attempt | None:
        row = await self.db.one("SELECT * FROM campaign_attempts WHERE id = ?", (attempt_id,))
        return _attempt(row) if row else None

    async def attempt_of_session(self, session_id: int) -> Attempt | None:
        row = await self.db.one(
            "SELECT * FROM campaign_attempts WHERE session_id = ?", (session_id,)
        )
        return _attempt(row) if row else None

    async def open_attempt(self, campaign_id: str, user_id: int) -> Attempt | None:
        row = await self.db.one(
            "SELECT * FROM campaign_attempts WHERE campaign_id = ? AND user_id = ? "
            "AND closed_at IS NULL",
            (campaign_id, user_id),
        )
        return _attempt(row) if row else None

    async def started_on(self, campaign_id: str, user_id: int, day: date) -> int:
        row = await self.db.one(
            "SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = ? AND user_id = ? "
            "AND local_day = ?",
            (campaign_id, user_id, day.isoformat()),
        )
        return int(row[0]) if row else 0

    async def seen_questions(self, campaign_id: str, user_id: int) -> set[str]:
        """Every question of the person's earlier attempts in this campaign."""
        rows = await self.db.all(
            "SELECT s.question_ids FROM campaign_attempts a "
            "JOIN quiz_sessions s ON s.id = a.session_id "
            "WHERE a.campaign_id = ? AND a.user_id = ?",
            (campaign_id, user_id),
        )
        return {qid for row in rows for qid in json.loads(row[0])}

    async def closable(self, now: datetime, limit: int = 500) -> list[Attempt]:
        """Open attempts whose time is up or whose every question is answered."""
        rows = await self.db.all(
            "SELECT a.* FROM campaign_attempts a LEFT JOIN quiz_sessions s ON s.id = a.session_id "
            "WHERE a.closed_at IS NULL AND (a.deadline <= ? OR s.finished_at IS NOT NULL "
            "OR s.id IS NULL) ORDER BY a.deadline LIMIT ?",
            (now.isoformat(), limit),
        )
        return [_attempt(row) for row in rows]

    async def attempt_answers(
        self, attempt: Attempt
    ) -> tuple[list[str], dict[str, tuple[bool, datetime]]]:
        """The attempt's questions in order, and each answer given: (correct, answered at)."""
        if attempt.session_id is None:
            return [], {}
        session = await self.db.one(
            "SELECT question_ids FROM quiz_sessions WHERE id = ?", (attempt.session_id,)
        )
        rows = await self.db.all(
            "SELECT question_id, correct, answered_at FROM answers WHERE session_id = ?",
            (attempt.session_id,),
        )
        ids = json.loads(session["question_ids"]) if session else []
        return ids, {
            r["question_id"]: (bool(r["correct"]), datetime.fromisoformat(r["answered_at"]))
            for r in rows
        }

    async def close_attempt(self, attempt: Attempt, outcome: Outcome, now: datetime) -> bool:
        """Record the outcome once; the session stops taking answers. False if already closed."""
        marks = "".join("1" if m.correct else "0" for m in outcome.marks)
        async with self.db.transaction():
            cursor = await self.db.write(
                "UPDATE campaign_attempts SET closed_at = ?, expired = ?, correct = ?, "
                "duration_ms = ?, marks = ? WHERE id = ? AND closed_at IS NULL",
                (
                    outcome.finished_at.isoformat(),
                    int(outcome.expired),
                    outcome.correct,
                    _ms(outcome.duration),
                    marks,
                    attempt.id,
                ),
            )
            if cursor.rowcount == 1 and attempt.session_id is not None:
                await self.db.write(
                    "UPDATE quiz_sessions SET abandoned_at = ? "
                    "WHERE id = ? AND finished_at IS NULL AND abandoned_at IS NULL",
                    (now.isoformat(), attempt.session_id),
                )
        return cursor.rowcount == 1

    async def results(self, campaign_id: str, user_id: int | None = None) -> list[Result]:
        """Closed attempts as the rankings see them (all people, or one)."""
        sql = (
            "SELECT id, user_id, correct, total, duration_ms, started_at FROM campaign_attempts "
            "WHERE campaign_id = ? AND closed_at IS NOT NULL"
        )
        params: tuple[Any, ...] = (campaign_id,)
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        return [
            Result(
                r["id"],
                r["user_id"],
                r["correct"],
                r["total"],
                timedelta(milliseconds=r["duration_ms"]),
                datetime.fromisoformat(r["started_at"]),
            )
            for r in await self.db.all(sql, params)
        ]

    # --- certificates ---------------------------------------------------------------------------

    async def certificate(self, campaign_id: str, user_id: int) -> Certificate | None:
        row = await self.db.one(
            "SELECT * FROM campaign_certificates WHERE campaign_id = ? AND user_id = ?",
            (campaign_id, user_id),
        )
        return _certificate(row) if row else None

    async def find_certificate(self, code: str) -> Certificate | None:
        row = await self.db.one("SELECT * FROM campaign_certificates WHERE code = ?", (code,))
        return _certificate(row) if row else None

    async def issue_certificate(self, cert: Certificate) -> Certificate | None:
        """Store a new certificate, or raise the person's existing one to a better score (its
        code never changes). None when ``cert.code`` is already taken by someone else."""
        assert cert.user_id is not None
        async with self.db.transaction():
            taken = await self.db.one(
                "SELECT user_id, campaign_id FROM campaign_certificates WHERE code = ?",
                (cert.code,),
            )
            if taken is not None and (taken[0], taken[1]) != (cert.user_id, cert.campaign_id):
                return None
            await self.db.write(
                "INSERT INTO campaign_certificates (code, campaign_id, unit_id, user_id, correct, "
                "total, issued_on, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (campaign_id, user_id) DO UPDATE SET correct = excluded.correct, "
                "total = excluded.total, issued_on = excluded.issued_on, "
                "unit_id = excluded.unit_id, name = excluded.name "
                "WHERE excluded.correct > campaign_certificates.correct "
                "OR excluded.name IS NOT campaign_certificates.name",
                (
                    cert.code,
                    cert.campaign_id,
                    cert.unit_id,
                    cert.user_id,
                    cert.correct,
                    cert.total,
                    cert.issued_on.isoformat(),
                    cert.name,
                ),
            )
        return await self.certificate(cert.campaign_id, cert.user_id)

    # --- /verify rate limit ---------------------------------------------------------------------

    async def verify_checks(self, user_id: int, since: datetime) -> list[datetime]:
        rows = await self.db.all(
            "SELECT checked_at FROM campaign_verify_checks WHERE user_id = ? AND checked_at > ?",
            (user_id, since.isoformat()),
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    async def record_verify_check(self, user_id: int, now: datetime, keep_since: datetime) -> None:
        async with self.db.transaction():
            await self.db.write(
                "DELETE FROM campaign_verify_checks WHERE user_id = ? AND checked_at <= ?",
                (user_id, keep_since.isoformat()),
            )
            await self.db.write(
                "INSERT INTO campaign_verify_checks (user_id, checked_at) VALUES (?, ?)",
                (user_id, now.isoformat()),
            )

    # --- a person's own data --------------------------------------------------------------------

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every campaign row of one person, table by table (for /mydata)."""
        tables = {
            "campaign_members": "SELECT * FROM campaign_members WHERE user_id = ?",
            "campaign_attempts": "SELECT * FROM campaign_attempts WHERE user_id = ? ORDER BY id",
            "campaign_certificates": "SELECT * FROM campaign_certificates WHERE user_id = ?",
            "campaign_verify_checks": "SELECT * FROM campaign_verify_checks WHERE user_id = ?",
        }
        return {
            name: [dict(row) for row in await self.db.all(sql, (user_id,))]
            for name, sql in tables.items()
        }

    async def forget(self, user_id: int) -> int:
        """Delete the person's campaign rows; certificates stay verifiable, without them.

        Called inside PrivacyStore's transaction.
        """
        removed = 0
        for sql in (
            "DELETE FROM campaign_attempts WHERE user_id = ?",
            "DELETE FROM campaign_members WHERE user_id = ?",
            "DELETE FROM campaign_verify_checks WHERE user_id = ?",
            "UPDATE campaign_certificates SET user_id = NULL WHERE user_id = ?",
        ):
            removed += (await self.db.write(sql, (user_id,))).rowcount
        return removed
