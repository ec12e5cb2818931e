"""/question_stats on a big database: what the operator waits, and what everyone else waits.

The item analysis of a bank reads every person's first answer to each of its questions: on a
million answers that takes seconds. The bot handles one update at a time, so the command must
not hold the update processor meanwhile. Measured here, in one process:

- the analysis as phase 1 ran it (shared connection, rows turned into answers on the event
  loop): how long every other update would have waited behind it;
- /question_stats now: how long its handler holds the processor, when its reply is sent (read
  on a connection and in a thread of their own), and a cached reply for the same bank;
- /stats latency while the analysis runs, against /stats with nothing else running.

Run: python -m bench.question_stats [users] [answers]
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from telegram import Update

from bench.answer_path import TOKEN, command
from bench.common import (
    ROOT,
    CannedRequest,
    Row,
    create_database,
    main_with_sizes,
    shipped_settings,
)
from bot.app import PTBApplication, build_application
from bot.config import Settings
from bot.context import SERVICES_KEY, Services
from bot.handlers.feedback import BACKGROUND
from bot.services.content import ContentStore
from bot.storage.bulk import ANSWERS_PER_SESSION, seed
from bot.storage.repository import Repository

BANK = "card_skimming"
OPERATOR = 7
IDLE_SAMPLES = 200


def _seed(path: Path, users: int, answers: int, questions: list[str]) -> None:
    seed(
        path, users=users, answers=answers, topics=[], question_ids=questions, rng=random.Random(1)
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def _stats_latency(
    app: PTBApplication, first_id: int, users: int, count: int
) -> list[float]:
    durations = []
    for n in range(count):
        update = Update.de_json(command(first_id + n, 1 + n % users, "/stats"), app.bot)
        start = time.perf_counter()
        await app.process_update(update)
        durations.append(time.perf_counter() - start)
    return durations


async def measure_app(settings: Settings, users: int) -> list[Row]:
    content = ContentStore([ROOT / "quizzes"])
    assert content.reload().ok
    questions = [q.id for q in content.catalog.bank_questions(BANK)]
    repo = await Repository.open(settings.database_path)
    request = CannedRequest()
    app = build_application(
        settings, repo=repo, content=content, request=request, get_updates_request=request
    )
    svc = app.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)
    try:
        async with app:
            idle = await _stats_latency(app, 1, users, IDLE_SAMPLES)
            started = time.perf_counter()
            await svc.insight.question_stats(questions[0])  # phase 1: on the shared connection
            inline = time.perf_counter() - started

            ask = command(10**6, OPERATOR, f"/question_stats {questions[0]}")
            update = Update.de_json(ask, app.bot)
            started = time.perf_counter()
            await app.process_update(update)
            held = time.perf_counter() - started
            tasks = list(svc.extras.get(BACKGROUND, ()))
            during: list[float] = []
            n = 2 * 10**6
            while not all(task.done() for task in tasks):
                during += await _stats_latency(app, n + len(during), users, 1)
                await asyncio.sleep(0)
            await asyncio.gather(*tasks)
            cold = time.perf_counter() - started

            ask = command(3 * 10**6, OPERATOR, f"/question_stats {questions[1]}")
            update = Update.de_json(ask, app.bot)
            started = time.perf_counter()
            await app.process_update(update)
            await asyncio.gather(*svc.extras.get(BACKGROUND, ()))
            cached = time.perf_counter() - started
    finally:
        await repo.close()
    idle_p50 = statistics.median(idle)
    during_p50 = statistics.median(during) if during else float("nan")
    during_max = max(during) if during else float("nan")
    return [
        Row("question_stats", "phase 1: analysis inline, every update waits", f"{inline:.1f} s"),
        Row("question_stats", "handler holds the update processor", _ms(held), "< 50 ms"),
        Row("question_stats", "reply, cold (own connection and thread)", f"{cold:.1f} s"),
        Row("question_stats", "reply, same bank within 2 min (cached)", _ms(cached), "< 50 ms"),
        Row(
            "question_stats",
            f"/stats meanwhile: n, p50, max (idle p50 {_ms(idle_p50)})",
            f"{len(during)}, {_ms(during_p50)}, {_ms(during_max)}",
        ),
        Row(
            "question_stats",
            "/stats meanwhile vs idle (p50 ratio)",
            f"{during_p50 / idle_p50:.1f}x",
        ),
    ]


def measure(users: int = 100_000, answers: int = 1_000_000) -> list[Row]:
    content = ContentStore([ROOT / "quizzes"])
    assert content.reload().ok
    questions = [q.id for q in content.catalog.bank_questions(BANK)][:ANSWERS_PER_SESSION]
    with tempfile.TemporaryDirectory() as folder:
        settings = shipped_settings(Path(folder) / "stats.sqlite3", token=TOKEN)
        settings = replace(settings, owner_ids=frozenset({OPERATOR}))
        create_database(settings.database_path)
        started = time.perf_counter()
        worker = multiprocessing.get_context("spawn").Process(
            target=_seed, args=(settings.database_path, users, answers, questions)
        )
        worker.start()
        worker.join()
        assert worker.exitcode == 0
        seeded = time.perf_counter() - started
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            rows = pool.apply(_in_fresh_process, (settings, users))
    return [
        Row("question_stats", f"seed {users:,} people, {answers:,} answers", f"{seeded:.0f} s"),
        *rows,
    ]


def _in_fresh_process(settings: Settings, users: int) -> list[Row]:
    return asyncio.run(measure_app(settings, users))


def main() -> None:
    main_with_sizes(measure)


if __name__ == "__main__":
    main()
