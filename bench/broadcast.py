"""Broadcast benchmark: the daily lesson to 1,000 subscribers through the production path.

``python -m bench.broadcast [--subscribers N]``

The real delivery service, a real SQLite file, python-telegram-bot with the production rate
limiter (``bot.handlers.lessons.rate_limiter``), and a fake Bot API (the project's emulator)
that enforces 30 messages per second in any one-second window and answers 429 beyond it.
Reported: messages per second, 429s received, duplicates and losses (goal: >= 27 msg/s and
zero of the rest). Takes about 35 s for 1,000 subscribers: the limit is the point.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import Row, shipped_settings
from bot.app import build_application
from bot.context import SERVICES_KEY
from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.emulator.request import EmulatorRequest
from bot.handlers.lessons import TelegramSend
from bot.ratelimit import Priority, PriorityRateLimiter, priority
from bot.services.content import ContentStore
from bot.services.lessons import LessonService
from bot.storage.repository import Repository

TOKEN = "123456789:AAFakeTokenForTheBenchmarkOnly_abcdef"
ZONE = ZoneInfo("Asia/Shanghai")
FIRST_USER = 10_000
GOAL_RATE = 27.0


async def run(subscribers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = shipped_settings(Path(folder) / "bench.sqlite3", token=TOKEN)
        content = ContentStore(settings.content_paths)
        if not content.reload().ok:
            raise SystemExit("the content does not load; run `quizbot validate`")
        now = datetime(2026, 3, 15, 20, 0, tzinfo=ZONE)
        emulator = BotApiEmulator(flood=FloodLimits(global_per_second=30))
        repo = await Repository.open(settings.database_path)
        users = range(FIRST_USER, FIRST_USER + subscribers)
        for user_id in users:
            emulator.add_user(user_id)
            await repo.people.ensure_user(user_id, "zh", now)
            await repo.lessons.subscribe_lessons(user_id, "private", "zh", "20:00", now)
        app = build_application(
            settings,
            repo=repo,
            content=content,
            request=EmulatorRequest(emulator),
            rate_limiter=PriorityRateLimiter(),
            clock=lambda: now,
        )
        try:
            async with app:
                send = TelegramSend(app.bot, app.bot_data[SERVICES_KEY].render)
                service = LessonService(repo, content, settings, clock=lambda: now)
                started = time.perf_counter()
                with priority(Priority.BULK):
                    report = await service.run_due(send)
                elapsed = time.perf_counter() - started
                again = await service.run_due(send)  # a second tick must send nothing
        finally:
            await repo.close()
        per_chat = Counter(
            message.chat_id
            for chat_id in users
            for message in emulator.messages(chat_id)
            if message.from_id == emulator.bot.id
        )
        too_many = sum(1 for _, error in emulator.failures if error.error_code == 429)
        return {
            "subscribers": subscribers,
            "sent": report.sent + again.sent,
            "seconds": elapsed,
            "rate": report.sent / elapsed if elapsed else 0.0,
            "429s": too_many,
            "duplicates": sum(count - 1 for count in per_chat.values() if count > 1),
            "losses": sum(1 for chat_id in users if per_chat[chat_id] == 0),
            "failed": report.failed,
        }


def measure(subscribers: int = 1000) -> list[Row]:
    figures = asyncio.run(run(subscribers))
    name = "broadcast"
    return [
        Row(
            name,
            f"lessons to {subscribers:,} subscribers: rate",
            f"{figures['rate']:.1f} msg/s",
            f"≥ {GOAL_RATE:.0f} msg/s",
        ),
        Row(
            name,
            "429s, duplicates, losses",
            f"{figures['429s']:.0f}, {figures['duplicates']:.0f}, {figures['losses']:.0f}",
            "0, 0, 0",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"broadcast: daily lesson to {args.subscribers} subscribers (fake Bot API, 30 msg/s)")
    figures = asyncio.run(run(args.subscribers))
    print(f"  delivered      {figures['sent']:.0f} / {figures['subscribers']:.0f}")
    print(f"  time           {figures['seconds']:.1f} s")
    print(f"  rate           {figures['rate']:.1f} messages/s (goal >= {GOAL_RATE:.0f})")
    print(f"  429 answers    {figures['429s']:.0f}")
    print(f"  duplicates     {figures['duplicates']:.0f}")
    print(f"  losses         {figures['losses']:.0f}")
    ok = (
        figures["rate"] >= GOAL_RATE
        and figures["429s"] == 0
        and figures["duplicates"] == 0
        and figures["losses"] == 0
        and figures["failed"] == 0
    )
    print("  result         " + ("goal met" if ok else "GOAL MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
