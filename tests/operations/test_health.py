"""/healthz: the two "updates are flowing" rules, the database probe, the server itself."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from telegram import WebhookInfo

from bot import metrics
from bot.config import StartupError
from bot.health import (
    Check,
    CheckResult,
    WebhookMonitor,
    WebhookStatus,
    content_check,
    database_check,
    health_app,
    polling_check,
    polling_rule,
    start_health_server,
    webhook_rule,
    webhook_status,
)
from bot.instrument import InstrumentedRequest
from bot.storage.db import Database
from bot.storage.probe import PROBE_TABLE
from tests.operations.conftest import fill, make_database

NOW = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)
TEN = timedelta(seconds=10)
URL = "https://bot.example.org/telegram/hook"


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


# --------------------------------------------------------------------------- polling rule


@pytest.mark.parametrize(
    ("last", "started", "ok", "detail"),
    [
        (ago(3), ago(600), True, "getUpdates succeeded 3 s ago"),
        (ago(30), ago(600), True, "getUpdates succeeded 30 s ago"),  # 2 × 10 s + 10 s
        (ago(31), ago(600), False, "getUpdates last succeeded 31 s ago (limit 30 s)"),
        (None, ago(20), True, "polling started, waiting for the first getUpdates"),
        (None, ago(45), False, "no getUpdates has succeeded in the 45 s since start"),
    ],
)
def test_polling_rule(last: datetime | None, started: datetime, ok: bool, detail: str) -> None:
    assert polling_rule(last, NOW, TEN, started) == CheckResult(ok, detail)


def test_polling_rule_scales_with_the_timeout() -> None:
    assert polling_rule(ago(65), NOW, timedelta(seconds=30), ago(600)).ok  # limit 70 s
    assert not polling_rule(ago(71), NOW, timedelta(seconds=30), ago(600)).ok


# --------------------------------------------------------------------------- webhook rule


def status(pending: int = 0, error_ago: float | None = None, url: str = URL) -> WebhookStatus:
    return WebhookStatus(
        url=url,
        pending_update_count=pending,
        last_error_date=None if error_ago is None else ago(error_ago),
        last_error_message=None if error_ago is None else "Wrong response from the webhook: 502",
    )


@pytest.mark.parametrize(
    ("state", "checked", "ok", "detail"),
    [
        (status(), ago(30), True, "0 pending, no delivery error in the last 5 minutes"),
        (status(99), ago(30), True, "99 pending, no delivery error in the last 5 minutes"),
        (status(100), ago(30), False, "100 updates are waiting at Telegram"),
        (
            status(error_ago=299),
            ago(30),
            False,
            "Telegram could not deliver 299 s ago: Wrong response from the webhook: 502",
        ),
        (
            status(error_ago=301),
            ago(30),
            True,
            "0 pending, no delivery error in the last 5 minutes",
        ),
        (status(), ago(181), False, "getWebhookInfo last answered 181 s ago"),
        (None, None, False, "getWebhookInfo has not answered yet"),
        (status(url=""), ago(30), False, "Telegram has no webhook registered for this bot"),
        (
            status(url="https://elsewhere.example/x"),
            ago(30),
            False,
            "Telegram has another URL registered for this bot",
        ),
    ],
)
def test_webhook_rule(
    state: WebhookStatus | None, checked: datetime | None, ok: bool, detail: str
) -> None:
    assert webhook_rule(state, checked, NOW, URL) == CheckResult(ok, detail)


async def test_webhook_monitor_keeps_the_last_answer_until_it_goes_stale() -> None:
    now = [NOW]
    answers: list[Any] = [status(3), RuntimeError("network down")]

    async def get_status() -> WebhookStatus:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monitor = WebhookMonitor(get_status, expected_url=URL, clock=lambda: now[0])
    assert not (await monitor.check()).ok
    await monitor.refresh()
    assert await monitor.check() == CheckResult(
        True, "3 pending, no delivery error in the last 5 minutes"
    )
    assert metrics.REGISTRY.get_sample_value("quizbot_webhook_pending_updates") == 3
    now[0] += timedelta(minutes=1)
    await monitor.refresh()  # fails: the previous answer stays
    assert (await monitor.check()).ok
    now[0] += timedelta(minutes=3)
    assert await monitor.check() == CheckResult(False, "getWebhookInfo last answered 240 s ago")


def test_webhook_status_from_python_telegram_bots_webhook_info() -> None:
    info = WebhookInfo(
        url=URL,
        has_custom_certificate=False,
        pending_update_count=7,
        last_error_date=ago(60),
        last_error_message="Connection refused",
    )
    assert webhook_status(info) == WebhookStatus(URL, 7, ago(60), "Connection refused")


# --------------------------------------------------------------------------- the server


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(make_database(tmp_path / "data" / "quizbot.sqlite3"))
    try:
        yield database
    finally:
        await database.close()


class Polling:
    """A getUpdates request that last succeeded at a chosen moment."""

    def __init__(self, seconds_ago: float) -> None:
        inner: Any = None
        self.request = InstrumentedRequest(inner)
        self.request.last_get_updates_ok = ago(seconds_ago).timestamp()


def checks(db: Database, path: Path, **extra: Check) -> dict[str, Check]:
    return {
        "updates": polling_check(Polling(2).request, TEN, clock=lambda: NOW),
        "database": database_check(db, path, free=lambda _: 10**9),
        "content": content_check(lambda: "0123456789ab"),
        **extra,
    }


async def get(app: Any, path: str) -> tuple[int, Any]:
    async with TestClient(TestServer(app)) as client:
        response = await client.get(path)
        if path == "/healthz":
            return response.status, await response.json()
        return response.status, (response.headers["Content-Type"], await response.text())


async def test_healthy_bot_answers_200_with_every_check(db: Database, tmp_path: Path) -> None:
    code, body = await get(health_app(checks(db, tmp_path)), "/healthz")
    assert code == 200
    assert body["status"] == "ok"
    assert body["checks"] == {
        "updates": {"ok": True, "detail": "getUpdates succeeded 2 s ago"},
        "database": {"ok": True, "detail": "writable"},
        "content": {"ok": True, "detail": "version 0123456789ab"},
    }
    assert "reason" not in body
    assert await db.all("SELECT name FROM sqlite_schema WHERE name = ?", (PROBE_TABLE,)) == []


async def test_database_that_cannot_grow_answers_503(db: Database, tmp_path: Path) -> None:
    (pages,) = (await db.all("PRAGMA page_count"))[0]
    await db.conn.execute(f"PRAGMA max_page_count = {pages}")  # as good as a full disk

    code, body = await get(health_app(checks(db, tmp_path)), "/healthz")

    assert code == 503
    assert body["status"] == "failing"
    assert body["reason"] == (
        "database: the database cannot be written (database or disk is full)"
    )
    assert body["checks"]["updates"]["ok"]
    assert body["checks"]["content"]["ok"]


async def write_a_lot(database: Database) -> None:
    async with database.transaction():
        await database.conn.execute("CREATE TABLE big (b)")
        await database.conn.execute("INSERT INTO big VALUES (zeroblob(4000000))")


async def test_database_on_a_full_disk_answers_503(
    tmp_path: Path, small_fs: Callable[..., Path]
) -> None:
    folder = small_fs("2m")
    database = await Database.open(make_database(folder / "quizbot.sqlite3"))
    try:
        check = database_check(database, folder / "quizbot.sqlite3", min_free=64 * 1024)
        assert await check() == CheckResult(True, "writable")
        fill(folder)
        result = await check()
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            await write_a_lot(database)  # what the bot's next write would meet
    finally:
        await database.close()
    assert result == CheckResult(False, "only 0 KiB free on the disk that holds the database")


async def test_every_failing_check_is_named_in_the_reason(db: Database, tmp_path: Path) -> None:
    async def hangs() -> CheckResult:
        await asyncio.sleep(60)
        raise AssertionError("unreachable")

    async def crashes() -> CheckResult:
        raise RuntimeError("boom")

    app = health_app(
        {
            **checks(db, tmp_path),
            "content": content_check(lambda: ""),
            "updates": polling_check(Polling(45).request, TEN, clock=lambda: NOW),
            "slow": hangs,
            "broken": crashes,
        },
        timeout=0.2,
    )
    code, body = await get(app, "/healthz")
    assert code == 503
    assert body["reason"] == (
        "updates: getUpdates last succeeded 45 s ago (limit 30 s); "
        "content: no content is loaded; "
        "slow: the check did not answer within 0.2 s; "
        "broken: the check failed (RuntimeError)"
    )


async def test_metrics_page_is_prometheus_text(db: Database, tmp_path: Path) -> None:
    metrics.track_database(tmp_path / "data" / "quizbot.sqlite3")
    code, (content_type, text) = await get(health_app(checks(db, tmp_path)), "/metrics")
    assert code == 200
    assert content_type.startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"quizbot_database_bytes", "quizbot_updates", "process_resident_memory_bytes"} <= names


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_server_listens_where_configured_and_stops(db: Database, tmp_path: Path) -> None:
    port = free_port()
    runner = await start_health_server("127.0.0.1", port, checks(db, tmp_path))
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
    finally:
        await runner.cleanup()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # released


async def test_a_port_in_use_is_one_sentence(db: Database, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError) as caught:
            await start_health_server("127.0.0.1", port, checks(db, tmp_path))
    assert str(caught.value) == (
        f"METRICS_PORT={port} on 127.0.0.1 is already in use by another program; choose "
        "another port or stop that program"
    )
