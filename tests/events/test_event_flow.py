"""A whole event through the real Application, the Bot API emulator and an SQLite file."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
from telegram import Update

from bot.domain.events import EventStatus
from bot.emulator.core import PollState
from tests.events.conftest import (
    ADMIN,
    PLAYERS,
    live,
    right,
    rt,
    start_event,
    step,
    vote,
    wrong,
)
from tests.harness import Harness


async def replay_twice(bot: Harness) -> None:
    """Deliver the queued updates twice, as Telegram does after a lost confirmation."""
    assert bot.app is not None
    updates = bot.emu.take_updates()
    for data in updates + updates:
        await bot.app.process_update(Update.de_json(data, bot.app.bot))
    bot.check()


def sheet_rows(sheet: Any) -> list[list[Any]]:
    """A sheet's rows as lists as wide as its header (empty trailing cells are not stored)."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [r + [None] * (len(rows[0]) - len(r)) for r in rows]


def polls(bot: Harness, chat_id: int) -> list[PollState]:
    return [bot.emu.polls[m.poll_id] for m in bot.emu.messages(chat_id) if m.poll_id]


def texts(bot: Harness, chat_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in bot.emu.messages(chat_id) if m.from_id != ADMIN]


async def test_full_event_scores_first_answers_only_and_reports(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    fast, slow, wrong_one, late = PLAYERS
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)
    lobby = bot.last(group)
    assert "报名中" in (lobby.text or "")
    assert "3 道，每题 20 秒" in (lobby.text or "")
    bot.clock.advance(seconds=3)  # lobby edits are throttled to one per 3 s
    toast_ = await bot.press(fast, bot.button(group, "报名"), chat_id=group)
    assert toast_ is not None
    assert "报名成功" in toast_["text"]
    # The pop-up does not wait for the lobby's edit: the timer edits the count right after.
    assert bot.methods()[-1] == "answerCallbackQuery"
    await step(bot, (await live(bot, group)).id, 0)
    assert bot.methods()[-1] == "editMessageText"
    assert "已报名：1 人" in (bot.message(group, lobby.message_id).text or "")
    again = await bot.press(fast, bot.button(group, "报名", lobby.message_id), chat_id=group)
    assert again is not None
    assert "已经报名" in again["text"]

    await bot.send(ADMIN, "/event_start", chat_id=group)
    event = await live(bot, group)
    assert event.status is EventStatus.COUNTDOWN
    assert "3" in bot.text(group)
    await step(bot, event.id, 1)
    assert "<b>2</b>" not in bot.text(group)
    assert "2" in bot.text(group)
    await step(bot, event.id, 1)
    await step(bot, event.id, 1)
    poll = bot.emu.last_poll(group)
    assert poll.type == "quiz"
    assert not poll.is_anonymous
    assert poll.open_period == 20
    assert poll.question.startswith("【1/3】")
    assert poll.explanation == "先核实，再行动。"
    assert bot.buttons(group, lobby.message_id) == []  # the lobby no longer takes presses

    # q1: instant right, right after 10 s (duplicate update), wrong, and one after the deadline
    await vote(bot, fast, poll, right(poll))
    bot.clock.advance(seconds=10)
    bot.emu.user_votes(slow, poll.id, [right(poll)])
    await replay_twice(bot)
    await vote(bot, wrong_one, poll, wrong(poll))
    bot.clock.advance(seconds=10.5)
    await vote(bot, late, poll, right(poll))
    await rt(bot).service.tick(event.id, bot.clock())
    bot.check()
    assert poll.is_closed
    result = bot.text(group)
    assert "第 1/3 题 · 正确答案" in result
    assert "挂断电话" in result
    assert "题详解" in result
    assert "公安部刑侦局警方提示" in result
    assert "本题 3 人作答，2 人答对。" in result
    assert "1. 玩家31 — 1000 分" in result
    assert "2. 玩家32 — 750 分" in result
    board = bot.emu.messages(group)[
        [m.text or "" for m in bot.emu.messages(group)].index(
            next(t for t in texts(bot, group) if "实时排行榜" in t)
        )
    ]
    assert "已完成 1/3 题" in (board.text or "")
    # closing again does nothing
    assert not await rt(bot).service.close_question(event.id, 0, bot.clock())

    for number in (2, 3):
        await step(bot, event.id, 5)
        poll = bot.emu.last_poll(group)
        assert poll.question.startswith(f"【{number}/3】")
        await vote(bot, fast, poll, right(poll))
        await vote(bot, late, poll, wrong(poll))
        await step(bot, event.id, 20)
    await step(bot, event.id, 5)

    ended = await bot.repo.events.get_event(event.id)  # type: ignore[union-attr]
    assert ended is not None
    assert ended.status is EventStatus.FINISHED
    podium = next(t for t in texts(bot, group) if "竞赛结束" in t)
    assert "🥇 玩家31 — 3000 分" in podium
    assert "🥈 玩家32 — 750 分" in podium
    assert "参加人数：4" in podium
    assert "平均正确率：57%" in podium  # 4 right of 7 answers in time
    assert "最难的一题" in podium
    assert "已私信发给主持人" in podium
    photos = [f for f in bot.emu.sent_files(group) if f.kind == "photo"]
    assert len(photos) == 1
    assert photos[0].data
    assert photos[0].data.startswith(b"\x89PNG")

    report = bot.emu.sent_files(ADMIN)[-1]  # a workbook in the host's language
    assert report.file_name == f"event-{event.id}.xlsx"
    assert report.data is not None
    book = openpyxl.load_workbook(io.BytesIO(report.data), read_only=True)
    assert book.sheetnames == ["成绩", "每道题"]
    rows = sheet_rows(book["成绩"])
    assert rows[0] == [
        "名次",
        "名字",
        "得分",
        "答对题数",
        "作答题数",
        "第1题得分",
        "第2题得分",
        "第3题得分",
    ]
    assert rows[1] == [1, "玩家31", 3000, 3, 3, 1000, 1000, 1000]
    assert rows[2] == [2, "玩家32", 750, 1, 1, 750, None, None]
    questions = sheet_rows(book["每道题"])
    assert questions[0] == ["题号", "题目", "正确答案", "作答人数", "答对人数", "正确率"]
    assert questions[1][0] == 1
    assert questions[1][1].endswith("遇到这种情况应该怎么做？")
    assert questions[1][2:] == ["挂断电话，拨打官方号码核实", 3, 2, 2 / 3]
    assert [q[3:5] for q in questions[2:]] == [[2, 1], [2, 1]]

    await bot.send(ADMIN, "/event_report csv")  # the CSV stays, for those who want it
    report = bot.emu.sent_files(ADMIN)[-1]
    assert report.file_name == f"event-{event.id}.csv"
    assert report.data is not None
    assert report.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert rows[0] == ["rank", "name", "points", "correct", "answered", "Q1", "Q2", "Q3"]
    assert rows[1] == ["1", "玩家31", "3000", "3", "3", "1000", "1000", "1000"]
    assert rows[2] == ["2", "玩家32", "750", "1", "1", "750", "", ""]
    assert rows[3] == ["3", "玩家34", "0", "0", "2", "", "0", "0"]
    assert rows[4] == ["3", "玩家33", "0", "0", "1", "0", "", ""]


async def test_pause_waits_after_the_open_question_and_resume_goes_on(
    bot_group: tuple[Harness, int],
):
    bot, group = bot_group
    event = await start_event(bot, group)
    await bot.send(ADMIN, "/event_pause", chat_id=group)
    assert "已暂停" in bot.text(group)
    assert "本题结束后" in bot.text(group)
    await step(bot, event.id, 20)  # q1 closes as planned
    assert "第 1/3 题 · 正确答案" in bot.text(group)
    await step(bot, event.id, 60)
    assert len(polls(bot, group)) == 1
    await bot.send(ADMIN, "/event_resume", chat_id=group)
    assert len(polls(bot, group)) == 2
    assert "继续" in texts(bot, group)[-2]
    await bot.send(ADMIN, "/event_resume", chat_id=group)
    assert "没有暂停" in bot.text(group)


async def test_stop_mid_event_closes_the_poll_and_posts_results(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    event = await start_event(bot, group)
    poll = bot.emu.last_poll(group)
    await vote(bot, PLAYERS[0], poll, right(poll))
    await bot.send(ADMIN, "/event_stop", chat_id=group)
    assert poll.is_closed
    stopped = await bot.repo.events.get_event(event.id)  # type: ignore[union-attr]
    assert stopped is not None
    assert stopped.status is EventStatus.STOPPED
    podium = next(t for t in texts(bot, group) if "竞赛结束" in t)
    assert "提前结束" in podium
    assert "🥇 玩家31 — 1000 分" in podium
    await step(bot, event.id, 60)  # a leftover timer does nothing
    assert len(polls(bot, group)) == 1
    await bot.send(ADMIN, "/event_stop", chat_id=group)
    assert "没有进行中的知识竞赛" in bot.text(group)


async def test_stop_in_the_lobby_cancels(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    lobby = bot.last(group)
    await bot.send(ADMIN, "/event_stop", chat_id=group)
    assert "已取消" in bot.text(group)
    assert "已取消" in (bot.emu.messages(group)[lobby.message_id - 1].text or "")
    assert bot.buttons(group, lobby.message_id) == []


async def test_next_waits_for_the_budget_then_skips(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    event = await start_event(bot, group, "/event_new ev 3 60")
    await bot.send(ADMIN, "/event_next", chat_id=group)
    assert "10 秒后再发送" in bot.text(group)
    bot.clock.advance(seconds=12)
    late_poll = bot.emu.last_poll(group)
    await bot.send(ADMIN, "/event_next", chat_id=group)
    assert late_poll.is_closed
    assert "第 1/3 题 · 正确答案" in bot.text(group)
    # an answer after the early close is late
    bot.clock.advance(seconds=1)
    outcome = await rt(bot).service.record_answer(
        late_poll.id, PLAYERS[1], "x", [right(late_poll)], bot.clock()
    )
    assert outcome is not None
    assert outcome.late
    assert outcome.points == 0
    await step(bot, event.id, 5)
    assert len(polls(bot, group)) == 2


async def test_restart_mid_event_keeps_answers_and_scores_nobody_twice(
    bot_group: tuple[Harness, int],
):
    bot, group = bot_group
    event = await start_event(bot, group)
    poll = bot.emu.last_poll(group)
    bot.clock.advance(seconds=4)
    bot.emu.user_votes(PLAYERS[0], poll.id, [right(poll)])
    pending = bot.emu.pending_updates()
    await bot.flush()

    await bot.restart()  # a crash: only the database survives
    assert bot.app is not None
    from bot.handlers.events import resume_events

    assert await resume_events(bot.app) == [event.id]
    assert len(polls(bot, group)) == 1  # q1 still open: nothing re-sent
    for data in pending:  # Telegram redelivers what was not confirmed
        await bot.app.process_update(Update.de_json(data, bot.app.bot))
    bot.clock.advance(seconds=30)  # the bot is down past the deadline
    await bot.restart()
    assert bot.app is not None
    await resume_events(bot.app)
    bot.check()
    assert "第 1/3 题 · 正确答案" in bot.text(group)
    assert "本题 1 人作答，1 人答对。" in bot.text(group)
    answers = await bot.repo.players.event_answers(event.id)  # type: ignore[union-attr]
    assert [(a.user_id, a.points) for a in answers] == [(PLAYERS[0], 900)]
    await step(bot, event.id, 5)
    assert len(polls(bot, group)) == 2
