"""Event burst: 1,000 poll answers to one group quiz question, then the leaderboard and picture.

Everything is real except the network: the PTB Application, the handlers, the event service,
an SQLite file (WAL) and the Bot API emulator standing in for Telegram. The emulator's own work
(queueing the votes) is done before the clock starts. Run: python -m bench.event_burst
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Update

from bench.common import ROOT, Row, print_table, shipped_settings
from bot.app import build_application
from bot.emulator.core import BotApiEmulator
from bot.emulator.request import EmulatorRequest, process_pending_updates
from bot.handlers.events import runtime
from bot.services.content import ContentStore
from bot.storage.repository import Repository

os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdef"
PLAYERS = 1000
ADMIN = 10


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()


async def measure() -> list[Row]:
    clock = Clock()
    content = ContentStore([ROOT / "quizzes"])
    assert content.reload().ok
    with tempfile.TemporaryDirectory() as folder:
        settings = shipped_settings(Path(folder) / "bench.sqlite3", token=TOKEN)
        emu = BotApiEmulator(clock=clock.timestamp, wall_clock=clock.timestamp)
        players = range(100_000, 100_000 + PLAYERS)
        for uid in (ADMIN, *players):
            emu.add_user(uid, f"玩家{uid % 1000:03d}")
        group = emu.add_group("反诈大讲堂", members=players, admins=(ADMIN,))
        repo = await Repository.open(settings.database_path)
        app = build_application(
            settings,
            repo=repo,
            content=content,
            request=EmulatorRequest(emu),
            get_updates_request=EmulatorRequest(emu),
            clock=clock,
            rng_factory=lambda: random.Random(315),
        )
        await app.initialize()
        try:
            service = runtime(app).service
            emu.user_sends(ADMIN, group, "/event_new 5 60")
            emu.user_sends(ADMIN, group, "/event_start")
            await process_pending_updates(app, emu)
            event = await repo.events.live_event(group)
            assert event is not None
            clock.now += timedelta(seconds=3)
            await service.tick(event.id, clock())
            poll = emu.last_poll(group)
            rng = random.Random(1)
            for uid in players:
                emu.user_votes(uid, poll.id, [rng.randrange(len(poll.options))])
            # only the answers: the bot ignores the anonymous ``poll`` count updates
            queued = [u for u in emu.take_updates() if "poll_answer" in u]
            clock.now += timedelta(seconds=20)

            started = time.perf_counter()
            for data in queued:
                await app.process_update(Update.de_json(data, app.bot))
            handled = len(queued)
            scoring = time.perf_counter() - started
            stored = len(await repo.players.event_answers(event.id))

            started = time.perf_counter()
            board = await service.board(event)
            board_time = time.perf_counter() - started

            clock.now += timedelta(seconds=40)
            started = time.perf_counter()
            await service.close_question(event.id, 0, clock())
            close_time = time.perf_counter() - started

            results = await service.results(event)
            outbox = service.outbox
            picture = getattr(outbox, "picture", None)
            assert picture is not None
            started = time.perf_counter()
            png = picture(results)
            picture_time = time.perf_counter() - started

            started = time.perf_counter()
            _, csv_bytes = service.report_csv(results)
            assert csv_bytes
            csv_time = time.perf_counter() - started
        finally:
            await app.shutdown()
            await repo.close()

    assert stored == PLAYERS, "every answer was stored once"
    name = "event burst"
    return [
        Row(
            name,
            f"score {PLAYERS:,} poll answers",
            f"{scoring * 1000:.0f} ms ({handled / scoring:,.0f}/s)",
        ),
        Row(
            name,
            f"leaderboard (top {len(board.rows)} of {PLAYERS:,})",
            f"{board_time * 1000:.1f} ms",
        ),
        Row(name, "close question: stopPoll, result, board edit", f"{close_time * 1000:.1f} ms"),
        Row(
            name,
            "results picture (PNG)",
            f"{picture_time * 1000:.0f} ms, {len(png or b'') // 1024} KiB",
        ),
        Row(name, "CSV report", f"{csv_time * 1000:.1f} ms"),
    ]


def main() -> None:
    print_table(asyncio.run(measure()))


if __name__ == "__main__":
    main()
