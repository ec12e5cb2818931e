"""Wiring: ``build_application`` takes its seams (request, repository, clock) as arguments."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

from bot.config import Settings, StartupError
from bot.connection import build_requests, describe_startup_error
from bot.context import SERVICES_KEY, Services, utc_now
from bot.handlers import admin, events, lessons, profile, quiz
from bot.handlers.menu import register_commands
from bot.logs import redact
from bot.render import Renderer
from bot.services.content import ContentStore
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

PTBApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    *,
    repo: Repository,
    content: ContentStore,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    clock: Callable[[], datetime] = utc_now,
    rng_factory: Callable[[], random.Random] = random.Random,
    token: str | None = None,
    schedule_jobs: bool = False,
) -> PTBApplication:
    """The bot, ready for ``async with app``. Tests pass a fake ``request`` and no limiter."""
    builder = (
        ApplicationBuilder()
        .token(token or settings.token or "")
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.timezone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(False)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app: PTBApplication = builder.build()
    app.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        repo=repo,
        content=content,
        render=Renderer(settings.templates_dir, settings.default_language),
        clock=clock,
        rng_factory=rng_factory,
    )
    admin.register(app)
    quiz.register(app)
    profile.register(app)
    events.register(app)
    lessons.register(app)
    if schedule_jobs:  # off in handler tests: they drive the delivery service directly
        lessons.schedule(app)
    profile.register_fallbacks(app)  # last: it answers any button nobody else claimed
    app.add_error_handler(_on_error)
    return app


ERROR_REPORT_EVERY = timedelta(minutes=10)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every unhandled error, and tell the operators, without anyone's private content.

    One report per kind of error every ten minutes, so a failing dependency cannot flood the
    operators' chats.
    """
    kind = type(update).__name__
    if isinstance(update, Update):
        kind = f"update {update.update_id}"
    log.error("error while handling %s", kind, exc_info=context.error)
    svc = context.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services) or not svc.settings.owner_ids or context.error is None:
        return
    error = type(context.error).__name__
    now = svc.clock()
    reported: dict[str, datetime] = svc.extras.setdefault("error_reports", {})
    if error in reported and now - reported[error] < ERROR_REPORT_EVERY:
        return
    reported[error] = now
    text = svc.render(
        svc.settings.default_language,
        "error_report",
        error=error,
        detail=redact(str(context.error))[:300],
        where=kind,
        time=now.astimezone(svc.settings.timezone).strftime("%Y-%m-%d %H:%M"),
    )
    for owner in sorted(svc.settings.owner_ids):
        try:
            await context.bot.send_message(owner, text)
        except TelegramError as exc:  # an operator who never started the bot, say
            log.warning("could not report the error to operator %s: %s", owner, exc)


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
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, content.reload)
        try:
            await app.initialize()
        except TelegramError as exc:
            raise _startup_error(exc, settings) from None
        try:
            await _start(app, settings)
            log.info("serving as @%s; press Ctrl+C to stop", app.bot.username)
            await stop.wait()
            log.info("stopping")
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
    finally:
        await repo.close()


async def _start(app: PTBApplication, settings: Settings) -> None:
    try:
        await app.start()
        svc = app.bot_data[SERVICES_KEY]
        await register_commands(app.bot, svc.render, settings.default_language)
        await events.resume_events(app)  # events running when the process stopped
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    except TelegramError as exc:
        raise _startup_error(exc, settings) from None


def _startup_error(exc: TelegramError, settings: Settings) -> BaseException:
    """One sentence for the operator; the original (whose text may hold the token) is dropped."""
    described = describe_startup_error(exc, settings)
    if described is None:
        return StartupError(f"the Bot API refused to start the bot ({type(exc).__name__})")
    return StartupError(described)
