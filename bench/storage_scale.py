"""Storage at scale: /stats and /leaderboard with 100,000 users and 5,000,000 answers.

Run: python -m bench.storage_scale [users] [answers]
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import tempfile
import time
from pathlib import Path

from telegram import Update

from bench.answer_path import TOKEN, command
from bench.common import (
    ROOT,
    CannedRequest,
    Row,
    create_database,
    latency_rows,
    main_with_sizes,
    shipped_settings,
)
from bot.app import build_application
from bot.config import Settings
from bot.services.content import ContentStore
from bot.storage.bulk import seed
from bot.storage.repository import Repository

SAMPLES = 500


def _seed(path: Path, users: int, answers: int, topics: list[str], questions: list[str]) -> None:
    seed(
        path,
        users=users,
        answers=answers,
        topics=topics,
        question_ids=questions,
        rng=random.Random(315),
    )


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure_queries(settings: Settings, content: ContentStore, users: int) -> list[Row]:
    repo = await Repository.open(settings.database_path)
    request = CannedRequest()
    app = build_application(
        settings, repo=repo, content=content, request=request, get_updates_request=request
    )
    rng = random.Random(7)
    rows: list[Row] = []
    try:
        async with app:
            for name in ("stats", "leaderboard"):
                durations = []
                for n in range(SAMPLES):
                    update = Update.de_json(
                        command(n + 1, rng.randint(1, users), f"/{name}"), app.bot
                    )
                    start = time.perf_counter()
                    await app.process_update(update)
                    durations.append(time.perf_counter() - start)
                _, p50, p99 = latency_rows(name, durations)
                rows.append(
                    Row(
                        "storage",
                        f"/{name}: p50, p99",
                        f"{p50:.1f} ms, {p99:.1f} ms",
                        "p99 < 50 ms",
                    )
                )
    finally:
        await repo.close()
    return rows


def measure(users: int = 100_000, answers: int = 5_000_000) -> list[Row]:
    content = ContentStore([ROOT / "quizzes"])
    assert content.reload().ok
    catalog = content.catalog
    with tempfile.TemporaryDirectory() as folder:
        settings = shipped_settings(Path(folder) / "scale.sqlite3", token=TOKEN)
        create_database(settings.database_path)
        started = time.perf_counter()
        worker = multiprocessing.get_context("spawn").Process(
            target=_seed,
            args=(
                settings.database_path,
                users,
                answers,
                list(catalog.topics),
                list(catalog.questions)[:20],
            ),
        )
        worker.start()
        worker.join()
        assert worker.exitcode == 0
        seeded = time.perf_counter() - started
        size = settings.database_path.stat().st_size / 2**20
        # A fresh process, as the bot would be: its memory is neither the seeding's nor that
        # of the benchmarks that ran before in this one.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            rows = pool.apply(_queries_in_fresh_process, (settings, users))
    return [
        Row(
            "storage",
            f"seed {users:,} users, {answers:,} answers",
            f"{seeded:.0f} s, {size:,.0f} MiB",
        ),
        *rows,
    ]


def _queries_in_fresh_process(settings: Settings, users: int) -> list[Row]:
    content = ContentStore([ROOT / "quizzes"])
    assert content.reload().ok
    rows = asyncio.run(measure_queries(settings, content, users))
    return [*rows, Row("storage", "bot resident memory (RSS)", f"{rss_mb():.0f} MB", "< 200 MB")]


def main() -> None:
    main_with_sizes(measure)


if __name__ == "__main__":
    main()
