"""``/healthz`` and ``/metrics`` on ``METRICS_HOST:METRICS_PORT`` (aiohttp, off when unset).

``/healthz`` answers 200 with a short JSON when every check passes, 503 with the reasons
otherwise. The checks are injected (``name -> async callable``) so the start-up decides which
apply: ``updates`` (polling or webhook), ``database``, ``content``. The two rules for "updates
are flowing" are pure functions of their inputs and ``now``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bot import metrics
from bot.config import StartupError
from bot.instrument import InstrumentedRequest
from bot.storage.db import Database
from bot.storage.probe import MIN_FREE_BYTES, disk_problem, free_bytes, probe_writable

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 10.0
"""Seconds a check may take; the database probe waits up to busy_timeout (5 s) for the lock."""
WEBHOOK_ERROR_WINDOW = timedelta(minutes=5)
WEBHOOK_MAX_PENDING = 100
WEBHOOK_CHECK_EVERY = timedelta(minutes=1)
WEBHOOK_STALE = 3 * WEBHOOK_CHECK_EVERY
"""getWebhookInfo answers older than this no longer count (three missed checks)."""


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str  # a short phrase for the operator; never a person's data


Check = Callable[[], Awaitable[CheckResult]]


# --------------------------------------------------------------------------- pure rules


def polling_rule(
    last_success: datetime | None, now: datetime, timeout: timedelta, started: datetime
) -> CheckResult:
    """Polling is healthy when getUpdates last succeeded within 2 × its timeout + 10 s.

    A long poll returns at the latest after ``timeout``; twice that plus 10 s allows one slow
    or failed round. Before the first success, the same allowance runs from ``started``.
    """
    limit = 2 * timeout + timedelta(seconds=10)
    since = last_success or started
    age = now - since
    if age <= limit:
        if last_success is None:
            return CheckResult(True, "polling started, waiting for the first getUpdates")
        return CheckResult(True, f"getUpdates succeeded {_seconds(age)} ago")
    if last_success is None:
        return CheckResult(
            False, f"no getUpdates has succeeded in the {_seconds(age)} since start"
        )
    return CheckResult(
        False, f"getUpdates last succeeded {_seconds(age)} ago (limit {_seconds(limit)})"
    )


@dataclass(frozen=True)
class WebhookStatus:
    """What matters of Telegram's ``getWebhookInfo`` answer."""

    url: str
    pending_update_count: int
    last_error_date: datetime | None = None
    last_error_message: str | None = None  # Telegram's words about our endpoint, not a person's


def webhook_rule(
    status: WebhookStatus | None,
    checked_at: datetime | None,
    now: datetime,
    expected_url: str | None = None,
) -> CheckResult:
    """Healthy when getWebhookInfo (checked every minute) shows our URL, no delivery error in
    the last 5 minutes and fewer than 100 pending updates."""
    if status is None or checked_at is None:
        return CheckResult(False, "getWebhookInfo has not answered yet")
    if now - checked_at > WEBHOOK_STALE:
        return CheckResult(False, f"getWebhookInfo last answered {_seconds(now - checked_at)} ago")
    if expected_url is not None and status.url != expected_url:
        shown = "no webhook" if not status.url else "another URL"
        return CheckResult(False, f"Telegram has {shown} registered for this bot")
    if status.last_error_date is not None and now - status.last_error_date < WEBHOOK_ERROR_WINDOW:
        message = (status.last_error_message or "no detail")[:200]
        return CheckResult(
            False,
            f"Telegram could not deliver {_seconds(now - status.last_error_date)} ago: {message}",
        )
    if status.pending_update_count >= WEBHOOK_MAX_PENDING:
        return CheckResult(False, f"{status.pending_update_count} updates are waiting at Telegram")
    return CheckResult(
        True, f"{status.pending_update_count} pending, no delivery error in the last 5 minutes"
    )


def _seconds(delta: timedelta) -> str:
    return f"{int(delta.total_seconds())} s"


# --------------------------------------------------------------------------- checks


def utc_now() -> datetime:
    return datetime.now(UTC)


def polling_check(
    request: InstrumentedRequest,
    timeout: timedelta,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> Check:
    """The ``updates`` check for long polling; ``request`` is the getUpdates request."""
    started = clock()

    async def check() -> CheckResult:
        last = request.last_get_updates_ok
        when = datetime.fromtimestamp(last, UTC) if last is not None else None
        return polling_rule(when, clock(), timeout, started)

    return check


class WebhookMonitor:
    """Asks Telegram for the webhook's state every minute and judges the last answer.

    ``get_status`` is ``lambda: webhook_status(await bot.get_webhook_info())`` in the bot;
    phase 2 runs ``refresh`` from the JobQueue (``run_repeating(..., interval=60, first=0)``).
    """

    def __init__(
        self,
        get_status: Callable[[], Awaitable[WebhookStatus]],
        *,
        expected_url: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.get_status = get_status
        self.expected_url = expected_url
        self.clock = clock
        self.status: WebhookStatus | None = None
        self.checked_at: datetime | None = None

    async def refresh(self) -> None:
        """One getWebhookInfo; a failure keeps the previous answer (it goes stale by itself)."""
        try:
            status = await self.get_status()
        except Exception as exc:
            log.warning("getWebhookInfo failed: %s", type(exc).__name__)
            return
        self.status, self.checked_at = status, self.clock()
        metrics.WEBHOOK_PENDING.set(status.pending_update_count)

    async def check(self) -> CheckResult:
        return webhook_rule(self.status, self.checked_at, self.clock(), self.expected_url)


def webhook_status(info: Any) -> WebhookStatus:
    """From python-telegram-bot's ``WebhookInfo`` (its dates are aware datetimes)."""
    return WebhookStatus(
        url=info.url or "",
        pending_update_count=int(info.pending_update_count or 0),
        last_error_date=info.last_error_date,
        last_error_message=info.last_error_message,
    )


def database_check(
    db: Database,
    path: Path,
    *,
    free: Callable[[Path], int] = free_bytes,
    min_free: int = MIN_FREE_BYTES,
) -> Check:
    """``BEGIN IMMEDIATE`` + page allocation + ``ROLLBACK`` on the bot's connection, and room
    left on the disk (a rolled-back probe never reaches the disk, so a full one needs this)."""

    async def check() -> CheckResult:
        problem = await probe_writable(db)
        if problem is None:
            problem = disk_problem(free(path), min_free)
        return CheckResult(problem is None, problem or "writable")

    return check


def content_check(version: Callable[[], str]) -> Check:
    """``version`` reads the current catalog's version (``lambda: store.catalog.version``)."""

    async def check() -> CheckResult:
        current = version()
        if not current:
            return CheckResult(False, "no content is loaded")
        return CheckResult(True, f"version {current}")

    return check


# --------------------------------------------------------------------------- the server


async def run_checks(
    checks: Mapping[str, Check], limit: float = CHECK_TIMEOUT
) -> dict[str, CheckResult]:
    """Every check at once, each within ``limit`` seconds; a crash or a hang is a failure."""

    async def one(check: Check) -> CheckResult:
        try:
            return await asyncio.wait_for(check(), limit)
        except TimeoutError:
            return CheckResult(False, f"the check did not answer within {limit:g} s")
        except Exception as exc:
            log.exception("health check failed")
            return CheckResult(False, f"the check failed ({type(exc).__name__})")

    results = await asyncio.gather(*(one(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


def health_app(
    checks: Mapping[str, Check],
    *,
    registry: CollectorRegistry = metrics.REGISTRY,
    timeout: float = CHECK_TIMEOUT,
) -> web.Application:
    async def healthz(request: web.Request) -> web.Response:
        started = time.monotonic()
        results = await run_checks(checks, timeout)
        failing = [name for name, result in results.items() if not result.ok]
        body = {
            "status": "failing" if failing else "ok",
            "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
            "seconds": round(time.monotonic() - started, 3),
        }
        if failing:
            body["reason"] = "; ".join(f"{name}: {results[name].detail}" for name in failing)
        return web.json_response(body, status=503 if failing else 200)

    async def metrics_page(request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app


async def start_health_server(
    host: str,
    port: int,
    checks: Mapping[str, Check],
    *,
    registry: CollectorRegistry = metrics.REGISTRY,
) -> web.AppRunner:
    """Serve until ``await runner.cleanup()``; a port in use is one sentence (StartupError)."""
    runner = web.AppRunner(health_app(checks, registry=registry), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"METRICS_PORT={port} on {host} is already in use by another program; choose "
                "another port or stop that program"
            ) from None
        raise StartupError(
            f"cannot serve /metrics on {host}:{port} ({exc.strerror or exc}); check "
            "METRICS_HOST and METRICS_PORT"
        ) from None
    log.info("health and metrics on http://%s:%d/healthz and /metrics", host, port)
    return runner
