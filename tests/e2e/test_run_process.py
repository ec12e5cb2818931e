"""`quizbot run` as an operator runs it: a real process long-polling a Bot API over HTTP.

The emulator stands in for api.telegram.org; SIGHUP reloads the content, SIGTERM stops cleanly,
and the token never reaches the log.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.emulator.core import BotApiEmulator
from bot.emulator.server import EmulatorServer
from tests.harness import ROOT

TOKEN = "123456789:AAFakeTokenForE2eTestsOnly_abcdefgh"
USER = 42
WAIT = 20.0


async def until(done: Callable[[], bool], what: str) -> None:
    """Poll ``done`` every 50 ms, at most WAIT seconds."""
    for _ in range(int(WAIT / 0.05)):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Process:
    """A `quizbot run` child whose stderr log is collected as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.log: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.log.append(line.decode(errors="replace"))

    async def wait_for_log(self, text: str) -> None:
        def seen() -> bool:
            if self.proc.returncode is not None:
                raise AssertionError("".join(self.log))
            return any(text in line for line in self.log)

        await until(seen, f"the log line {text!r}")

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), WAIT)
        await self._reader
        return code


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


async def start_bot(server: EmulatorServer, tmp_path: Path) -> Process:
    quizzes = tmp_path / "quizzes"
    shutil.copytree(ROOT / "tests" / "data" / "quizzes", quizzes)
    content = tmp_path / "content"  # the real templates, no lessons
    (content / "lessons").mkdir(parents=True)
    (content / "templates").symlink_to(ROOT / "content" / "templates")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{server.url}/bot",
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "QUIZZES_DIR": str(quizzes),
        "CONTENT_DIR": str(content),
        "LOG_LEVEL": "DEBUG",
        "NO_PROXY": "*",
        "PYTHONPATH": str(ROOT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = Process(proc)
    await bot.wait_for_log("serving as @quiz315_bot")
    return bot


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
