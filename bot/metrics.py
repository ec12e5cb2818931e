"""Every metric the bot exports, defined once (``prometheus-client``), and where they are fed.

No label ever carries a user id, a chat id or a person's text: each label's values come from a
closed set in this module (update types, answer kinds, failure reasons) or from code (Bot API
method names), and anything else becomes ``other``. ``tests/test_metrics.py`` enumerates every
metric and its labels.

Two seams do most of the counting without touching handlers:

- ``InstrumentedUpdateProcessor`` (``ApplicationBuilder.concurrent_updates(...)``): counts each
  update by type and times its handling;
- ``InstrumentedRequest`` wraps a ``BaseRequest`` (both of them): counts the 429s Telegram
  answers and records when ``getUpdates`` last succeeded (the polling health check).

The rest are one-line calls where the event happens (see each helper's docstring).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from telegram import Update
from telegram.ext import SimpleUpdateProcessor
from telegram.request import BaseRequest, RequestData

disable_created_metrics()  # no *_created series: they double the output and nobody graphs them
REGISTRY = CollectorRegistry()
"""Ours alone (not the library's global one): tests and the preview can read it whole."""
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files of this process
PlatformCollector(registry=REGISTRY)  # the Python version

UPDATE_TYPES = frozenset(str(t) for t in Update.ALL_TYPES)
ANSWER_KINDS = frozenset({"quiz", "event", "lesson_check"})
LESSON_FAILURES = frozenset(
    {"blocked", "removed", "migrated", "chat_not_found", "rejected", "network", "rate_limited"}
)
"""The ``reason`` categories of ``bot.services.lessons.SendError`` (never its detail)."""
OTHER = "other"
_METHOD = re.compile(r"[a-zA-Z]{1,40}")

UPDATES = Counter(
    "quizbot_updates", "Updates received from Telegram, by type.", ["type"], registry=REGISTRY
)
HANDLER_SECONDS = Histogram(
    "quizbot_handler_seconds",
    "Time spent handling one update (all its handlers), by update type.",
    ["type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
ANSWERS_STORED = Counter(
    "quizbot_answers_stored",
    "Answers written to the database: quiz (private), event (group poll), lesson_check.",
    ["kind"],
    registry=REGISTRY,
)
LESSONS_SENT = Counter("quizbot_lessons_sent", "Daily lessons delivered.", registry=REGISTRY)
LESSONS_FAILED = Counter(
    "quizbot_lessons_failed",
    "Daily lessons that could not be delivered, by reason.",
    ["reason"],
    registry=REGISTRY,
)
TELEGRAM_429 = Counter(
    "quizbot_telegram_429",
    "Flood-control answers (429 Too Many Requests) from the Bot API, by method.",
    ["method"],
    registry=REGISTRY,
)
EVENTS_RUNNING = Gauge(
    "quizbot_events_running", "Group quiz events in the lobby or running.", registry=REGISTRY
)
CONTENT = Info("quizbot_content", "The content version in use.", registry=REGISTRY)
LAST_GET_UPDATES = Gauge(
    "quizbot_get_updates_last_success_timestamp_seconds",
    "When getUpdates last succeeded (long polling), as a Unix time.",
    registry=REGISTRY,
)
WEBHOOK_PENDING = Gauge(
    "quizbot_webhook_pending_updates",
    "Updates waiting at Telegram for the webhook, from the last getWebhookInfo.",
    registry=REGISTRY,
)

# Zeros from the start, so rates and alerts work before the first event of each kind.
for _kind in sorted(ANSWER_KINDS):
    ANSWERS_STORED.labels(_kind)
for _reason in sorted(LESSON_FAILURES):
    LESSONS_FAILED.labels(_reason)


# --------------------------------------------------------------------------- helpers


def _known(value: str, allowed: Iterable[str]) -> str:
    return value if value in allowed else OTHER


def update_type(update: object) -> str:
    """``message``, ``callback_query``, ``poll_answer`` …: the one field an update carries."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, str(kind), None) is not None:
                return str(kind)
    return OTHER


def answer_stored(kind: str) -> None:
    """After the answer's transaction committed (quiz, event poll answer, lesson check)."""
    ANSWERS_STORED.labels(_known(kind, ANSWER_KINDS)).inc()


def lesson_sent() -> None:
    """After a lesson's delivery row is marked ``sent``."""
    LESSONS_SENT.inc()


def lesson_failed(reason: str) -> None:
    """With ``SendError.reason`` when a delivery is marked failed (never the detail text)."""
    LESSONS_FAILED.labels(_known(reason, LESSON_FAILURES)).inc()


def set_events_running(count: int) -> None:
    """After an event opens or ends, and at start after resuming events."""
    EVENTS_RUNNING.set(count)


def set_content_version(version: str) -> None:
    """After content is (re)loaded: the catalog's version."""
    CONTENT.info({"version": version or "none"})


def track_database(path: Path | None) -> None:
    """Report the size of this database file (and its WAL) at every scrape."""
    _DATABASE_SIZE.path = path


_DATABASE_FILES = (
    ("quizbot_database_bytes", "", "Size of the SQLite database file."),
    ("quizbot_database_wal_bytes", "-wal", "Size of its write-ahead log."),
)


class _DatabaseSize(Collector):
    """Read at scrape time, so the number is never stale and costs nothing between scrapes."""

    def __init__(self) -> None:
        self.path: Path | None = None

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(name, text) for name, _, text in _DATABASE_FILES]

    def collect(self) -> list[Metric]:
        families: list[Metric] = []
        for name, suffix, text in _DATABASE_FILES:
            family = GaugeMetricFamily(name, text)
            if self.path is not None:
                try:
                    size = self.path.with_name(self.path.name + suffix).stat().st_size
                except OSError:
                    size = 0
                family.add_metric([], size)
            families.append(family)
        return families


_DATABASE_SIZE = _DatabaseSize()
REGISTRY.register(_DATABASE_SIZE)


# --------------------------------------------------------------------------- seams


class InstrumentedUpdateProcessor(SimpleUpdateProcessor):
    """One update at a time (as ``concurrent_updates(False)``), counted and timed by type."""

    def __init__(self, max_concurrent_updates: int = 1) -> None:
        super().__init__(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        kind = update_type(update)
        UPDATES.labels(kind).inc()
        with HANDLER_SECONDS.labels(kind).time():
            await coroutine


class InstrumentedRequest(BaseRequest):
    """Wraps the real request: 429s by method, and the time of the last good ``getUpdates``.

    Telegram's 429 reaches PTB as ``RetryAfter`` (the rate limiter may retry it quietly), so
    the network seam is the one place that sees every one of them.
    """

    def __init__(self, inner: BaseRequest, *, clock: Callable[[], float] = time.time) -> None:
        self.inner = inner
        self.clock = clock
        self.last_get_updates_ok: float | None = None  # Unix time

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, body = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        api_method = url.rsplit("/", 1)[-1]  # the part before it holds the token: never kept
        if code == 429:
            TELEGRAM_429.labels(api_method if _METHOD.fullmatch(api_method) else OTHER).inc()
        elif code == 200 and api_method == "getUpdates":
            self.last_get_updates_ok = self.clock()
            LAST_GET_UPDATES.set(self.last_get_updates_ok)
        return code, body
