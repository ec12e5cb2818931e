"""`quizbot` as operators run it: real processes against the emulator over HTTP.

``Telegram`` is the emulator with two powers a test needs: holding a Bot API method (so a
signal can arrive while the bot is in the middle of an update) and, in webhook mode,
delivering queued updates to the webhook that ``setWebhook`` registered, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp

from bot.emulator.core import BotApiEmulator, BotApiError, StoredMessage, UploadedFile
from bot.emulator.server import EmulatorServer
from tests.harness import ROOT

TOKEN = "123456789:AAFakeTokenForE2eTestsOnly_abcdefgh"
USER = 42
WAIT = 20.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def until(done: Callable[[], object], what: str, seconds: float = WAIT) -> Any:
    """Poll ``done`` every 50 ms until it returns something truthy."""
    for _ in range(int(seconds / 0.05)):
        found = done()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Hold:
    """Keeps calls to one method waiting until released (or dropped: the caller went away)."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self._released = asyncio.Event()
        self._drop = False

    async def wait(self) -> None:
        self.reached.set()
        await self._released.wait()
        if self._drop:
            raise BotApiError(400, "Bad Request: the request was abandoned")

    def release(self, *, drop: bool = False) -> None:
        self._drop = drop
        self._released.set()


class Telegram(BotApiEmulator):
    """The emulator, able to hold a method and to deliver updates to a webhook."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(token=TOKEN, **kwargs)
        self.holds: dict[str, Hold] = {}

    def hold(self, method: str) -> Hold:
        self.holds[method] = Hold()
        return self.holds[method]

    def unhold(self, method: str, *, drop: bool = False) -> None:
        self.holds.pop(method).release(drop=drop)

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> Any:
        hold = self.holds.get(method)
        if hold is not None:
            await hold.wait()
        return await super().call(method, params, files)

    async def deliver(self, *, secret: str | None = None) -> list[int]:
        """POST every queued update to the registered webhook, as Telegram does; an update
        answered 200 is gone, any other answer leaves it queued. Returns the statuses.

        ``secret`` overrides the registered secret token ("" sends no header)."""
        assert self.webhook is not None, "no webhook is registered"
        token = self.webhook.secret_token if secret is None else secret
        headers = {"Content-Type": "application/json"}
        if token:
            headers[SECRET_HEADER] = token
        statuses = []
        async with aiohttp.ClientSession() as http:
            for update in self.pending_updates():
                async with http.post(
                    self.webhook.url, data=json.dumps(update), headers=headers
                ) as response:
                    statuses.append(response.status)
                if response.status == 200:
                    sent = update["update_id"]
                    self._updates = [u for u in self._updates if u["update_id"] != sent]
        return statuses

    async def nothing(self) -> None:
        """Long polling: the bot fetches updates itself."""

    def from_bot(self, chat: int) -> list[StoredMessage]:
        return [m for m in self.messages(chat) if m.from_id == self.bot.id]

    def edited(self, chat: int, message_id: int) -> bool:
        """Whether the bot has edited that message since it was sent."""
        return any(m.message_id == message_id and m.edit_date for m in self.messages(chat))

    def with_button(self, chat: int, prefix: str) -> StoredMessage | None:
        """The bot's newest message in ``chat`` with a button whose data starts with ``prefix``."""
        for message in reversed(self.from_bot(chat)):
            for row in message.inline_keyboard:
                if any(str(b.get("callback_data", "")).startswith(prefix) for b in row):
                    return message
        return None


Deliver = Callable[[], Awaitable[object]]


def buttons(message: StoredMessage, prefix: str) -> list[str]:
    return [
        str(b["callback_data"])
        for row in message.inline_keyboard
        for b in row
        if str(b.get("callback_data", "")).startswith(prefix)
    ]


async def open_question(tg: Telegram, deliver: Deliver, user: int = USER) -> StoredMessage:
    """/start, then the cards bank (single-choice and true/false questions: one tap answers):
    the first question's message with its answer buttons."""
    tg.user_sends(user, user, "/start")
    await deliver()
    menu = await until(lambda: tg.with_button(user, "b:"), "the bank menu")
    assert "b:cards" in buttons(menu, "b:")
    tg.user_presses(user, user, menu.message_id, "b:cards")
    await deliver()
    found: StoredMessage = await until(lambda: tg.with_button(user, "a:"), "the first question")
    return found


def content_folders(tmp_path: Path) -> tuple[Path, Path]:
    quizzes = tmp_path / "quizzes"
    if not quizzes.exists():
        shutil.copytree(ROOT / "tests" / "data" / "quizzes", quizzes)
    content = tmp_path / "content"  # the real templates, no lessons
    if not content.exists():
        (content / "lessons").mkdir(parents=True)
        (content / "templates").symlink_to(ROOT / "content" / "templates")
    return quizzes, content


def bot_env(
    server: EmulatorServer | str | None,
    tmp_path: Path,
    *,
    shipped: bool = False,
    bypass_proxies: bool = True,
    **extra: str,
) -> dict[str, str]:
    """The environment of a `quizbot` child: this test's Bot API (a server or a base URL),
    the test banks (or, with ``shipped``, the repo's own content), DEBUG logs, and no proxy
    or Telegram setting inherited from the machine; ``bypass_proxies=False`` lets a test set
    its own proxy."""
    if shipped:
        quizzes, content = ROOT / "quizzes", ROOT / "content"
    else:
        quizzes, content = content_folders(tmp_path)
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "WEBHOOK_", "METRICS_")) and "PROXY" not in k.upper()
        },
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        "QUIZZES_DIR": str(quizzes),
        "CONTENT_DIR": str(content),
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
    }
    if bypass_proxies:
        env["NO_PROXY"] = "*"
    if isinstance(server, EmulatorServer):
        env["TELEGRAM_BASE_URL"] = server.api_base_url
    elif server is not None:
        env["TELEGRAM_BASE_URL"] = server
    env.update(extra)
    return env


class Bot:
    """A `quizbot` child whose stderr is collected as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.log: list[str] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(
        cls, env: dict[str, str], *args: str, cwd: Path, stdout_too: bool = False
    ) -> Bot:
        """``quizbot run`` (or ``args``); ``stdout_too`` collects standard output in the log."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *(args or ("run",)),
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if stdout_too else asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.STDOUT if stdout_too else asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def _read(self) -> None:
        stream = self.proc.stderr or self.proc.stdout
        assert stream is not None
        async for line in stream:
            self.log.append(line.decode(errors="replace"))

    @property
    def text(self) -> str:
        return "".join(self.log)

    async def wait_for_log(self, text: str) -> None:
        def seen() -> bool:
            if self.proc.returncode is not None:
                raise AssertionError(f"the bot exited ({self.proc.returncode}):\n{self.text}")
            return any(text in line for line in self.log)

        await until(seen, f"the log line {text!r}")

    async def serving(self) -> Bot:
        await self.wait_for_log("serving as @quiz315_bot")
        return self

    async def exit_code(self, seconds: float = WAIT) -> int:
        code = await asyncio.wait_for(self.proc.wait(), seconds)
        await self._reader
        return code

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signum)
        return await self.exit_code()


async def run_once(
    env: dict[str, str], *args: str, cwd: Path, seconds: float = WAIT, stdout_too: bool = False
) -> tuple[int, str]:
    """A `quizbot` command to its end: exit status and stderr (and stdout with ``stdout_too``)."""
    bot = await Bot.start(env, *args, cwd=cwd, stdout_too=stdout_too)
    try:
        return await bot.exit_code(seconds), bot.text
    finally:
        if bot.proc.returncode is None:
            bot.proc.kill()
            await bot.proc.wait()


def query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the bot's database from outside (closed again at once, so the bot stays the last
    connection and removes its WAL file when it closes)."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@contextlib.asynccontextmanager
async def telegram_server() -> AsyncIterator[tuple[Telegram, EmulatorServer]]:
    """The emulator on a free port, with one person who has started the bot."""
    tg = Telegram()
    tg.add_user(USER, "测试用户")
    server = EmulatorServer(tg, port=0)
    await server.start()
    try:
        yield tg, server
    finally:
        for method in list(tg.holds):
            tg.unhold(method, drop=True)
        await server.stop()
