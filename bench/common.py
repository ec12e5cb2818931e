"""Shared pieces of the benchmarks: a canned Bot API, timing, and the printed table."""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.storage.repository import Repository

BOT = {"id": 7000000315, "is_bot": True, "first_name": "反诈小课堂", "username": "quiz315_bot"}


ROOT = Path(__file__).resolve().parent.parent
"""The repository: benchmarks run on the shipped banks and lessons."""


def shipped_settings(database: Path, *, token: str | None) -> Settings:
    """Settings for a benchmark: its own database, the shipped quizzes and content."""
    return Settings(
        token=token,
        database_path=database,
        quizzes_dir=ROOT / "quizzes",
        content_dir=ROOT / "content",
    )


def create_database(path: Path) -> None:
    """An empty database with every migration applied (for a seeding process to fill)."""

    async def migrate() -> None:
        repo = await Repository.open(path)
        await repo.close()

    asyncio.run(migrate())


def main_with_sizes(measure: Callable[..., Sequence[Row]], most: int = 2) -> None:
    """``python -m bench.X [N [M]]``: up to ``most`` sizes from the command line (``_``
    allowed), the rest ``measure``'s defaults."""
    args = [int(a.replace("_", "")) for a in sys.argv[1 : 1 + most]]
    print_table(measure(*args))


class CannedRequest(BaseRequest):
    """Answers every Bot API call at once with a plausible success, checking nothing.

    The same instance serves the bot under test and its bare baseline, so their ratio
    measures our code, not the fake.
    """

    def __init__(self) -> None:
        self._ids = count(1000)
        self.calls = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        self.calls += 1
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in {"sendMessage", "editMessageText", "sendDocument", "sendPhoto", "sendPoll"}:
            chat_id = int(str(params.get("chat_id", 0) or 0))
            message_id = params.get("message_id") or next(self._ids)
            result = {
                "message_id": int(str(message_id)),
                "date": 0,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT,
                "text": "…",
            }
            if name == "sendPhoto":  # the bot keeps the file id of an uploaded picture
                photo = {"file_id": "canned-photo", "file_unique_id": "u", "width": 1, "height": 1}
                result["photo"] = [photo]
        return 200, json.dumps({"ok": True, "result": result}).encode()


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str
    value: str
    goal: str = ""


def latency_rows(name: str, seconds: Sequence[float]) -> tuple[float, float, float]:
    """(per second, p50 ms, p99 ms) of a list of per-item durations."""
    ordered = sorted(seconds)
    rate = len(ordered) / sum(ordered)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return rate, p50, p99


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(rows: Sequence[Row]) -> None:
    headers = ("benchmark", "measure", "value", "goal")
    table = [headers, *[(r.benchmark, r.measure, r.value, r.goal) for r in rows]]
    widths = [max(_width(str(line[i])) for line in table) for i in range(4)]
    for index, line in enumerate(table):
        print(
            " | ".join(
                str(cell) + " " * (widths[i] - _width(str(cell))) for i, cell in enumerate(line)
            )
        )
        if index == 0:
            print("-+-".join("-" * w for w in widths))


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
