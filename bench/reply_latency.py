"""Replies while a broadcast runs: time from a press to the edited message, two configurations.

A Bot API emulator enforces Telegram's limits with 429s (30 messages a second overall, about one
a second per private chat with a burst of 3, 20 a minute per group). 50 people each answer 10
questions — 2 ± 1 s of thought after each edited message arrives, then "next" — while 1,000
daily lessons are pushed. Measured twice in the same run:

- ``today``: the configuration before issue 16 — one update at a time, python-telegram-bot's
  ``AIORateLimiter`` (every request in one queue, 2 + 28 a second);
- ``ours``: different people's updates at once (each person's in order) and the priority
  budget of ``bot/ratelimit.py`` (replies, then group events, then lessons).

Reports the median and p95 press-to-edit time, the lesson rate, and the 429s Telegram (the
emulator) answered. Run: ``python -m bench.reply_latency [people] [lessons]``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import AIORateLimiter, BaseRateLimiter
from telegram.request import RequestData

from bench.common import Row, print_table, shipped_settings
from bot.app import build_application
from bot.context import SERVICES_KEY
from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.emulator.request import EmulatorRequest
from bot.handlers.lessons import TelegramSend
from bot.ratelimit import Priority, PriorityRateLimiter, priority
from bot.services.content import ContentStore
from bot.services.lessons import LessonService
from bot.storage.repository import Repository

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdef"
ZONE = ZoneInfo("Asia/Shanghai")
PEOPLE = 50
QUESTIONS = 10
LESSONS = 1000
FIRST_QUIZZER = 500_000
FIRST_SUBSCRIBER = 600_000
BANK = "card_skimming"


class Watched(EmulatorRequest):
    """Wakes whoever waits for a chat's next edit or new message."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        super().__init__(emulator)
        self.changed: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *a: Any, **k: Any
    ) -> tuple[int, bytes]:
        answer = await super().do_request(url, method, request_data, *a, **k)
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if answer[0] == 200 and name in ("editMessageText", "sendMessage"):
            self.changed[int(str(params.get("chat_id", 0)))].set()
        return answer


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    lesson_rate: float = 0.0
    too_many: int = 0


def today_limiter() -> AIORateLimiter:
    """The limiter before issue 16: one queue for every request, 2 + 28 a second."""
    return AIORateLimiter(overall_max_rate=2, overall_time_period=2 / 28, max_retries=3)


async def person(
    emulator: BotApiEmulator, watched: Watched, user_id: int, rng: random.Random, out: Figures
) -> None:
    """Start a quiz, then answer and go on ten times, thinking 2 ± 1 s before each press."""

    async def wait_change() -> None:
        """Until the bot edits or sends in this chat (at most 60 s)."""
        await asyncio.wait_for(watched.changed[user_id].wait(), 60)

    emulator.user_sends(user_id, user_id, f"/start {BANK}")
    for _ in range(600):
        if any(m.inline_keyboard for m in emulator.messages(user_id)):
            break
        await asyncio.sleep(0.05)
    for _ in range(QUESTIONS):
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        message = emulator.last_message(user_id)
        data = message.inline_keyboard[0][0].get("callback_data")
        if data is None:
            return
        watched.changed[user_id].clear()
        pressed = time.perf_counter()
        emulator.user_presses(user_id, user_id, message.message_id, data)
        await wait_change()
        out.latencies.append(time.perf_counter() - pressed)
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        edited = emulator.last_message(user_id)
        buttons = [b.get("callback_data") for row in edited.inline_keyboard for b in row]
        nxt = next((b for b in buttons if b and b.startswith("n:")), None)
        if nxt is None:
            return
        watched.changed[user_id].clear()
        emulator.user_presses(user_id, user_id, edited.message_id, nxt)
        await wait_change()


async def pump(app: Any, emulator: BotApiEmulator, stop: asyncio.Event) -> None:
    """Telegram delivering updates: everything pressed or sent goes to the bot's queue."""
    while not stop.is_set():
        for data in emulator.take_updates():
            await app.update_queue.put(Update.de_json(data, app.bot))
        await asyncio.sleep(0.01)


async def run(configuration: str, people: int, lessons: int) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        settings = shipped_settings(Path(folder) / "bench.sqlite3", token=TOKEN)
        content = ContentStore(settings.content_paths)
        assert content.reload().ok
        now = datetime(2026, 3, 15, 20, 0, tzinfo=ZONE)
        emulator = BotApiEmulator(token=TOKEN, flood=FloodLimits())
        repo = await Repository.open(settings.database_path)
        for user_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + lessons):
            emulator.add_user(user_id)
            await repo.people.ensure_user(user_id, "zh", now)
            await repo.lessons.subscribe_lessons(user_id, "private", "zh", "20:00", now)
        for user_id in range(FIRST_QUIZZER, FIRST_QUIZZER + people):
            emulator.add_user(user_id, "答题人")
        watched = Watched(emulator)
        limiter: BaseRateLimiter[Any] = (
            today_limiter() if configuration == "today" else PriorityRateLimiter()
        )
        app = build_application(
            settings,
            repo=repo,
            content=content,
            request=watched,
            rate_limiter=limiter,
            concurrent_updates=1 if configuration == "today" else None,  # today: one at a time
        )
        figures = Figures()
        stop = asyncio.Event()
        rng = random.Random(315)
        try:
            async with app:
                await app.start()
                feeder = asyncio.create_task(pump(app, emulator, stop))
                send = TelegramSend(app.bot, app.bot_data[SERVICES_KEY].render)
                service = LessonService(repo, content, settings, clock=lambda: now)

                async def broadcast() -> None:
                    started = time.perf_counter()
                    with priority(Priority.BULK):
                        report = await service.run_due(send)
                    figures.lesson_rate = report.sent / (time.perf_counter() - started)

                quizzers = [
                    person(
                        emulator, watched, FIRST_QUIZZER + n, random.Random(rng.random()), figures
                    )
                    for n in range(people)
                ]
                await asyncio.wait_for(asyncio.gather(broadcast(), *quizzers), 600)
                stop.set()
                await feeder
                await app.stop()
        finally:
            await repo.close()
        figures.too_many = sum(1 for _, error in emulator.failures if error.error_code == 429)
        return figures


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def measure_async(people: int = PEOPLE, lessons: int = LESSONS) -> list[Row]:
    rows: list[Row] = []
    for configuration in ("today", "ours"):
        figures = await run(configuration, people, lessons)
        lat = figures.latencies
        goal = "median < 1 s, p95 < 3 s, 0 429s" if configuration == "ours" else ""
        rows.append(
            Row(
                "replies",
                f"{configuration}: press to edit (median, p95), lessons/s, 429s",
                f"{statistics.median(lat):.2f} s, {p95(lat):.2f} s, "
                f"{figures.lesson_rate:.1f}/s, {figures.too_many}",
                goal,
            )
        )
    return rows


def measure(people: int = PEOPLE, lessons: int = LESSONS) -> list[Row]:
    return asyncio.run(measure_async(people, lessons))


def main() -> None:
    args = [int(a) for a in sys.argv[1:3]]
    print_table(measure(*args))


if __name__ == "__main__":
    main()
