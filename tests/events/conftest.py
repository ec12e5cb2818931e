"""An event-sized question bank, a group, and helpers to drive an event with the fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.domain.events import Event
from bot.emulator.core import PollState
from bot.handlers.events import EventRuntime, runtime
from tests.harness import Clock, Harness

ADMIN = 10
VOLUNTEER = 20
OWNER = 1  # OWNER_IDS in the shared settings fixture
PLAYERS = (31, 32, 33, 34)
LONG_SCENARIO = (
    "【短信】" + "您的医保卡因涉嫌违规套现已被冻结，请立即点击链接核实身份并缴纳保证金。" * 9
)


def _question(qid: str, n: int, scenario: str | None = None) -> dict[str, object]:
    question: dict[str, object] = {
        "id": qid,
        "type": "single",
        "text": {
            "zh": f"第{n}题：遇到这种情况应该怎么做？",
            "en": f"Question {n}: what should you do?",
        },
        "options": [
            {
                "zh": "挂断电话，拨打官方号码核实",
                "en": "Hang up and call the official number",
                "correct": True,
            },
            {"zh": "按对方要求转账", "en": "Transfer as asked"},
            {"zh": "把验证码告诉对方", "en": "Tell them the code"},
        ],
        "explanation": {"zh": "先核实，再行动。", "en": "Check first, then act."},
        "detail": {
            "zh": f"第{n}题详解：任何要求转账或索要验证码的都是诈骗。",
            "en": "Anyone asking for money or a code is a scammer.",
        },
        "source": {"zh": "公安部刑侦局警方提示", "en": "Ministry of Public Security advice"},
    }
    if scenario:
        question["scenario"] = {"zh": scenario, "en": "A long text message."}
    return question


def write_banks(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    banks = {
        "ev": [_question(f"ev-{i}", i) for i in range(1, 7)],
        "long": [_question(f"long-{i}", i, LONG_SCENARIO) for i in range(1, 7)],
    }
    for order, (bank_id, questions) in enumerate(banks.items()):
        document = {
            "format": 1,
            "bank": {
                "id": bank_id,
                "topic": "telecom_fraud",
                "order": 10 + order,
                "title": {"zh": f"活动题库{bank_id}", "en": f"Event bank {bank_id}"},
                "description": {"zh": "测试", "en": "Test"},
                "questions_per_quiz": 3,
            },
            "questions": questions,
        }
        (folder / f"{bank_id}.yaml").write_text(
            yaml.safe_dump(document, allow_unicode=True), encoding="utf-8"
        )


@pytest.fixture
def event_settings(settings: Settings, tmp_path: Path) -> Settings:
    quizzes = tmp_path / "quizzes"
    write_banks(quizzes)
    return replace(settings, quizzes_dir=quizzes)


@pytest.fixture
async def ebot(event_settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    harness = Harness(event_settings, clock, content_paths=[event_settings.quizzes_dir])
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
def group(ebot: Harness) -> int:
    for uid in (OWNER, ADMIN, VOLUNTEER, *PLAYERS):
        ebot.user(uid, name=f"玩家{uid}")
    return ebot.emu.add_group(
        "反诈志愿者群", members=(OWNER, VOLUNTEER, *PLAYERS), admins=(ADMIN,), owner_id=ADMIN
    )


def rt(bot: Harness) -> EventRuntime:
    assert bot.app is not None
    return runtime(bot.app)


async def live(bot: Harness, chat_id: int) -> Event:
    assert bot.repo is not None
    event = await bot.repo.events.live_event(chat_id)
    assert event is not None
    return event


async def step(bot: Harness, event_id: int, seconds: float) -> None:
    """Let ``seconds`` pass and run what the timer would run then."""
    bot.clock.advance(seconds=seconds)
    await rt(bot).service.tick(event_id, bot.clock())
    bot.check()


async def start_event(bot: Harness, chat_id: int, command: str = "/event_new ev 3 20") -> Event:
    """Lobby, start, countdown: returns the event with its first poll open."""
    await bot.send(ADMIN, command, chat_id=chat_id)
    event = await live(bot, chat_id)
    await bot.send(ADMIN, "/event_start", chat_id=chat_id)
    for _ in range(3):
        await step(bot, event.id, 1)
    return await live(bot, chat_id)


def right(poll: PollState) -> int:
    return poll.correct_option_ids[0]


def wrong(poll: PollState) -> int:
    return next(i for i in range(len(poll.options)) if i not in poll.correct_option_ids)


async def vote(bot: Harness, user_id: int, poll: PollState, option: int) -> None:
    bot.emu.user_votes(user_id, poll.id, [option])
    await bot.flush()


@pytest.fixture
def bot_group(ebot: Harness, group: int) -> tuple[Harness, int]:
    return ebot, group
