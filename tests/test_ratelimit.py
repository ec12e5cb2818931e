"""The send budget: replies before group events before lessons, paced per chat and overall.

Small budgets over short spans of real time, so each test takes a fraction of a second; every
loop is bounded and every assertion is about what was sent, and when.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from telegram import Chat, Message, Update, User
from telegram.error import RetryAfter

from bot.instrument import PerPersonUpdateProcessor
from bot.ratelimit import Budget, Priority, PriorityRateLimiter, priority

FAST = Budget(per_second=4, second=0.2, private_per_second=20.0, private_burst=3)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[float, str]] = []

    def call(self, label: str) -> Any:
        async def callback() -> bool:
            self.sent.append((time.monotonic(), label))
            return True

        return callback


async def send(
    limiter: PriorityRateLimiter,
    recorder: Recorder,
    label: str,
    *,
    chat: int = -100,
    endpoint: str = "sendMessage",
    level: Priority = Priority.REPLY,
) -> None:
    with priority(level):
        await limiter.process_request(
            recorder.call(label), (), {}, endpoint, {"chat_id": chat}, None
        )


async def test_a_reply_jumps_the_lesson_queue() -> None:
    limiter, recorder = PriorityRateLimiter(FAST), Recorder()
    lessons = [
        asyncio.create_task(
            send(limiter, recorder, f"lesson{i}", chat=1000 + i, level=Priority.BULK)
        )
        for i in range(12)
    ]
    await asyncio.sleep(0.05)  # the first lessons took the window; the rest wait
    event = asyncio.create_task(send(limiter, recorder, "event", chat=-5, level=Priority.TIMED))
    reply = asyncio.create_task(send(limiter, recorder, "reply", chat=42))
    await asyncio.wait_for(asyncio.gather(*lessons, event, reply), 5)
    order = [label for _, label in recorder.sent]
    assert order.index("reply") == FAST.per_second  # the first slot after the full window
    assert order.index("event") == FAST.per_second + 1
    await limiter.shutdown()


async def test_no_span_holds_more_than_the_budget() -> None:
    limiter, recorder = PriorityRateLimiter(FAST), Recorder()
    await asyncio.wait_for(
        asyncio.gather(*(send(limiter, recorder, str(i), chat=2000 + i) for i in range(16))), 5
    )
    times = [t for t, _ in recorder.sent]
    assert len(times) == 16
    for i, start in enumerate(times):
        within = [t for t in times[i:] if t < start + FAST.second - 0.01]
        assert len(within) <= FAST.per_second
    await limiter.shutdown()


async def test_a_private_chat_gets_a_burst_then_its_own_pace() -> None:
    budget = Budget(per_second=100, second=1.0, private_per_second=10.0, private_burst=3)
    limiter, recorder = PriorityRateLimiter(budget), Recorder()
    await asyncio.wait_for(
        asyncio.gather(*(send(limiter, recorder, str(i), chat=42) for i in range(6))), 5
    )
    times = [t for t, _ in recorder.sent]
    assert [label for _, label in recorder.sent] == [str(i) for i in range(6)]  # in order
    assert times[2] - times[0] < 0.05  # the burst
    assert times[5] - times[2] >= 0.25  # then 10 a second
    await limiter.shutdown()


async def test_toasts_and_polling_are_not_counted() -> None:
    limiter, recorder = PriorityRateLimiter(FAST), Recorder()
    await asyncio.gather(*(send(limiter, recorder, str(i), chat=3000 + i) for i in range(4)))
    started = time.monotonic()
    await send(limiter, recorder, "toast", endpoint="answerCallbackQuery")
    assert time.monotonic() - started < 0.05
    await limiter.shutdown()


async def test_a_429_is_waited_out_and_retried() -> None:
    limiter = PriorityRateLimiter(FAST)
    calls: list[float] = []

    async def flaky() -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=0.1))
        return True

    assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.1
    await limiter.shutdown()


def message_update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "x", False)
    chat = Chat(user_id, "private")
    message = Message(update_id, None, chat, from_user=user, text="hi")  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_each_persons_updates_in_order_different_people_at_once() -> None:
    processor = PerPersonUpdateProcessor(8)
    await processor.initialize()
    events: list[str] = []

    async def handle(name: str, pause: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(pause)
        events.append(f"end {name}")

    updates = [
        processor.process_update(message_update(1, 10), handle("a1", 0.1)),
        processor.process_update(message_update(2, 10), handle("a2", 0.0)),
        processor.process_update(message_update(3, 20), handle("b1", 0.0)),
    ]
    await asyncio.wait_for(asyncio.gather(*updates), 5)
    assert events.index("end a1") < events.index("start a2")  # one person: in order
    assert events.index("end b1") < events.index("end a1")  # another: not kept waiting
    await processor.shutdown()


@pytest.mark.parametrize("level", list(Priority))
async def test_priority_is_scoped_to_the_block(level: Priority) -> None:
    from bot.ratelimit import _PRIORITY

    with priority(level):
        assert _PRIORITY.get() is level
    assert _PRIORITY.get() is Priority.REPLY
