"""Forbidden, RetryAfter, network errors: what the delivery does with each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.config import Settings
from bot.domain.schedule import Delivery
from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.handlers.lessons import TelegramSend, _seconds
from bot.services.lessons import (
    Moved,
    Outgoing,
    Rejected,
    RetryLater,
    SendError,
    Transient,
    Unreachable,
)
from tests.harness import Clock, Harness
from tests.lessons.conftest import CONTENT
from tests.lessons.support import Sleeps, lesson_messages, sender, service, set_local, svc_of


async def test_blocked_user_becomes_inactive_and_is_not_pushed_again(lbot: Harness) -> None:
    for user_id in (41, 42, 43):
        await lbot.send(user_id, "/subscribe 20:00")
    lbot.emu.block_bot(42)
    lbot.allow_api_failures = True
    set_local(lbot, "2026-03-15 20:00")
    report = await service(lbot).run_due(sender(lbot))
    assert (report.sent, report.failed, report.deactivated) == (2, 1, 1)
    assert lbot.repo is not None
    subscription = await lbot.repo.lessons.lesson_subscription(42)
    assert subscription is not None
    assert (subscription.active, subscription.inactive_reason) == (False, "blocked")
    tries_before = len(lbot.emu.calls_to("sendMessage"))
    set_local(lbot, "2026-03-16 20:00")
    report = await service(lbot).run_due(sender(lbot))
    assert report.sent == 2
    sends = lbot.emu.calls_to("sendMessage")[tries_before:]
    assert 42 not in {call["chat_id"] for call in sends}
    lbot.emu.failures.clear()
    await lbot.send(1, "/broadcast_stats")
    text = lbot.text(1)
    assert "订阅中：私聊 2" in text
    assert "未订阅（blocked）：1" in text
    assert "累计失败：1\n• blocked：1" in text  # the send that found the block


@pytest.fixture
async def flood_bot(settings: Settings, clock: Clock) -> AsyncIterator[tuple[Harness, Sleeps]]:
    """The emulator enforces 2 messages per second; its own clock moves when we sleep."""
    ticks = [1000.0]
    emulator = BotApiEmulator(
        wall_clock=clock.timestamp,
        clock=lambda: ticks[0],
        flood=FloodLimits(global_per_second=2, private_burst=5),
    )

    class Advancing(Sleeps):
        async def __call__(self, seconds: float) -> None:
            await super().__call__(seconds)
            ticks[0] += seconds

    harness = Harness(settings, clock, content_paths=CONTENT, emulator=emulator)
    await harness.start()
    try:
        yield harness, Advancing()
    finally:
        await harness.stop()


async def test_retry_after_waits_and_retries_without_losing_or_doubling(
    flood_bot: tuple[Harness, Sleeps],
) -> None:
    bot, sleeps = flood_bot
    users = range(300, 305)
    for user_id in users:
        await bot.send(user_id, "/subscribe 20:00")
        bot.emu.advance(1.0)  # the replies above used up the emulator's budget
    bot.allow_api_failures = True
    set_local(bot, "2026-03-15 20:00")
    report = await service(bot, concurrency=1, sleep=sleeps).run_due(sender(bot))
    assert report.sent == 5
    assert report.failed == 0
    too_many = [e for _, e in bot.emu.failures if e.error_code == 429]
    assert too_many, "the emulator should have answered 429 at least once"
    assert sleeps.waits
    assert all(wait >= 1.0 for wait in sleeps.waits)
    assert {user_id: len(lesson_messages(bot, user_id)) for user_id in users} == dict.fromkeys(
        users, 1
    )


class Flaky:
    """Fails with ``error`` ``times`` times, then sends for real."""

    def __init__(self, bot: Harness, error: SendError, times: int) -> None:
        self.inner = sender(bot)
        self.error = error
        self.times = times
        self.calls = 0

    async def __call__(self, out: Outgoing, /) -> int:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return await self.inner(out)


async def test_network_errors_are_retried_with_growing_pauses(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    sleeps = Sleeps()
    flaky = Flaky(lbot, Transient("network", "timed out"), times=2)
    report = await service(lbot, sleep=sleeps).run_due(flaky)
    assert report.sent == 1
    assert sleeps.waits == [1.0, 2.0]
    assert len(lesson_messages(lbot, 42)) == 1


async def test_a_lasting_network_failure_is_recorded_and_the_lesson_comes_back(
    lbot: Harness,
) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    lessons = service(lbot, max_attempts=3)
    report = await lessons.run_due(Flaky(lbot, Transient("network", "down"), times=99))
    assert (report.sent, report.failed) == (0, 1)
    stats = await lessons.stats(lbot.clock())
    assert dict(stats.failed_today_by_reason) == {"network": 1}
    set_local(lbot, "2026-03-16 20:00")
    assert (await lessons.run_due(sender(lbot))).sent == 1
    [message] = lesson_messages(lbot, 42)
    assert "芯片卡更安全" in (message.text or "")  # yesterday's lesson, not skipped


async def test_a_rejected_message_is_recorded_with_telegrams_reason(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    lessons = service(lbot)
    rejected = Flaky(lbot, Rejected("rejected", "Bad Request: message is too long"), times=1)
    report = await lessons.run_due(rejected)
    assert (report.sent, report.failed) == (0, 1)
    stats = await lessons.stats(lbot.clock())
    assert dict(stats.failed_today_by_reason) == {"rejected: Bad Request: message is too long": 1}


# --- Telegram's errors as the service sees them -------------------------------------------


class FailingBot:
    username = "quiz315_bot"

    def __init__(self, error: Exception) -> None:
        self.error = error

    @property
    def bot(self) -> object:
        return self

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


def outgoing(chat_id: int = 42) -> Outgoing:
    delivery = Delivery(
        id=1,
        chat_id=chat_id,
        local_day=date(2026, 3, 15),
        kind="review",
        lesson_id=None,
        check_id=None,
        recap_ids=(),
        status="pending",
        attempts=1,
        error=None,
        message_id=None,
        claimed_at=datetime(2026, 3, 15, tzinfo=UTC),
        sent_at=None,
    )
    return Outgoing(delivery, "private", "zh", None, None)


@pytest.mark.parametrize(
    ("error", "kind", "reason"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Unreachable, "blocked"),
        (BadRequest("Chat not found"), Unreachable, "chat_not_found"),
        (ChatMigrated(-100123), Moved, "migrated"),  # moved and sent again, not stopped
        (BadRequest("Message is too long"), Rejected, "rejected"),
        (TimedOut(), Transient, "network"),
        (NetworkError("connection reset"), Transient, "network"),
        (RetryAfter(timedelta(seconds=3)), RetryLater, "rate_limited"),
    ],
)
async def test_telegram_errors_are_translated(
    lbot: Harness, error: Exception, kind: type[SendError], reason: str
) -> None:
    send = TelegramSend(cast(Bot, FailingBot(error)), svc_of(lbot).render)
    with pytest.raises(kind) as raised:
        await send(outgoing())
    assert raised.value.reason == reason
    if isinstance(raised.value, RetryLater):
        assert raised.value.seconds == 3.0
    if isinstance(raised.value, Moved):
        assert raised.value.new_chat_id == -100123


def test_retry_after_in_seconds_from_a_timedelta_or_an_int() -> None:
    assert _seconds(timedelta(seconds=7)) == 7.0
    assert _seconds(5) == 5.0
