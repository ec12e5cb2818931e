"""Losing the Bot API while `quizbot run` serves, and getting it back (issue 16 item 3).

The emulator's HTTP server is stopped under a running bot and started again on the same port
with the same state: the outage is logged once (no traceback per retry), the bot recovers by
itself, the update a person sent meanwhile is answered after recovery, and the answer recorded
before the loss is still there.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.emulator.core import BotApiEmulator
from bot.emulator.server import EmulatorServer
from tests.e2e.processes import TOKEN, USER, until
from tests.e2e.test_run_process import start_bot


async def test_the_bot_recovers_by_itself_and_answers_what_came_meanwhile(
    tmp_path: Path,
) -> None:
    emulator = BotApiEmulator(token=TOKEN)
    emulator.add_user(USER, "测试用户")
    server = EmulatorServer(emulator, port=0)
    await server.start()
    port = server.port
    bot = await start_bot(server, tmp_path)
    try:
        # Before the loss: a quiz, and one answer recorded.
        emulator.user_sends(USER, USER, "/start cards")
        server.notify()
        await until(lambda: any(m.inline_keyboard for m in emulator.messages(USER)), "a question")
        question = emulator.last_message(USER)
        emulator.user_presses(
            USER, USER, question.message_id, question.inline_keyboard[0][0]["callback_data"]
        )
        server.notify()
        await until(lambda: "解析" in (emulator.last_message(USER).text or ""), "the answer")

        await server.stop()  # the network goes away
        await bot.wait_for_log("lost contact with the Bot API")
        emulator.user_sends(USER, USER, "/stats")  # Telegram keeps it meanwhile
        await asyncio.sleep(3)  # a few retries with backoff

        server = EmulatorServer(emulator, port=port)  # the network is back
        await server.start()
        await bot.wait_for_log("contact with the Bot API is back")
        await until(lambda: "我的学习进度" in (emulator.last_message(USER).text or ""), "/stats")
    finally:
        code = await bot.stop()
        await server.stop()
    log = "".join(bot.log)
    assert code == 0, log
    assert log.count("lost contact with the Bot API") == 1, log
    assert log.count("contact with the Bot API is back") == 1
    assert "Traceback" not in log
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1
