"""The exact webhook call phase 2 makes, served by python-telegram-bot's own server (tornado):
Telegram's secret header decides, and a request without it changes nothing."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import RequestData

from bot.config import load_settings
from bot.emulator.core import BotApiEmulator
from bot.emulator.request import EmulatorRequest
from bot.webhook import webhook_options

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghij"
SECRET = "right-secret_0123456789abcdefghijklmnop"


class RegisteringRequest(EmulatorRequest):
    """The emulator, plus ``setWebhook`` (which it does not serve): records what was set."""

    registered: dict[str, Any] | None = None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kw: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/setWebhook"):
            RegisteringRequest.registered = dict(request_data.parameters) if request_data else {}
            return 200, b'{"ok": true, "result": true}'
        return await super().do_request(url, method, request_data, *args, **kw)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def update(update_id: int, text: str) -> dict[str, Any]:
    user = {"id": 4242, "is_bot": False, "first_name": "王阿姨"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_773_561_600,
            "chat": {"id": 4242, "type": "private", "first_name": "王阿姨"},
            "from": user,
            "text": text,
        },
    }


async def test_only_requests_with_the_secret_reach_the_bot() -> None:
    port = free_port()
    settings = load_settings(
        {
            "WEBHOOK_URL": "https://bot.example.org/telegram/hook",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
        },
        env_file=None,
    )
    seen: list[str] = []
    handled = asyncio.Event()

    async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append(update.effective_message.text or "")
        handled.set()

    emulator = BotApiEmulator(token=TOKEN)
    app = ApplicationBuilder().token(TOKEN).request(RegisteringRequest(emulator)).build()
    app.add_handler(MessageHandler(filters.TEXT, remember))
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(**webhook_options(settings))
        try:
            async with aiohttp.ClientSession() as session:
                answers = []
                for headers, body in [
                    ({}, update(1, "no secret")),
                    ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, update(2, "wrong secret")),
                    ({"X-Telegram-Bot-Api-Secret-Token": SECRET}, update(3, "from Telegram")),
                ]:
                    async with session.post(
                        hook,
                        data=json.dumps(body),
                        headers={"Content-Type": "application/json", **headers},
                    ) as response:
                        answers.append(response.status)
            await asyncio.wait_for(handled.wait(), 10)
        finally:
            await app.updater.stop()
            await app.stop()
    assert answers == [403, 403, 200]
    assert seen == ["from Telegram"]
    assert RegisteringRequest.registered is not None
    assert RegisteringRequest.registered["url"] == "https://bot.example.org/telegram/hook"
    assert RegisteringRequest.registered["secret_token"] == SECRET
    assert RegisteringRequest.registered["max_connections"] == 40
