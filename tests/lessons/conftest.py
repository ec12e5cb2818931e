"""Fixtures for daily lessons: the real bot with small lesson files, and the delivery service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import DATA
from tests.harness import Clock, Harness

LESSON_DATA = Path(__file__).parent / "data"
CONTENT = [DATA / "quizzes", LESSON_DATA]


@pytest.fixture
async def lbot(settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    harness = Harness(settings, clock, content_paths=CONTENT)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
