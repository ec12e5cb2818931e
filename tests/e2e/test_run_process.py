"""`quizbot run` as an operator runs it: a real process long-polling a Bot API over HTTP.

The emulator stands in for api.telegram.org; SIGHUP reloads the content, SIGTERM stops cleanly,
and the token never reaches the log.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator.core import BotApiEmulator
from bot.emulator.server import EmulatorServer
from tests.e2e.processes import TOKEN, USER, Bot, bot_env, until


@pytest.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    emulator = BotApiEmulator(token=TOKEN)
    emulator.add_user(USER, "测试用户")
    running = EmulatorServer(emulator, port=0)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def start_bot(server: EmulatorServer, tmp_path: Path) -> Bot:
    """``quizbot run`` on the test banks, serving."""
    return await (await Bot.start(bot_env(server, tmp_path), cwd=tmp_path)).serving()


async def menu(server: EmulatorServer) -> list[str]:
    """Send /start and return the bank buttons of the bot's answer (one per row)."""
    emulator = server.emulator
    before = len(emulator.messages(USER))
    emulator.user_sends(USER, USER, "/start")
    server.notify()

    await until(lambda: len(emulator.messages(USER)) >= before + 2, "the bot's answer")
    rows = emulator.last_message(USER).inline_keyboard
    return [row[0]["text"] for row in rows if row[0].get("callback_data", "").startswith("b:")]


async def test_run_serves_reloads_on_sighup_and_stops(
    server: EmulatorServer, tmp_path: Path
) -> None:
    bot = await start_bot(server, tmp_path)
    try:
        assert await menu(server) == ["伪卡盗刷（测试）", "示例题库"]

        bank = tmp_path / "quizzes" / "cards.yaml"
        bank.write_text(
            bank.read_text(encoding="utf-8").replace("伪卡盗刷（测试）", "伪卡盗刷（新版）"),
            encoding="utf-8",
        )
        bot.proc.send_signal(signal.SIGHUP)
        await bot.wait_for_log("content loaded")
        assert await menu(server) == ["伪卡盗刷（新版）", "示例题库"]

        # A broken file is refused on SIGHUP; the bot keeps the content it had.
        bank.write_text("format: 1\nbank: [\n", encoding="utf-8")
        bot.proc.send_signal(signal.SIGHUP)
        await bot.wait_for_log("content refused")
        assert await menu(server) == ["伪卡盗刷（新版）", "示例题库"]
    finally:
        code = await bot.stop()
    log = "".join(bot.log)
    assert code == 0, log
    assert "cards.yaml:3:1: error: YAML syntax error" in log
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
