"""Exactly once: a crash mid-batch and a restart, overlapping runs, stale claims."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.lessons import Outgoing
from bot.storage.repository import Repository
from tests.harness import Harness
from tests.lessons.support import lesson_messages, sender, service, set_local


class SimulatedCrash(BaseException):
    """The process dies (like SIGKILL): nothing after it runs, no handler catches it."""


class CrashAfter:
    """Sends ``k`` lessons normally, then dies before the next one reaches Telegram."""

    def __init__(self, bot: Harness, k: int) -> None:
        self.inner = sender(bot)
        self.left = k

    async def __call__(self, out: Outgoing, /) -> int:
        if self.left == 0:
            raise SimulatedCrash
        self.left -= 1
        return await self.inner(out)


async def subscribe_many(bot: Harness, ids: range) -> None:
    for user_id in ids:
        await bot.send(user_id, "/subscribe 20:00")


def counts(bot: Harness, ids: range) -> dict[int, int]:
    return {user_id: len(lesson_messages(bot, user_id)) for user_id in ids}


async def test_crash_mid_batch_then_restart_sends_everyone_exactly_once(lbot: Harness) -> None:
    users = range(100, 110)
    await subscribe_many(lbot, users)
    set_local(lbot, "2026-03-15 20:00")
    with pytest.raises(SimulatedCrash):
        await service(lbot, concurrency=1).run_due(CrashAfter(lbot, 3))
    assert sum(counts(lbot, users).values()) == 3

    await lbot.restart()  # a new process: only the database survives
    lbot.clock.advance(minutes=1)
    report = await service(lbot).run_due(sender(lbot))
    assert report.sent == 6  # the one claimed when it crashed waits until its claim is stale
    assert sorted(counts(lbot, users).values()) == [0] + [1] * 9

    lbot.clock.advance(minutes=5)
    report = await service(lbot).run_due(sender(lbot))
    assert (report.sent, report.retried_stale) == (1, 1)
    assert counts(lbot, users) == dict.fromkeys(users, 1)

    lbot.clock.advance(minutes=30)
    assert (await service(lbot).run_due(sender(lbot))).sent == 0
    assert counts(lbot, users) == dict.fromkeys(users, 1)


async def test_two_overlapping_runs_never_send_twice(lbot: Harness) -> None:
    users = range(200, 240)
    await subscribe_many(lbot, users)
    set_local(lbot, "2026-03-15 20:00")
    other = await Repository.open(lbot.settings.database_path)  # like a second process
    try:
        first = service(lbot, concurrency=4)
        second = service(lbot, concurrency=4)
        second.repo = other
        reports = await asyncio.gather(
            first.run_due(sender(lbot)),
            second.run_due(sender(lbot)),
            first.run_due(sender(lbot)),
        )
    finally:
        await other.close()
    assert sum(r.sent for r in reports) == len(users)
    assert counts(lbot, users) == dict.fromkeys(users, 1)


async def test_stale_claim_is_not_retried_after_its_day(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 21:50")
    set_local(lbot, "2026-03-15 21:50")
    with pytest.raises(SimulatedCrash):
        await service(lbot).run_due(CrashAfter(lbot, 0))
    set_local(lbot, "2026-03-15 21:58")  # stale, but quiet hours start in two minutes
    lbot.clock.advance(minutes=3)  # 22:01: quiet
    assert (await service(lbot).run_due(sender(lbot))).sent == 0
    set_local(lbot, "2026-03-16 09:00")  # a new day: the claim expired, the lesson waits
    report = await service(lbot).run_due(sender(lbot))
    assert (report.sent, report.expired) == (0, 1)
    set_local(lbot, "2026-03-16 21:50")
    assert (await service(lbot).run_due(sender(lbot))).sent == 1
    [message] = lesson_messages(lbot, 42)
    assert "芯片卡更安全" in (message.text or "")  # the lesson that never arrived


async def test_stale_claim_gives_up_after_max_attempts(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 09:00")
    set_local(lbot, "2026-03-15 09:00")
    lessons = service(lbot, max_attempts=2)
    for _ in range(2):
        with pytest.raises(SimulatedCrash):
            await lessons.run_due(CrashAfter(lbot, 0))
        lbot.clock.advance(minutes=6)
    report = await lessons.run_due(sender(lbot))
    assert (report.sent, report.failed) == (0, 1)
    assert lbot.repo is not None
    stats = await lessons.stats(lbot.clock())
    assert dict(stats.failed_today_by_reason) == {"too_many_attempts": 1}
    lbot.clock.advance(hours=1)
    assert (await lessons.run_due(sender(lbot))).sent == 0
