"""`quizbot run` in webhook mode: a real process, the emulator as Telegram posting updates to it.

The emulator stands for a self-hosted Bot API server (so an http:// webhook on any port is
allowed); the test delivers queued updates to the registered webhook as Telegram would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.e2e.processes import (
    USER,
    Bot,
    bot_env,
    free_port,
    open_question,
    query,
    telegram_server,
    until,
)

PRIVATE = "我的银行卡密码是 981273"


async def test_only_updates_with_the_secret_reach_the_bot(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    database = tmp_path / "data" / "bot.sqlite3"
    async with telegram_server() as (tg, server):
        env = bot_env(
            server,
            tmp_path,
            WEBHOOK_URL=hook,
            WEBHOOK_PORT=str(port),
            METRICS_PORT=str(metrics_port),
        )
        bot = await Bot.start(env, cwd=tmp_path)
        try:
            await bot.serving()
            assert tg.webhook is not None
            assert tg.webhook.url == hook
            secret = tg.webhook.secret_token
            assert secret is not None
            assert len(secret) >= 32

            tg.user_sends(USER, USER, f"/start {PRIVATE}")
            assert await tg.deliver(secret="") == [403]  # no header
            assert await tg.deliver(secret="wrong-secret") == [403]
            await asyncio.sleep(0.5)  # time enough to answer, had anything reached the bot
            assert tg.from_bot(USER) == []
            assert query(database, "SELECT count(*) FROM users") == [(0,)]
            assert len(tg.pending_updates()) == 1  # Telegram keeps it for a later try

            assert await tg.deliver() == [200]
            await until(lambda: tg.with_button(USER, "b:"), "the bank menu")
            assert query(database, "SELECT count(*) FROM users") == [(1,)]
            await open_question(tg, tg.deliver)

            async def healthz() -> tuple[int, dict[str, object]]:
                async with aiohttp.ClientSession() as http:
                    url = f"http://127.0.0.1:{metrics_port}/healthz"
                    async with http.get(url) as response:
                        return response.status, await response.json()

            status, health = await healthz()  # getWebhookInfo was asked at the start
            assert status == 200, health
            assert health["checks"]["updates"] == {  # type: ignore[index]
                "ok": True,
                "detail": "0 pending, no delivery error in the last 5 minutes",
            }
            assert tg.calls_to("getWebhookInfo")
        finally:
            code = await bot.stop()
    log = bot.text
    assert code == 0, log
    assert tg.webhook is not None  # kept: Telegram holds updates until the next start
    assert "WEBHOOK_SECRET is not set: generated a random one for this run" in log
    assert secret not in log
    updater_lines = [line for line in bot.log if "telegram.ext.Updater" in line]
    assert not [line for line in updater_lines if PRIVATE in line]
