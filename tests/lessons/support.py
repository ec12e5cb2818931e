"""Helpers shared by the daily-lesson tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import SERVICES_KEY, Services
from bot.emulator.core import StoredMessage
from bot.handlers.lessons import TelegramSend
from bot.services.lessons import LessonService, Outgoing
from tests.harness import Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")
LESSON_MARKS = ("📖 每日一课", "🔁 复习课", "📖 Daily lesson", "🔁 Review")


class Sleeps:
    """A sleep that returns at once and remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def svc_of(bot: Harness) -> Services:
    assert bot.app is not None
    found = bot.app.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


def service(bot: Harness, **options: Any) -> LessonService:
    assert bot.repo is not None
    options.setdefault("sleep", Sleeps())
    return LessonService(bot.repo, bot.content, bot.settings, clock=bot.clock, **options)


def sender(bot: Harness) -> TelegramSend:
    assert bot.app is not None
    return TelegramSend(bot.app.bot, svc_of(bot).render)


class Recorder:
    """Wraps the real sender and remembers what went where, and when."""

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.inner = sender(bot)
        self.sent: list[tuple[int, datetime, Outgoing]] = []

    async def __call__(self, out: Outgoing, /) -> int:
        message_id = await self.inner(out)
        self.sent.append((out.chat_id, self.bot.clock(), out))
        return message_id


def set_local(bot: Harness, text: str, zone: ZoneInfo = SHANGHAI) -> None:
    """Move the fake clock to a local wall time, e.g. ``2026-03-15 20:00``."""
    bot.clock.now = datetime.fromisoformat(text).replace(tzinfo=zone)


def lesson_messages(bot: Harness, chat_id: int) -> list[StoredMessage]:
    if chat_id not in bot.emu.chats:
        return []
    return [
        m
        for m in bot.emu.messages(chat_id)
        if m.from_id == bot.emu.bot.id and (m.text or "").startswith(LESSON_MARKS)
    ]


async def run(bot: Harness, **options: Any) -> Any:
    return await service(bot, **options).run_due(sender(bot))
