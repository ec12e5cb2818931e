"""Shared fixtures: a real PTB Application talking to the in-process Bot API emulator."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.harness import ROOT, Clock, Harness

# PTB 22.8 warns on integer retry_after unless asked for timedeltas; the bot uses timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "1")

DATA = Path(__file__).parent / "data"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token="123456789:AAFakeTokenForTestsOnly_abcdefghij",
        database_path=tmp_path / "bot.sqlite3",
        quizzes_dir=DATA / "quizzes",
        content_dir=ROOT / "content",
        owner_ids=frozenset({1}),
    )


@pytest.fixture
async def bot(settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    harness = Harness(settings, clock, content_paths=[DATA / "quizzes"])
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
