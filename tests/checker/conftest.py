"""Shared pieces of the checker tests: the shipped signals and the labelled corpus."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.content.loader import load_content
from bot.content.signals import SignalLoadResult, load_signals
from bot.domain.checker import Checker
from tests.harness import Clock, Harness

ROOT = Path(__file__).resolve().parents[2]
SIGNALS = ROOT / "content" / "signals"
CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class Message:
    id: str
    label: str
    kind: str
    lang: str
    text: str
    source: str

    @property
    def held_out(self) -> bool:
        """The split written in the corpus files: odd first byte of sha256(id)."""
        return hashlib.sha256(self.id.encode("utf-8")).digest()[0] % 2 == 1


def corpus() -> list[Message]:
    messages: list[Message] = []
    for name in ("scams.yaml", "genuine.yaml"):
        data = yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))
        messages += [Message(**item) for item in data["messages"]]
    return messages


def shipped_ids() -> tuple[set[str], set[str]]:
    catalog = load_content([ROOT / "quizzes", ROOT / "content" / "lessons"]).catalog
    return {lesson.id for lesson in catalog.lessons}, set(catalog.banks)


@pytest.fixture(scope="session")
def shipped() -> SignalLoadResult:
    lessons, banks = shipped_ids()
    return load_signals([SIGNALS], lessons=lessons, banks=banks)


@pytest.fixture(scope="session")
def checker(shipped: SignalLoadResult) -> Checker:
    assert shipped.checker is not None, "\n".join(map(str, shipped.problems))
    return shipped.checker


@pytest.fixture
async def cbot(settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    """The bot with the shipped banks, lessons and signals, through the emulator."""
    harness = Harness(
        settings,
        clock,
        content_paths=[ROOT / "quizzes", ROOT / "content" / "lessons"],
        signals=[SIGNALS],
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
