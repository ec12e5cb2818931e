"""Synthetic campaign data in bulk, for the campaign report benchmark (bench/campaign_report.py).

Plain sqlite3 in one transaction, like ``bot.storage.bulk``: people who already exist in
``users`` join units and make closed attempts, each a campaign quiz session with its answers.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path


def seed_campaign(
    path: Path,
    *,
    campaign_id: str,
    unit_ids: Sequence[str],
    people: int,
    attempts: int,
    question_ids: Sequence[str],
    per_attempt: int,
    start: datetime,
    rng: random.Random,
) -> None:
    """``people`` members (user ids 1..people) with ``attempts`` closed attempts each."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        first_session = 1 + (conn.execute("SELECT MAX(id) FROM quiz_sessions").fetchone()[0] or 0)
        conn.executemany(
            "INSERT INTO campaign_members (campaign_id, user_id, unit_id, joined_at) "
            "VALUES (?, ?, ?, ?)",
            (
                (campaign_id, user_id, rng.choice(unit_ids), _at(start, user_id, 0).isoformat())
                for user_id in range(1, people + 1)
            ),
        )
        plans = list(_plans(people, attempts, question_ids, per_attempt, start, rng))
        conn.executemany(
            "INSERT INTO quiz_sessions (id, user_id, bank_id, kind, question_ids, option_orders, "
            "position, correct, started_at, finished_at) "
            "VALUES (?, ?, ?, 'campaign', ?, '[]', ?, ?, ?, ?)",
            (
                (
                    first_session + n,
                    user_id,
                    f"campaign:{campaign_id}",
                    json.dumps(ids),
                    len(ids),
                    sum(marks),
                    at.isoformat(),
                    (at + timedelta(seconds=10 * len(ids))).isoformat(),
                )
                for n, (user_id, _, at, ids, marks) in enumerate(plans)
            ),
        )
        conn.executemany(
            "INSERT INTO campaign_attempts (campaign_id, user_id, number, local_day, session_id, "
            "started_at, deadline, total, closed_at, expired, correct, duration_ms, marks) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (
                (
                    campaign_id,
                    user_id,
                    number,
                    at.date().isoformat(),
                    first_session + n,
                    at.isoformat(),
                    (at + timedelta(minutes=5)).isoformat(),
                    len(ids),
                    (at + timedelta(seconds=10 * len(ids))).isoformat(),
                    sum(marks),
                    10_000 * len(ids),
                    "".join(str(m) for m in marks),
                )
                for n, (user_id, number, at, ids, marks) in enumerate(plans)
            ),
        )
        conn.executemany(
            "INSERT INTO answers (session_id, position, question_id, chosen, correct, points, "
            "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    first_session + n,
                    position,
                    qid,
                    "[0]" if mark else f"[{1 + position % 2}]",
                    mark,
                    10 * mark,
                    (at + timedelta(seconds=10 * (position + 1))).isoformat(),
                )
                for n, (_, _, at, ids, marks) in enumerate(plans)
                for position, (qid, mark) in enumerate(zip(ids, marks, strict=True))
            ),
        )
        conn.commit()


def _at(start: datetime, user_id: int, number: int) -> datetime:
    return start + timedelta(days=number * 2 + user_id % 7, minutes=user_id % 600)


def _plans(
    people: int,
    attempts: int,
    question_ids: Sequence[str],
    per_attempt: int,
    start: datetime,
    rng: random.Random,
) -> Iterator[tuple[int, int, datetime, list[str], list[int]]]:
    for user_id in range(1, people + 1):
        skill = rng.random()
        for number in range(1, attempts + 1):
            ids = rng.sample(list(question_ids), per_attempt)
            chance = 0.4 + 0.4 * skill + 0.05 * number
            marks = [int(rng.random() < chance) for _ in ids]
            yield user_id, number, _at(start, user_id, number - 1), ids, marks
