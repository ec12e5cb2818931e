"""Stopping `quizbot run` in the middle of an update, in both modes.

SIGTERM (systemctl stop): every update already received is handled, group events are left
to be resumed, the database is closed. SIGKILL: no recorded answer is lost or counted twice;
with long polling the update in hand is even delivered again, with a webhook it is not.

The emulator holds ``answerCallbackQuery`` so that the signal arrives while the bot is
between storing an answer and showing its verdict.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator.server import EmulatorServer
from tests.e2e.processes import (
    USER,
    WAIT,
    Bot,
    Deliver,
    Telegram,
    bot_env,
    buttons,
    free_port,
    open_question,
    query,
    telegram_server,
    until,
)

MODES = ["polling", "webhook"]
HELPER = 43


class Run:
    """One bot process after another on the same database, in one mode."""

    def __init__(self, mode: str, tg: Telegram, server: EmulatorServer, tmp_path: Path) -> None:
        self.mode = mode
        self.tg = tg
        self.tmp_path = tmp_path
        self.database = tmp_path / "data" / "bot.sqlite3"
        extra = {}
        if mode == "webhook":
            port = free_port()
            extra = {
                "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
                "WEBHOOK_PORT": str(port),
            }
        self.env = bot_env(server, tmp_path) | extra
        self.deliver: Deliver = tg.deliver if mode == "webhook" else tg.nothing
        self.bots: list[Bot] = []

    async def start(self) -> Bot:
        bot = await Bot.start(self.env, cwd=self.tmp_path)
        self.bots.append(bot)
        return await bot.serving()

    async def close(self) -> None:
        for bot in self.bots:
            if bot.proc.returncode is None:
                bot.proc.kill()
                await bot.proc.wait()

    def answers(self) -> list[tuple[int, int]]:
        """(position, points) of every stored quiz answer."""
        return [
            (int(position), int(points))
            for position, points in query(
                self.database, "SELECT position, points FROM answers ORDER BY position"
            )
        ]

    def closed_cleanly(self) -> bool:
        """SQLite checkpoints and removes the WAL when the last connection closes."""
        return not Path(f"{self.database}-wal").exists()

    def points(self) -> int:
        [(points,)] = query(self.database, "SELECT points FROM users WHERE user_id = ?", (USER,))
        return int(points)


@pytest.fixture(params=MODES)
async def run(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Run]:
    async with telegram_server() as (tg, server):
        tg.add_user(HELPER, "王阿姨")
        running = Run(request.param, tg, server, tmp_path)
        try:
            yield running
        finally:
            await running.close()


async def test_sigterm_handles_every_update_already_received(run: Run) -> None:
    tg = run.tg
    bot = await run.start()
    question = await open_question(tg, run.deliver)
    sent_before = len(tg.from_bot(USER))
    hold = tg.hold("answerCallbackQuery")
    tg.user_presses(USER, USER, question.message_id, buttons(question, "a:")[0])
    tg.user_sends(USER, USER, "/help")  # received with the press, handled after it
    await run.deliver()
    await asyncio.wait_for(hold.reached.wait(), WAIT)

    bot.proc.send_signal(signal.SIGTERM)
    await bot.wait_for_log("stopping: handling the updates already received")
    tg.unhold("answerCallbackQuery")
    assert await bot.exit_code() == 0, bot.text
    assert run.closed_cleanly()  # (before the test reads it: a reader makes a WAL again)

    assert tg.edited(USER, question.message_id)  # the verdict
    assert len(tg.from_bot(USER)) == sent_before + 1  # the help
    assert len(run.answers()) == 1
    assert tg.pending_updates() == []  # both confirmed to Telegram

    await run.start()  # nothing is handled twice
    tg.user_sends(USER, USER, "/help")
    await run.deliver()
    await until(lambda: len(tg.from_bot(USER)) == sent_before + 2, "the second help")
    await asyncio.sleep(0.5)
    assert len(tg.from_bot(USER)) == sent_before + 2
    assert len(run.answers()) == 1


async def test_sigkill_loses_no_recorded_answer_and_counts_none_twice(run: Run) -> None:
    tg = run.tg
    bot = await run.start()
    question = await open_question(tg, run.deliver)
    hold = tg.hold("answerCallbackQuery")
    answer = buttons(question, "a:")[0]
    tg.user_presses(USER, USER, question.message_id, answer)
    await run.deliver()
    await asyncio.wait_for(hold.reached.wait(), WAIT)
    [(position, points)] = run.answers()  # stored before the toast
    assert run.points() == points

    bot.proc.kill()
    assert await bot.exit_code() == -signal.SIGKILL
    tg.unhold("answerCallbackQuery", drop=True)
    assert not tg.edited(USER, question.message_id)

    await run.start()
    if run.mode == "polling":
        # Long polling had not confirmed the press: Telegram delivers it again, and the bot
        # shows the stored verdict instead of recording a second answer.
        await until(lambda: tg.edited(USER, question.message_id), "the verdict after restart")
    else:
        # The webhook answered 200 on receipt: the press is gone; pressing again shows the
        # stored verdict.
        assert tg.pending_updates() == []
        await asyncio.sleep(0.5)
        assert not tg.edited(USER, question.message_id)
        tg.user_presses(USER, USER, question.message_id, answer)
        await run.deliver()
        await until(lambda: tg.edited(USER, question.message_id), "the verdict on a new press")
    assert run.answers() == [(position, points)]
    assert run.points() == points


async def test_group_event_is_resumed_after_sigterm(run: Run) -> None:
    tg = run.tg
    group = tg.add_group("反诈演练群", members=[USER, HELPER], admins=[USER], owner_id=USER)
    await run.start()
    tg.user_sends(USER, group, "/event_new example 1 10")
    await run.deliver()
    lobby = await until(lambda: tg.with_button(group, "ej:"), "the lobby")
    for person in (USER, HELPER):
        tg.user_presses(person, group, lobby.message_id, buttons(lobby, "ej:")[0])
    await run.deliver()
    await until(
        lambda: query(run.database, "SELECT count(*) FROM event_participants") == [(2,)],
        "two players",
    )
    tg.user_sends(USER, group, "/event_start")
    await run.deliver()
    poll_message = await until(
        lambda: next((m for m in tg.from_bot(group) if m.poll_id), None), "the quiz poll"
    )
    assert await run.bots[-1].stop() == 0
    assert query(run.database, "SELECT status FROM events") == [("running",)]

    await run.start()
    poll = tg.polls[poll_message.poll_id]
    tg.user_votes(HELPER, poll.id, list(poll.correct_option_ids))
    await run.deliver()
    await until(
        lambda: any("竞赛结束" in (m.text or "") for m in tg.from_bot(group)),
        "the podium",
        seconds=30,
    )
    assert query(run.database, "SELECT status FROM events") == [("finished",)]
    assert query(run.database, "SELECT user_id, correct FROM event_answers") == [(HELPER, 1)]
