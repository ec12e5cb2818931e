"""What confirming a polled batch only once it is handled costs (``HandledBeforeConfirmed``).

python-telegram-bot fetches the next batch while the current one is handled; the gate makes it
wait, so that a killed bot gets its unhandled updates again. A stream of private messages
arrives faster than one handler can answer them; each answer is one sendMessage. Both runs
use the emulator in this process with the same simulated network delay on every Bot API call,
and report the time from a message's arrival until it was handled. Run:
python -m bench.polling_confirm
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bench.common import Row, print_table
from bot.connection import HandledBeforeConfirmed
from bot.emulator.core import BotApiEmulator
from bot.emulator.request import EmulatorRequest

os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdef"
MESSAGES = 300
BUSY = 0.004  # seconds between two arriving messages: 250 a second, more than one handler does
CALM = 0.040  # 25 a second: below what one handler does (about 50 a second here)
DELAY = 0.010  # each way of every Bot API call
USERS = 50


class Slow(EmulatorRequest):
    """The emulator behind a network with ``DELAY`` on each way."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *a: Any, **k: Any
    ) -> tuple[int, bytes]:
        await asyncio.sleep(DELAY)
        answer = await super().do_request(url, method, request_data, *a, **k)
        await asyncio.sleep(DELAY)
        return answer


async def one_run(gated: bool, every: float) -> list[float]:
    emulator = BotApiEmulator(token=TOKEN)
    for user in range(1, USERS + 1):
        emulator.add_user(user, f"用户{user}")
    arrived: dict[str, float] = {}
    waits: list[float] = []
    done = asyncio.Event()

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_chat is not None
        text = update.effective_message.text or ""
        await context.bot.send_message(update.effective_chat.id, "收到")
        waits.append(time.perf_counter() - arrived[text])
        if len(waits) == MESSAGES:
            done.set()

    updates: BaseRequest = Slow(emulator)
    gate = HandledBeforeConfirmed(updates) if gated else None
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(Slow(emulator))
        .get_updates_request(gate or updates)
        .build()
    )
    if gate is not None:
        gate.queue = app.update_queue
    app.add_handler(MessageHandler(filters.TEXT, answer))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        for n in range(MESSAGES):
            text = f"m{n}"
            arrived[text] = time.perf_counter()
            emulator.user_sends(1 + n % USERS, 1 + n % USERS, text)
            await asyncio.sleep(every)
        await asyncio.wait_for(done.wait(), 120)
        await app.updater.stop()
        await app.stop()
    return waits


def describe(waits: list[float]) -> str:
    ordered = sorted(waits)
    p99 = ordered[int(len(ordered) * 0.99)]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"


async def measure() -> list[Row]:
    rows = []
    for label, every in (("busy", BUSY), ("calm", CALM)):
        plain = await one_run(gated=False, every=every)
        gated = await one_run(gated=True, every=every)
        ratio = statistics.median(gated) / statistics.median(plain)
        name = f"polling confirm, {label}"
        setting = f"{MESSAGES} messages at {1 / every:.0f}/s, {DELAY * 1000:.0f} ms each way"
        rows += [
            Row(name, f"arrival to handled, PTB alone ({setting})", describe(plain)),
            Row(name, "arrival to handled, confirmed once handled", describe(gated)),
            Row(name, "median, confirmed once handled / PTB alone", f"{ratio:.2f}x"),
        ]
    return rows


if __name__ == "__main__":
    print_table(asyncio.run(measure()))
