"""The start-up and shutdown sequence, shared by `quizbot run` and the local preview.

``start`` runs after ``app.initialize()`` (which checks the token with getMe): the webhook's
socket and the health server first (a port in use fails before Telegram is told anything),
then the application, the command menu, the group events that were running when the process
stopped, and updates (long polling, or the webhook with ``WEBHOOK_URL``). ``stop`` undoes it
in reverse order, handles every update already received, and is safe after a failed start.
``serve`` is production: the lock on the database, the database, the Bot API connection,
signals, and a start-up failure as one sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import health, metrics
from bot.app import PTBApplication, build_application, runtime
from bot.config import Settings, StartupError
from bot.connection import Outage, build_requests, describe_startup_error
from bot.context import SERVICES_KEY, Services
from bot.handlers import events
from bot.handlers.menu import register_commands
from bot.ratelimit import PriorityRateLimiter
from bot.services.content import ContentStore
from bot.storage.lock import acquire
from bot.storage.repository import Repository
from bot.webhook import bind_webhook, webhook_options

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
"""Seconds a getUpdates long poll waits for news."""


async def start(app: PTBApplication, *, poll_timeout: int = POLL_TIMEOUT) -> None:
    """Serve updates from an initialised application."""
    svc = app.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)
    settings = svc.settings
    sock = bind_webhook(settings) if settings.webhook else None
    try:
        monitor = await _start_health(app, svc, poll_timeout)
        await app.start()
        await register_commands(app.bot, svc.render, settings.default_language)
        resumed = await events.resume_events(app)  # events running when the process stopped
        metrics.set_events_running(len(resumed))
        assert app.updater is not None
        if sock is not None:
            await app.updater.start_webhook(**webhook_options(settings, sock))
            sock = None  # the webhook server owns it now
            log.info("webhook registered; serving it on %s", _where(settings))
        else:
            outage = Outage(settings)
            updates = runtime(app).updates
            if updates is not None:
                updates.on_get_updates_ok = outage.on_success
            await app.updater.start_polling(
                allowed_updates=Update.ALL_TYPES,
                timeout=poll_timeout,
                error_callback=outage.on_error,
            )
        if monitor is not None and app.job_queue is not None:
            await monitor.refresh()  # the first answer now (APScheduler cannot start at 0)
            app.job_queue.run_repeating(
                _refresh(monitor),
                interval=health.WEBHOOK_CHECK_EVERY,
                first=health.WEBHOOK_CHECK_EVERY,
                name="webhook health",
            )
    finally:
        if sock is not None:  # the start failed before the webhook server took it
            sock.close()


async def _start_health(
    app: PTBApplication, svc: Services, poll_timeout: int
) -> health.WebhookMonitor | None:
    """With METRICS_PORT: /healthz and /metrics; returns the webhook monitor to schedule."""
    settings = svc.settings
    metrics.track_database(settings.database_path)
    if settings.metrics_port is None:
        return None
    run = runtime(app)
    monitor: health.WebhookMonitor | None = None
    updates: health.Check
    if settings.webhook:
        bot = app.bot

        async def status() -> health.WebhookStatus:
            return health.webhook_status(await bot.get_webhook_info())

        monitor = health.WebhookMonitor(status, expected_url=settings.webhook_url)
        updates = monitor.check
    elif run.updates is not None:
        updates = health.polling_check(run.updates, timedelta(seconds=poll_timeout))
    else:
        updates = _unmeasured
    checks: dict[str, health.Check] = {
        "updates": updates,
        "database": health.database_check(svc.repo.db, settings.database_path),
        "content": health.content_check(lambda: svc.content.catalog.version),
    }
    server = await health.start_health_server(settings.metrics_host, settings.metrics_port, checks)
    run.exits.push_async_callback(server.cleanup)
    return monitor


async def _unmeasured() -> health.CheckResult:
    return health.CheckResult(False, "getUpdates is not measured (no request was given)")


def _refresh(monitor: health.WebhookMonitor) -> Any:
    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await monitor.refresh()

    return job


def _where(settings: Settings) -> str:
    return f"{settings.webhook_listen}:{settings.webhook_port}/{settings.webhook_path}"


async def stop(app: PTBApplication) -> None:
    """Stop taking updates, handle every one already received, then release the rest.

    In long polling the last ``getUpdates`` (which confirms the batch to Telegram) waits until
    the batch is handled; the webhook server stops accepting first. Then the queue is
    drained, jobs end (group events keep their deadlines in the database and are resumed at
    the next start), the health server closes and the connection is released.
    """
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await runtime(app).exits.aclose()
    await app.shutdown()


async def serve(settings: Settings, content: ContentStore) -> None:
    """Serve Telegram until SIGINT/SIGTERM; SIGHUP reloads the content.

    The database is locked for this process first (a second bot on it stops with one
    sentence), then opened and migrated. A failure to reach the Bot API or to listen raises
    ``StartupError`` with one sentence.
    """
    lock = acquire(settings.database_path)
    try:
        repo = await Repository.open(settings.database_path)
        try:
            await _serve(settings, content, repo)
        finally:
            await repo.close()
    finally:
        lock.release()


async def _serve(settings: Settings, content: ContentStore, repo: Repository) -> None:
    send, updates = build_requests(settings)
    app = build_application(
        settings,
        repo=repo,
        content=content,
        request=send,
        get_updates_request=updates,
        rate_limiter=PriorityRateLimiter(),
        schedule_jobs=True,
    )
    if settings.webhook_secret_generated:
        log.info("WEBHOOK_SECRET is not set: generated a random one for this run")
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
    except BaseException:
        await stop(app)
        raise
    try:
        mode = "a webhook" if settings.webhook else "long polling"
        log.info("serving as @%s by %s; press Ctrl+C to stop", app.bot.username, mode)
        await stopping.wait()
        log.info("stopping: handling the updates already received")
    finally:
        await stop(app)
        log.info("stopped")


def _startup_error(exc: TelegramError, settings: Settings) -> StartupError:
    """One sentence for the operator; the original (whose text may hold the token) is dropped."""
    described = describe_startup_error(exc, settings)
    if described is None:
        return StartupError(f"the Bot API refused to start the bot ({type(exc).__name__})")
    return StartupError(described)
