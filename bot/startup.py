"""The start-up and shutdown sequence, shared by `quizbot run` and the local preview.

``start`` runs after ``app.initialize()`` (which checks the token with getMe): the application,
the command menu, the group events that were running when the process stopped, then updates.
``stop`` undoes it in reverse order and is safe after a failed start. ``serve`` is production:
the database, the Bot API connection, signals, and a start-up failure as one sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update
from telegram.error import TelegramError

from bot.app import PTBApplication, build_application
from bot.config import Settings, StartupError
from bot.connection import build_requests, describe_startup_error
from bot.context import SERVICES_KEY, Services
from bot.handlers import events, lessons
from bot.handlers.menu import register_commands
from bot.services.content import ContentStore
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
"""Seconds a getUpdates long poll waits for news."""


async def start(app: PTBApplication, *, poll_timeout: int = POLL_TIMEOUT) -> None:
    """Serve updates from an initialised application."""
    await app.start()
    svc = app.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)
    await register_commands(app.bot, svc.render, svc.settings.default_language)
    await events.resume_events(app)  # events running when the process stopped
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=poll_timeout)


async def stop(app: PTBApplication) -> None:
    """Stop fetching updates, finish the ones received, then release the connection."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def serve(settings: Settings, content: ContentStore) -> None:
    """Long-poll Telegram until SIGINT/SIGTERM; SIGHUP reloads the content.

    A failure to reach the Bot API at start-up raises ``StartupError`` with one sentence.
    """
    repo = await Repository.open(settings.database_path)
    try:
        send, updates = build_requests(settings)
        app = build_application(
            settings,
            repo=repo,
            content=content,
            request=send,
            get_updates_request=updates,
            rate_limiter=lessons.rate_limiter(),
            schedule_jobs=True,
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, content.reload)
        try:
            await app.initialize()
            await start(app)
        except TelegramError as exc:
            await stop(app)
            raise _startup_error(exc, settings) from None
        try:
            log.info("serving as @%s; press Ctrl+C to stop", app.bot.username)
            await stopping.wait()
            log.info("stopping")
        finally:
            await stop(app)
    finally:
        await repo.close()


def _startup_error(exc: TelegramError, settings: Settings) -> StartupError:
    """One sentence for the operator; the original (whose text may hold the token) is dropped."""
    described = describe_startup_error(exc, settings)
    if described is None:
        return StartupError(f"the Bot API refused to start the bot ({type(exc).__name__})")
    return StartupError(described)
