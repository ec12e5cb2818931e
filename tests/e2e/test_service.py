"""`quizbot run` as a service: one bot per database, health and metrics, refusals in one sentence.

Each test runs real processes against the emulator over HTTP (long polling unless it says
otherwise).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.preview.runner import YOU
from bot.storage.lock import DatabaseLocked
from tests.e2e.conftest import PreviewFactory, has_text, newer, page_for
from tests.e2e.processes import (
    TOKEN,
    USER,
    Bot,
    bot_env,
    buttons,
    free_port,
    open_question,
    query,
    run_once,
    telegram_server,
    until,
)


def last_line(text: str) -> str:
    assert "Traceback" not in text, text
    assert TOKEN.split(":")[1] not in text
    return text.strip().splitlines()[-1]


async def test_a_second_bot_on_the_same_database_stops_with_one_sentence(tmp_path: Path) -> None:
    async with telegram_server() as (tg, server):
        first = await Bot.start(bot_env(server, tmp_path), cwd=tmp_path)
        try:
            await first.serving()
            code, err = await run_once(bot_env(server, tmp_path), cwd=tmp_path)
            database = tmp_path / "data" / "bot.sqlite3"
            assert code == 1, err
            assert last_line(err) == (
                "quizbot: database error: another quizbot is running on this database "
                f"(pid {first.proc.pid}): {database}"
            )
            assert len(tg.calls_to("getMe")) == 1  # the second never reached Telegram
            await open_question(tg, tg.nothing)  # the first still serves
        finally:
            assert await first.stop() == 0, first.text


async def test_restore_onto_a_running_bot_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async with telegram_server() as (tg, server):
        env = bot_env(server, tmp_path)
        bot = await Bot.start(env, cwd=tmp_path)
        try:
            await bot.serving()
            await open_question(tg, tg.nothing)
            backup = tmp_path / "backup.sqlite3"
            code, err = await run_once(env, "backup", str(backup), cwd=tmp_path)
            assert code == 0, err
            before = sorted(p.name for p in (tmp_path / "data").iterdir())
            code, err = await run_once(env, "restore", str(backup), cwd=tmp_path)
            assert code == 1
            assert last_line(err) == (
                "quizbot: restore: cannot restore while a quizbot is running on "
                f"'{tmp_path / 'data' / 'bot.sqlite3'}' (pid {bot.proc.pid}); stop it first "
                "(for example: systemctl stop quizbot) and run restore again"
            )
            assert sorted(p.name for p in (tmp_path / "data").iterdir()) == before
            tg.user_sends(USER, USER, "/help")
            await until(lambda: len(tg.from_bot(USER)) >= 3, "the bot still answering")
        finally:
            assert await bot.stop() == 0, bot.text


async def test_a_webhook_url_over_http_for_telegram_is_one_sentence(tmp_path: Path) -> None:
    env = bot_env(None, tmp_path, WEBHOOK_URL="http://bot.example.org/telegram/hook")
    code, err = await run_once(env, cwd=tmp_path)
    assert code == 2
    assert last_line(err) == (
        "quizbot: configuration error: WEBHOOK_URL='http://bot.example.org/telegram/hook' must "
        "start with https:// because Telegram delivers webhooks only over HTTPS (put a reverse "
        "proxy with a certificate in front, see deploy/)"
    )


async def test_a_webhook_port_in_use_is_one_sentence_and_telegram_is_not_told(
    tmp_path: Path,
) -> None:
    async with telegram_server() as (tg, server):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            env = bot_env(
                server,
                tmp_path,
                WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/hook",
                WEBHOOK_PORT=str(port),
            )
            code, err = await run_once(env, cwd=tmp_path)
    assert code == 1
    assert last_line(err) == (
        f"quizbot: cannot start: WEBHOOK_PORT={port} on 127.0.0.1 is already in use by another "
        "program; choose another port (and point the reverse proxy at it) or stop that program"
    )
    assert tg.webhook is None
    assert tg.calls_to("setWebhook") == []
    assert tg.calls_to("setMyCommands") == []


async def test_a_metrics_port_in_use_is_one_sentence(tmp_path: Path) -> None:
    async with telegram_server() as (tg, server):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            code, err = await run_once(
                bot_env(server, tmp_path, METRICS_PORT=str(port)), cwd=tmp_path
            )
    assert code == 1
    assert last_line(err) == (
        f"quizbot: cannot start: METRICS_PORT={port} on 127.0.0.1 is already in use by another "
        "program; choose another port or stop that program"
    )
    assert tg.calls_to("setMyCommands") == []


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_health_and_metrics_of_a_polling_bot(tmp_path: Path) -> None:
    port = free_port()
    async with telegram_server() as (tg, server):
        bot = await Bot.start(bot_env(server, tmp_path, METRICS_PORT=str(port)), cwd=tmp_path)
        try:
            await bot.serving()
            question = await open_question(tg, tg.nothing)
            tg.user_presses(USER, USER, question.message_id, buttons(question, "a:")[0])
            await until(lambda: tg.edited(USER, question.message_id), "the verdict")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    status, health = response.status, await response.json()
                async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                    page = await response.text()
        finally:
            assert await bot.stop() == 0, bot.text
    assert status == 200, health
    assert health["status"] == "ok"
    checks = health["checks"]
    assert checks["updates"]["detail"].startswith("getUpdates succeeded")
    assert checks["database"] == {"ok": True, "detail": "writable"}
    assert checks["content"]["detail"].startswith("version ")
    found = samples(page)
    assert found[("quizbot_updates_total", (("type", "message"),))] == 1
    assert found[("quizbot_updates_total", (("type", "callback_query"),))] == 2
    assert found[("quizbot_answers_stored_total", (("kind", "quiz"),))] == 1
    assert found[("quizbot_handler_seconds_count", (("type", "callback_query"),))] == 2
    version = checks["content"]["detail"].removeprefix("version ")
    assert found[("quizbot_content_info", (("version", version),))] == 1
    assert found[("quizbot_database_bytes", ())] > 0
    assert found[("quizbot_events_running", ())] == 0
    assert query(tmp_path / "data" / "bot.sqlite3", "SELECT count(*) FROM answers") == [(1,)]


async def test_a_second_preview_on_the_same_database_leaves_the_first_alone(
    make_preview: PreviewFactory,
) -> None:
    first = await make_preview()
    async with page_for(first) as page:
        await page.send(YOU, YOU, "/start")
        welcome = await page.bot_message(YOU, YOU, has_text("欢迎"), "the welcome")
    with pytest.raises(DatabaseLocked) as refused:
        await make_preview()  # a fresh preview would delete the database first
    assert str(refused.value) == (
        f"another quizbot is running on this database (pid {os.getpid()}): {first.database_path}"
    )
    assert first.repo is not None
    assert await first.repo.people.get_user(YOU) is not None
    async with page_for(first) as page:
        await page.send(YOU, YOU, "/help")
        await page.bot_message(YOU, YOU, newer(welcome["id"]), "the help")  # still serving
