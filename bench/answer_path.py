"""Answer path: callback-query answers in private quizzes, ours against a bare PTB app.

Both applications use the same canned Bot API (bench.common.CannedRequest); ours also has a
real SQLite file and the shipped question banks. Run: python -m bench.answer_path
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bench.common import BOT, CannedRequest, Row, latency_rows, print_table
from bot.app import build_application
from bot.config import Settings
from bot.services.content import ContentStore
from bot.storage.repository import Repository

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdef"
USERS = 2000


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "用户", "language_code": "zh-hans"}


def command(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": _user(user_id),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": text.find(" ") % 99}],
        },
    }


def press(update_id: int, user_id: int, message_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": _user(user_id),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": user_id, "type": "private"},
                "from": BOT,
                "text": "…",
            },
        },
    }


async def bare(users: int) -> list[float]:
    """A PTB application whose handler only answers the query and edits the message."""

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("ok")

    request = CannedRequest()
    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(CallbackQueryHandler(on_press))
    durations: list[float] = []
    async with app:
        for n in range(users):
            update = Update.de_json(press(n + 1, 10_000 + n, 5, "a:1:0:0"), app.bot)
            start = time.perf_counter()
            await app.process_update(update)
            durations.append(time.perf_counter() - start)
    return durations


async def ours(users: int, folder: Path) -> list[float]:
    settings = Settings(
        token=TOKEN,
        database_path=folder / "bench.sqlite3",
        quizzes_dir=ROOT / "quizzes",
        content_dir=ROOT / "content",
    )
    content = ContentStore([settings.quizzes_dir])
    assert content.reload().ok
    repo = await Repository.open(settings.database_path)
    request = CannedRequest()
    rng = random.Random(315)
    app = build_application(
        settings,
        repo=repo,
        content=content,
        request=request,
        get_updates_request=request,
        rng_factory=lambda: random.Random(rng.random()),
    )
    durations: list[float] = []
    try:
        async with app:
            presses = []
            for n in range(users):  # each person opens a quiz: not timed
                user_id = 10_000 + n
                await app.process_update(
                    Update.de_json(command(n + 1, user_id, "/start card_skimming"), app.bot)
                )
                session = await repo.open_session(user_id)
                assert session is not None
                assert session.message_id is not None
                presses.append(
                    press(users + n + 1, user_id, session.message_id, f"a:{session.id}:0:0")
                )
            for data in presses:
                update = Update.de_json(data, app.bot)
                start = time.perf_counter()
                await app.process_update(update)
                durations.append(time.perf_counter() - start)
            stored = sum([len(await repo.session_answers(n)) for n in range(1, users + 1)])
            assert stored == users, "every answer was stored"
    finally:
        await repo.close()
    return durations


async def measure(users: int = USERS) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        await bare(200)  # warm up imports and caches for both
        base = latency_rows("bare", await bare(users))
        mine = latency_rows("ours", await ours(users, Path(folder)))
    ratio = mine[0] / base[0]
    return [
        Row(
            "answer path",
            "bare PTB: answers/s, p50, p99",
            f"{base[0]:,.0f}/s, {base[1]:.2f} ms, {base[2]:.2f} ms",
        ),
        Row(
            "answer path",
            "ours: answers/s, p50, p99",
            f"{mine[0]:,.0f}/s, {mine[1]:.2f} ms, {mine[2]:.2f} ms",
        ),
        Row("answer path", "ratio ours/bare", f"{ratio:.2f}", "≥ 0.33"),
    ]


def main() -> None:
    print_table(asyncio.run(measure()))


if __name__ == "__main__":
    main()
