"""Every metric the bot exports, defined once (``prometheus-client``), and helpers to feed them.

No label ever carries a user id, a chat id or a person's text: each label's values come from a
closed set (update types, answer kinds, failure reasons) or from code (Bot API method names),
and anything else becomes ``other``. ``tests/operations/test_metrics.py`` enumerates every
metric and its labels.

No ``telegram`` import here, so services may call the helpers. The two Telegram-side seams that
feed updates, handler time, 429s and the last ``getUpdates`` live in ``bot/instrument.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

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

disable_created_metrics()  # no *_created series: they double the output and nobody graphs them
REGISTRY = CollectorRegistry()
"""Ours alone (not the library's global one): tests and the preview can read it whole."""
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files of this process
PlatformCollector(registry=REGISTRY)  # the Python version

ANSWER_KINDS = frozenset({"quiz", "event", "lesson_check"})
LESSON_FAILURES = frozenset(
    {
        "blocked",
        "removed",
        "migrated",
        "chat_not_found",
        "rejected",
        "network",
        "rate_limited",
        "content_removed",
        "inactive",
        "too_many_attempts",
    }
)
"""The ``reason`` categories of ``bot.services.lessons.SendError`` (never its detail), and the
service's own: the lesson left the content, the chat unsubscribed, attempts ran out."""
OTHER = "other"

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
    "quizbot_events_running",
    "Group quiz events under way (counting down, running or paused).",
    registry=REGISTRY,
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


def known(value: str, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``, else ``other``: label values stay a closed set."""
    return value if value in allowed else OTHER


def answer_stored(kind: str) -> None:
    """After the answer's transaction committed (quiz, event poll answer, lesson check)."""
    ANSWERS_STORED.labels(known(kind, ANSWER_KINDS)).inc()


def lesson_sent() -> None:
    """After a lesson's delivery row is marked ``sent``."""
    LESSONS_SENT.inc()


def lesson_failed(reason: str) -> None:
    """With ``SendError.reason`` when a delivery is marked failed (never the detail text)."""
    LESSONS_FAILED.labels(known(reason, LESSON_FAILURES)).inc()


def set_events_running(count: int) -> None:
    """After an event starts or ends, and at start after resuming events."""
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
