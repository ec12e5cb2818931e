"""/metrics: every metric defined once, fed by two seams, and no person in any label."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot import instrument, metrics
from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.emulator.request import EmulatorRequest
from tests.operations.conftest import make_database

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghij"
USER = 4242424242
PRIVATE_TEXT = "我的银行卡密码是 981273"

# Every label name any exported metric may carry, with the values it may take.
LABELS: dict[str, Callable[[str], bool]] = {
    "type": lambda v: v in instrument.UPDATE_TYPES | {metrics.OTHER},
    "kind": lambda v: v in metrics.ANSWER_KINDS | {metrics.OTHER},
    "reason": lambda v: v in metrics.LESSON_FAILURES | {metrics.OTHER},
    "method": lambda v: re.fullmatch(r"[a-zA-Z]{1,40}", v) is not None,
    "version": lambda v: re.fullmatch(r"[0-9a-f]{1,64}|none", v) is not None,
    "le": lambda v: re.fullmatch(r"[0-9.e+-]+|\+Inf", v) is not None,
}


def value(name: str, **labels: str) -> float:
    found = metrics.REGISTRY.get_sample_value(name, labels)
    return 0.0 if found is None else found


def scrape() -> str:
    return generate_latest(metrics.REGISTRY).decode()


async def run_bot_once(emulator: BotApiEmulator, handler: Callable[..., Any]) -> None:
    """A real PTB application polling the emulator through the instrumented seams; returns
    when the handler has finished with one text message."""
    send = instrument.InstrumentedRequest(EmulatorRequest(emulator))
    updates = instrument.InstrumentedRequest(
        EmulatorRequest(emulator), clock=lambda: 1_800_000_000
    )
    done = asyncio.Event()

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await handler(update, context)
        finally:
            done.set()

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(send)
        .get_updates_request(updates)
        .concurrent_updates(instrument.InstrumentedUpdateProcessor())
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, handle))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        emulator.user_sends(USER, None, PRIVATE_TEXT)
        await asyncio.wait_for(done.wait(), 10)
        await app.updater.stop()
        await app.stop()  # waits for the update in hand: its time is observed by then
    assert updates.last_get_updates_ok == 1_800_000_000


async def test_updates_handler_time_and_429s_are_counted_without_the_person() -> None:
    emulator = BotApiEmulator(flood=FloodLimits(private_burst=3), token=TOKEN)
    emulator.add_user(USER, "王阿姨")
    refused: list[float] = []

    async def reply_too_fast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        for _ in range(5):
            try:
                await context.bot.send_message(update.effective_chat.id, "收到")
            except RetryAfter as exc:
                refused.append(1)
                del exc

    before_updates = value("quizbot_updates_total", type="message")
    before_timed = value("quizbot_handler_seconds_count", type="message")
    before_429 = value("quizbot_telegram_429_total", method="sendMessage")

    await run_bot_once(emulator, reply_too_fast)

    assert refused, "the emulator's flood limit should have refused a message"
    assert value("quizbot_updates_total", type="message") == before_updates + 1
    assert value("quizbot_handler_seconds_count", type="message") == before_timed + 1
    assert value("quizbot_telegram_429_total", method="sendMessage") == before_429 + len(refused)
    assert value("quizbot_get_updates_last_success_timestamp_seconds") == 1_800_000_000
    text = scrape()
    assert str(USER) not in text
    assert "981273" not in text
    assert "王阿姨" not in text
    assert TOKEN.split(":")[1] not in text


def test_helpers_map_anything_unexpected_to_other() -> None:
    before = value("quizbot_lessons_failed_total", reason="other")
    metrics.lesson_failed(f"blocked: Forbidden: bot was blocked by the user {USER}")
    metrics.lesson_failed("blocked")
    metrics.answer_stored(PRIVATE_TEXT)
    assert value("quizbot_lessons_failed_total", reason="other") == before + 1
    assert value("quizbot_answers_stored_total", kind="other") >= 1
    assert str(USER) not in scrape()
    assert "981273" not in scrape()
    assert instrument.update_type("not an update") == "other"


def test_every_label_of_every_metric_is_from_a_closed_set(tmp_path: Path) -> None:
    # feed every metric first, hostile values included, so every label shows up
    metrics.answer_stored("quiz")
    metrics.lesson_sent()
    metrics.lesson_failed("network")
    metrics.set_events_running(2)
    metrics.set_content_version("0123456789ab")
    metrics.track_database(make_database(tmp_path / "bot.sqlite3"))
    metrics.UPDATES.labels(instrument.update_type(object())).inc()
    metrics.HANDLER_SECONDS.labels("message").observe(0.01)
    metrics.TELEGRAM_429.labels("sendMessage").inc()

    seen: set[str] = set()
    for family in text_string_to_metric_families(scrape()):
        for sample in family.samples:
            for label, label_value in sample.labels.items():
                seen.add(label)
                if family.name == "python_info":  # the library's, fixed for the process
                    continue
                assert label in LABELS, f"{family.name} has an unexpected label {label!r}"
                assert LABELS[label](label_value), f"{family.name}{{{label}={label_value!r}}}"
    assert {"type", "kind", "reason", "method", "version", "le"} <= seen
    for forbidden in ("user", "chat", "id", "text", "name", "username"):
        assert forbidden not in seen


def test_every_metric_is_documented_and_named_quizbot() -> None:
    ours = [f for f in text_string_to_metric_families(scrape()) if f.name.startswith("quizbot")]
    names = {f.name for f in ours}
    assert {
        "quizbot_updates",
        "quizbot_handler_seconds",
        "quizbot_answers_stored",
        "quizbot_lessons_sent",
        "quizbot_lessons_failed",
        "quizbot_telegram_429",
        "quizbot_events_running",
        "quizbot_content_info",
        "quizbot_database_bytes",
        "quizbot_database_wal_bytes",
    } <= names
    assert all(f.documentation for f in ours)
    assert "_created" not in scrape()


def test_database_size_is_read_at_scrape_time(tmp_path: Path) -> None:
    database = make_database(tmp_path / "bot.sqlite3")
    metrics.track_database(database)
    assert value("quizbot_database_bytes") == database.stat().st_size
    with database.open("ab") as file:
        file.write(b"\0" * 4096)
    assert value("quizbot_database_bytes") == database.stat().st_size
    metrics.track_database(tmp_path / "gone.sqlite3")
    assert value("quizbot_database_bytes") == 0


@pytest.mark.parametrize("version", ["0123456789ab", ""])
def test_content_version_is_an_info_metric(version: str) -> None:
    metrics.set_content_version(version)
    assert value("quizbot_content_info", version=version or "none") == 1


def test_services_may_use_the_metrics_module_it_imports_no_telegram() -> None:
    """``bot/services`` must not import telegram, even through bot.metrics."""
    import ast

    from tests.test_cli import ROOT

    tree = ast.parse((ROOT / "bot" / "metrics.py").read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in {"telegram", "bot"}}
