"""Fixtures: a fresh emulator per test and a real PTB Application wired to it."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot.emulator.core import BotApiEmulator
from bot.emulator.request import EmulatorRequest

TOKEN = "123456:TEST-TOKEN"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> BotApiEmulator:
    return BotApiEmulator(clock=clock, wall_clock=lambda: 1_741_996_800.0 + clock.now)


@pytest.fixture
def app(emu: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(EmulatorRequest(emu))
        .get_updates_request(EmulatorRequest(emu))
        .build()
    )
    return application
