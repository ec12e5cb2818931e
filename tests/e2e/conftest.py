"""The real bot and the preview server over real HTTP on 127.0.0.1, driven like the web page."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.preview.runner import Preview, PreviewOptions
from tests.harness import ROOT

DATA = ROOT / "tests" / "data"
WAIT_SECONDS = 15.0
LESSONS = """\
format: 1
lessons:
  - id: demo-l01
    reviewed: 2026-11-27
    topic: telecom_fraud
    order: 1
    title:
      zh: 公安不会要你转账到“安全账户”
      en: Police never ask you to move money to a "safe account"
    body:
      zh: 自称公检法、要求把钱转到“安全账户”的电话，一定是诈骗。
      en: A caller claiming to be police who wants your money in a "safe account" is a scammer.
    takeaways:
      - zh: 没有“安全账户”。
        en: There is no "safe account".
    action:
      zh: 挂断电话，拨打110核实。
      en: Hang up and call 110 to check.
    check: ex-safe-account
    source:
      zh: 《中华人民共和国反电信网络诈骗法》
      en: Anti-Telecom and Online Fraud Law of the PRC
  - id: demo-l02
    reviewed: 2026-11-27
    topic: card_skimming
    order: 2
    title:
      zh: 保护好银行卡
      en: Guard your bank card
    body:
      zh: 输入密码时用手遮挡键盘。
      en: Cover the keypad when you type your PIN.
    takeaways:
      - zh: 遮挡密码。
        en: Cover your PIN.
    action:
      zh: 下次取款时试一试。
      en: Try it the next time you withdraw cash.
    source:
      zh: 中国人民银行提示
      en: People's Bank of China advice
"""


class Page:
    """What the web page does, over HTTP: read chats, send, press, vote, wait for changes."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url
        self.version = -1

    async def get(self, path: str) -> Any:
        async with self.session.get(self.url + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any], *, status: int = 200) -> Any:
        async with self.session.post(self.url + path, json=body) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def state(self) -> Any:
        return await self.get("/api/state")

    async def messages(self, chat: int, user: int) -> list[dict[str, Any]]:
        view = await self.get(f"/api/chats/{chat}?user={user}")
        return list(view["messages"])

    async def send(self, user: int, chat: int, text: str) -> None:
        await self.post("/api/send", {"user": user, "chat": chat, "text": text})

    async def press(self, user: int, chat: int, message: int, data: str) -> str:
        result = await self.post(
            "/api/press", {"user": user, "chat": chat, "message": message, "data": data}
        )
        return str(result["query_id"])

    async def vote(self, user: int, poll: str, options: list[int]) -> None:
        await self.post("/api/vote", {"user": user, "poll": poll, "options": options})

    async def until(
        self, probe: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS
    ) -> Any:
        """Re-run the async ``probe`` after each change until it returns something truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        last: Any = None
        while True:
            last = await probe()
            if last:
                return last
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            wait = await self.get(f"/api/wait?version={self.version}&timeout=1")
            self.version = wait["version"]

    async def bot_message(
        self,
        chat: int,
        user: int,
        match: Match,
        what: str,
        seconds: float = WAIT_SECONDS,
    ) -> dict[str, Any]:
        """The newest bot message in ``chat`` for which ``match`` holds (waiting for it)."""

        async def probe() -> dict[str, Any] | None:
            for message in reversed(await self.messages(chat, user)):
                if message["from"]["is_bot"] and match(message):
                    return message
            return None

        found: dict[str, Any] = await self.until(probe, what, seconds)
        return found


def button(message: dict[str, Any], label: str) -> str:
    """Callback data of the button whose label contains ``label``."""
    for row in message["keyboard"]:
        for item in row:
            if label in item["text"] and "callback_data" in item:
                return str(item["callback_data"])
    labels = [b["text"] for row in message["keyboard"] for b in row]
    raise LookupError(f"no button {label!r} in {labels}")


Match = Callable[[dict[str, Any]], bool]


def has_text(*parts: str) -> Match:
    return lambda m: all(p in (m.get("text") or m.get("caption") or "") for p in parts)


def edited(message_id: int, *parts: str) -> Match:
    """That message, once the bot has edited it (to contain ``parts``)."""
    return lambda m: m["id"] == message_id and m["edited"] and has_text(*parts)(m)


def newer(message_id: int, *parts: str) -> Match:
    """A message after that one, containing ``parts``."""
    return lambda m: m["id"] > message_id and has_text(*parts)(m)


@pytest.fixture
def content_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the fixture banks and two lessons on their topics, which a test may edit."""
    quizzes = tmp_path / "quizzes"
    shutil.copytree(DATA / "quizzes", quizzes)
    content = tmp_path / "content"
    (content / "lessons").mkdir(parents=True)
    (content / "lessons" / "demo.yaml").write_text(LESSONS, encoding="utf-8")
    (content / "templates").symlink_to(ROOT / "content" / "templates")
    return quizzes, content


PreviewFactory = Callable[..., Awaitable[Preview]]


@pytest.fixture
async def make_preview(
    tmp_path: Path, content_dirs: tuple[Path, Path]
) -> AsyncIterator[PreviewFactory]:
    """Starts a preview on a free port (settings may be overridden); all stop at teardown."""
    quizzes, content = content_dirs
    started: list[Preview] = []

    async def start(**overrides: Any) -> Preview:
        settings = Settings(
            token=None,
            database_path=tmp_path / "data" / "quizbot.sqlite3",
            quizzes_dir=quizzes,
            content_dir=content,
        )
        options = PreviewOptions(port=0, flood_limits=False, watch_interval=0.1, poll_tick=0.1)
        running = Preview(replace(settings, **overrides), options)
        started.append(running)
        await running.start()
        return running

    try:
        yield start
    finally:
        for running in reversed(started):
            await running.stop()


@pytest.fixture
async def preview(make_preview: PreviewFactory) -> Preview:
    return await make_preview()


@contextlib.asynccontextmanager
async def page_for(preview: Preview) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Page(session, preview.url)


@pytest.fixture
async def page(preview: Preview) -> AsyncIterator[Page]:
    async with page_for(preview) as client:
        yield client
