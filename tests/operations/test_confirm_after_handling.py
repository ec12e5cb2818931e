"""Long polling confirms a batch to Telegram only once it is handled (bot/connection.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import build_application, runtime
from bot.config import Settings
from bot.connection import HandledBeforeConfirmed
from bot.emulator.core import BotApiEmulator
from bot.emulator.request import EmulatorRequest
from bot.services.content import ContentStore
from bot.storage.repository import Repository

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghij"
USER = 4242


async def test_the_next_get_updates_waits_until_the_batch_is_handled() -> None:
    emulator = BotApiEmulator(token=TOKEN)
    emulator.add_user(USER, "王阿姨")
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started.set()
        await release.wait()

    gate = HandledBeforeConfirmed(EmulatorRequest(emulator))
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(EmulatorRequest(emulator))
        .get_updates_request(gate)
        .build()
    )
    gate.queue = app.update_queue
    app.add_handler(MessageHandler(filters.TEXT, slow))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        try:
            emulator.user_sends(USER, USER, "first")
            await asyncio.wait_for(started.wait(), 5)
            await asyncio.sleep(0.3)  # PTB would have asked again (and confirmed) by now
            assert [u["message"]["text"] for u in emulator.pending_updates()] == ["first"]
            release.set()
            for _ in range(100):
                if not emulator.pending_updates():
                    break
                await asyncio.sleep(0.05)
            assert emulator.pending_updates() == []  # confirmed once handled
        finally:
            release.set()
            await app.updater.stop()
            await app.stop()


async def test_build_application_gates_the_get_updates_request(tmp_path: Path) -> None:
    emulator = BotApiEmulator(token=TOKEN)
    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        app = build_application(
            Settings(token=TOKEN),
            repo=repo,
            content=ContentStore([]),
            request=EmulatorRequest(emulator),
            get_updates_request=EmulatorRequest(emulator),
        )
        updates = runtime(app).updates
        assert updates is not None
        assert isinstance(updates.inner, HandledBeforeConfirmed)
        assert updates.inner.queue is app.update_queue
    finally:
        await repo.close()
