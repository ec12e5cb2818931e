"""Every command, with whatever arguments a person (or a fuzzer) types: a reply, never an error.

Hypothesis draws the command, the chat (private or a group), the sender (an operator, a group
admin, a member) and the argument text — digits of many scripts, full-width forms, symbols,
mentions, very long words. The harness fails on any handler error and on any message the Bot
API emulator refuses (too long, bad HTML), so "no unhandled error" is checked for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.handlers.menu import COMMANDS, OWNER_COMMANDS
from tests.conftest import DATA
from tests.harness import Clock, Harness

OWNER, ADMIN, MEMBER = 1, 10, 77
ALL_COMMANDS = sorted({c.command for c in COMMANDS} | set(OWNER_COMMANDS))
TRICKY = [
    "²",
    "①",
    "٣",
    "１０",
    "３０",
    "-1",
    "1.5",
    "1e3",
    "0",
    "99999",
    "：",
    "@",
    "<b>",
    "&amp;",
]
WORD = st.one_of(
    st.sampled_from(TRICKY),
    st.sampled_from(["example", "cards", "add", "remove", "list", "Asia/Shanghai", "20:00"]),
    st.text(min_size=1, max_size=12),
    st.integers(-5, 10**20).map(str),
    st.text(alphabet="0123456789０１２３４５６７８９²³①", min_size=1, max_size=6),
)
ARGS = st.lists(WORD, max_size=4).map(" ".join) | st.text(max_size=300)


class Session:
    """One bot for all examples: a fresh one per example would make the test take minutes."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.runner = asyncio.Runner()
        self.harness = Harness(settings, clock, content_paths=[DATA / "quizzes"])
        self.runner.run(self.harness.start())
        self.group = self.harness.emu.add_group(
            "命令测试群", members=[OWNER, ADMIN, MEMBER], admins=[ADMIN]
        )
        for user in (OWNER, ADMIN, MEMBER):
            self.harness.user(user)

    def send(self, user: int, chat: int, text: str) -> None:
        self.runner.run(self.harness.send(user, text, chat_id=chat))

    def close(self) -> None:
        self.runner.run(self.harness.stop())
        self.runner.close()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    folder: Path = tmp_path_factory.mktemp("args")
    settings = Settings(
        token="123456789:AAFakeTokenForTestsOnly_abcdefghij",
        database_path=folder / "bot.sqlite3",
        quizzes_dir=DATA / "quizzes",
        content_dir=Path(__file__).resolve().parents[2] / "content",
        owner_ids=frozenset({OWNER}),
    )
    running = Session(settings, Clock())
    try:
        yield running
    finally:
        running.close()


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(ALL_COMMANDS),
    where=st.sampled_from(["private", "group"]),
    sender=st.sampled_from([OWNER, ADMIN, MEMBER]),
    args=ARGS,
    mention=st.booleans(),
)
def test_any_arguments_to_any_command_get_an_answer_and_no_error(
    session: Session, command: str, where: str, sender: int, args: str, mention: bool
) -> None:
    chat = sender if where == "private" else session.group
    emu = session.harness.emu
    before = len(emu.messages(chat))
    name = f"/{command}@quiz315_bot" if mention else f"/{command}"
    session.send(sender, chat, f"{name} {args}".strip())
    # Every command answers the person who sent it (in the chat, or privately for reports).
    answered = len(emu.messages(chat)) > before + 1 or len(emu.messages(sender)) > 0
    assert answered, (command, where, args)


@pytest.mark.parametrize("numbers", ["² 30", "10 ²", "① 30", "٣ 30", "1.5 30", "-3 30", "10 30 5"])
async def test_event_new_with_odd_numbers_answers_with_its_usage(
    bot: Harness, numbers: str
) -> None:
    group = bot.emu.add_group("反诈演练群", members=[ADMIN], admins=[ADMIN])
    await bot.send(ADMIN, f"/event_new example {numbers}", chat_id=group)
    assert "用法" in bot.text(group)


async def test_event_new_accepts_full_width_digits(bot: Harness) -> None:
    group = bot.emu.add_group("反诈演练群", members=[ADMIN], admins=[ADMIN])
    await bot.send(ADMIN, "/event_new example ３ ３０", chat_id=group)
    lobby = bot.text(group)
    assert "报名" in lobby
    assert "题目：3 道，每题 30 秒" in lobby
