"""Answer path: callback-query answers in private quizzes, ours against a bare PTB app and a
minimal durable peer.

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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bench.common import BOT, CannedRequest, Row, latency_rows, print_table, shipped_settings
from bot.actions import Answer, Submit
from bot.app import build_application
from bot.domain.content import QuestionType
from bot.services.content import ContentStore
from bot.storage.db import connect
from bot.storage.repository import Repository

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


# What our answer edit looks like in size and shape: ~700 characters of HTML and one button.
LIKE_OURS = (
    "📘 伪卡盗刷与用卡安全 · 第 1/10 题\n▓░░░░░░░░░\n\n<b>家里老人还在用一张只有磁条的老银行卡，"
    "较稳妥的做法是？</b>\n\n"
    + "▫️ <b>A.</b> 继续用，磁条卡更方便\n"
    * 3
    + "✅ <b>D.</b> 陪老人到银行网点换成芯片卡 ← 你的选择\n\n<b>✅ 回答正确！+20 分</b>\n\n"
    "💡 <b>解析：</b>"
    + "磁条信息容易被读取和伪造，芯片卡更难复制。" * 4
    + "\n\n📚 <i>来源：中国人民银行：芯片磁条复合卡磁条交易自2017年5月1日起关闭</i>"
)


async def bare(users: int, *, like_ours: bool = False) -> list[float]:
    """A PTB application whose handler only answers the query and edits the message.

    ``like_ours`` edits in a message of our size with a button, so the ratio against it
    isolates our own work from PTB's cost of serialising a real message.
    """
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("下一题 ▶️", callback_data="n:1")]])

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        if like_ours:
            await query.edit_message_text(LIKE_OURS, parse_mode="HTML", reply_markup=markup)
        else:
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


PEER_SCHEMA = """
CREATE TABLE peer_quizzes (user_id INTEGER PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE peer_answers (
    user_id INTEGER NOT NULL, position INTEGER NOT NULL, option INTEGER NOT NULL,
    answered_at TEXT NOT NULL, PRIMARY KEY (user_id, position)
);
"""


async def peer(users: int, folder: Path) -> list[float]:
    """A minimal durable bot: read the person's quiz row, store the answer in one
    transaction, edit the message like ours. The same SQLite settings as ours."""
    conn = await connect(folder / "peer.sqlite3")  # our pragmas: WAL, synchronous=NORMAL
    await conn.executescript(PEER_SCHEMA)
    await conn.executemany(
        "INSERT INTO peer_quizzes VALUES (?, 0)", [(10_000 + n,) for n in range(users)]
    )
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("下一题 ▶️", callback_data="n:1")]])

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        assert query is not None
        assert user is not None
        rows = await conn.execute_fetchall(
            "SELECT position FROM peer_quizzes WHERE user_id = ?", (user.id,)
        )
        position = next(iter(rows))[0]
        await conn.execute(
            "INSERT INTO peer_answers VALUES (?, ?, ?, datetime('now'))", (user.id, position, 0)
        )
        await query.answer()
        await query.edit_message_text(LIKE_OURS, parse_mode="HTML", reply_markup=markup)

    request = CannedRequest()
    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    app.add_handler(CallbackQueryHandler(on_press))
    durations: list[float] = []
    try:
        async with app:
            for n in range(users):
                update = Update.de_json(press(n + 1, 10_000 + n, 5, "a:1:0:0"), app.bot)
                start = time.perf_counter()
                await app.process_update(update)
                durations.append(time.perf_counter() - start)
        rows = await conn.execute_fetchall("SELECT COUNT(*) FROM peer_answers")
        assert next(iter(rows))[0] == users, "every answer was stored"
    finally:
        await conn.close()
    return durations


class Trips:
    """Counts awaited calls on an aiosqlite connection (trips to its thread) and the SQL
    statements SQLite runs for them, trigger bodies included."""

    METHODS = ("execute", "execute_fetchall", "executemany", "executescript", "commit")

    def __init__(self) -> None:
        self.trips = 0
        self.statements = 0

    async def attach(self, conn: Any) -> None:
        for name in self.METHODS:
            original = getattr(conn, name)

            def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                self.trips += 1
                return _original(*args, **kwargs)

            setattr(conn, name, counted)
        await conn.set_trace_callback(self._statement)

    def _statement(self, sql: str) -> None:
        self.statements += 1


async def ours(users: int, folder: Path, trips: Trips | None = None) -> list[float]:
    settings = shipped_settings(folder / "bench.sqlite3", token=TOKEN)
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
                session = await repo.quizzes.open_session(user_id)
                assert session is not None
                assert session.message_id is not None
                question = content.catalog.questions[session.question_ids[0]]
                multiple = question.type is QuestionType.MULTIPLE
                action = Submit(session.id, 0, 1) if multiple else Answer(session.id, 0, 0)
                presses.append(press(users + n + 1, user_id, session.message_id, action.encode()))
            if trips is not None:
                await trips.attach(repo.db.conn)
            for data in presses:
                update = Update.de_json(data, app.bot)
                start = time.perf_counter()
                await app.process_update(update)
                durations.append(time.perf_counter() - start)
            if trips is not None:
                await repo.db.conn.set_trace_callback(None)  # type: ignore[arg-type]
                counted = (trips.trips, trips.statements)
            stored = sum([len(await repo.quizzes.session_answers(n)) for n in range(1, users + 1)])
            assert stored == users, "every answer was stored"
            if trips is not None:
                trips.trips, trips.statements = counted
    finally:
        await repo.close()
    return durations


async def measure(users: int = USERS) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        await bare(200)  # warm up imports and caches for both
        base = latency_rows("bare", await bare(users))
        alike = latency_rows("bare, our message", await bare(users, like_ours=True))
        durable = latency_rows("peer", await peer(users, Path(folder)))
        trips = Trips()
        mine = latency_rows("ours", await ours(users, Path(folder), trips))
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
        Row(
            "answer path",
            "bare PTB editing a message like ours",
            f"{alike[0]:,.0f}/s, {alike[1]:.2f} ms, {alike[2]:.2f} ms",
        ),
        Row("answer path", "ratio ours/bare", f"{ratio:.2f}", "≥ 0.33"),
        Row(
            "answer path", "ratio ours/bare with a message like ours", f"{mine[0] / alike[0]:.2f}"
        ),
        Row(
            "answer path",
            "durable peer (read, one write, edit): answers/s, p50, p99",
            f"{durable[0]:,.0f}/s, {durable[1]:.2f} ms, {durable[2]:.2f} ms",
        ),
        Row("answer path", "ratio ours/peer", f"{mine[0] / durable[0]:.2f}", "≥ 0.8"),
        Row(
            "answer path",
            "ours per answer: trips to the database, SQL statements",
            f"{trips.trips / users:.1f}, {trips.statements / users:.1f}",
            "≤ 2 trips",
        ),
    ]


def main() -> None:
    print_table(asyncio.run(measure()))


if __name__ == "__main__":
    main()
