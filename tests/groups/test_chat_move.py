"""A group becomes a supergroup (issue 18, item 10): every row keyed by the chat moves to the new
id in one transaction, whether the bot learns it from ``migrate_to_chat_id`` or from the "group
chat was upgraded" error on a send, and a running event goes on in the new chat."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.events import EventStatus
from bot.storage.repository import Repository
from tests.events.conftest import ADMIN, PLAYERS, live, right, step, vote
from tests.harness import Harness
from tests.lessons.support import run, set_local

OLD, NEW = -4001, -1001234567890
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def count(path: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


async def fill(repo: Repository) -> int:
    """One row of each kind for the chat OLD; returns the live event's id."""
    await repo.lessons.subscribe_lessons(OLD, "group", "zh", "20:00", NOW)
    await repo.lessons.claim_lesson(OLD, NOW.date(), "lesson", "l-1", None, [], NOW)
    await repo.groups.set_language(OLD, "en", NOW)
    await repo.groups.create_setup(OLD, 7, ADMIN, NOW)
    event = await repo.events.create_event(
        chat_id=OLD,
        host_id=ADMIN,
        bank_id="ev",
        language="en",
        seconds=20,
        pause_between=5,
        speed_bonus=True,
        questions=[("ev-1", (0, 1, 2), False)],
        now=NOW,
    )
    assert event is not None
    await repo.events.set_event_message(event.id, "lobby", 3)
    await repo.db.write(
        "INSERT INTO campaign_groups (campaign_id, chat_id, unit_id, bound_at) "
        "VALUES (?, ?, ?, ?)",
        ("c315", OLD, "u1", NOW.isoformat()),
    )
    return event.id


async def test_every_row_keyed_by_the_chat_moves(tmp_path: Path) -> None:
    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        event_id = await fill(repo)
        moved = await repo.groups.move_chat(OLD, NEW)
        again = await repo.groups.move_chat(OLD, NEW)
    finally:
        await repo.close()
    assert moved.live_events == (event_id,)
    assert moved.rows == {
        "lesson_subscribers": 1,
        "lesson_deliveries": 1,
        "events": 1,
        "campaign_groups": 1,
        "group_settings": 1,
        "event_setups": 1,  # dropped: its buttons are on a message in the old chat
    }
    assert again.total == 0
    assert again.live_events == ()
    path = tmp_path / "bot.sqlite3"
    for table in ("lesson_subscribers", "lesson_deliveries", "events", "campaign_groups"):
        assert count(path, f"SELECT COUNT(*) FROM {table} WHERE chat_id = ?", OLD) == 0  # noqa: S608
        assert count(path, f"SELECT COUNT(*) FROM {table} WHERE chat_id = ?", NEW) == 1  # noqa: S608
    assert (
        count(
            path, "SELECT COUNT(*) FROM group_settings WHERE chat_id = ? AND language = 'en'", NEW
        )
        == 1
    )
    assert count(path, "SELECT COUNT(*) FROM event_setups") == 0
    assert count(path, "SELECT COUNT(*) FROM events WHERE lobby_message_id IS NULL") == 1


async def test_the_move_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    repo = await Repository.open(path)
    try:
        await fill(repo)
        await repo.db.write(  # the last table refuses: nothing before it may stay moved
            "CREATE TRIGGER refuse BEFORE UPDATE ON group_settings "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        with pytest.raises(sqlite3.IntegrityError):
            await repo.groups.move_chat(OLD, NEW)
    finally:
        await repo.close()
    assert count(path, "SELECT COUNT(*) FROM lesson_subscribers WHERE chat_id = ?", OLD) == 1
    assert count(path, "SELECT COUNT(*) FROM events WHERE chat_id = ?", OLD) == 1
    assert count(path, "SELECT COUNT(*) FROM event_setups WHERE chat_id = ?", OLD) == 1


async def basic_group(bot: Harness) -> int:
    for uid in (ADMIN, *PLAYERS):
        bot.user(uid, name=f"玩家{uid}")
    return bot.emu.add_group("老年大学反诈群", members=PLAYERS, admins=(ADMIN,), kind="group")


async def test_a_lobby_moves_with_the_service_message(ebot: Harness) -> None:
    bot = ebot
    old = await basic_group(bot)
    await bot.send(ADMIN, "/language", chat_id=old)
    await bot.press(ADMIN, bot.button(old, "English"), chat_id=old)
    await bot.send(ADMIN, "/subscribe", chat_id=old)
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=old)
    event = await live(bot, old)
    new = bot.emu.migrate_group(old)
    await bot.flush()  # migrate_to_chat_id in the old chat, migrate_from_chat_id in the new
    assert bot.repo is not None
    moved = await live(bot, new)
    assert moved.id == event.id
    assert await bot.repo.events.live_event(old) is None
    assert await bot.repo.groups.language(new) == "en"
    subscription = await bot.repo.lessons.lesson_subscription(new)
    assert subscription is not None
    assert subscription.active
    lobby = bot.last(new)  # shown again in the new chat, in the group's language
    assert "join now" in (lobby.text or "")
    assert moved.lobby_message_id == lobby.message_id
    toast = await bot.press(PLAYERS[0], bot.button(new, "Join", lobby.message_id), chat_id=new)
    assert (toast or {})["text"].startswith("✅")
    await bot.send(ADMIN, "/event_start", chat_id=new)
    assert (await live(bot, new)).status is EventStatus.COUNTDOWN


async def test_a_running_event_goes_on_after_the_upgrade_error(ebot: Harness) -> None:
    """The bot never saw the service message: the first send to the old id fails with
    ``migrate_to_chat_id``; it moves the chat and carries on there."""
    bot = ebot
    old = await basic_group(bot)
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=old)
    event = await live(bot, old)
    await bot.send(ADMIN, "/event_start", chat_id=old)
    for _ in range(3):
        await step(bot, event.id, 1)
    poll = bot.emu.last_poll(old)
    await vote(bot, PLAYERS[0], poll, right(poll))
    new = bot.emu.migrate_group(old)
    bot.emu.take_updates()  # lost: the bot learns it from the error
    bot.allow_api_failures = True  # the refused calls to the old id are the point
    await step(bot, event.id, 20)  # closes question 1: result and leaderboard in the new chat
    assert (await live(bot, new)).id == event.id
    texts = [m.text or "" for m in bot.emu.messages(new)]
    assert any("第 1/3 题 · 正确答案" in t for t in texts)
    assert any("实时排行榜（已完成 1/3 题" in t for t in texts)
    refused = {call.method for call, error in bot.emu.failures if "upgraded" in error.description}
    assert refused <= {"stopPoll", "sendMessage", "editMessageText"}  # old id: then moved
    await step(bot, event.id, 5)
    assert bot.emu.last_poll(new).question.startswith("【2/3】")
    for _ in range(2):
        await step(bot, event.id, 20)
        await step(bot, event.id, 5)
    assert any("竞赛结束" in (m.text or "") for m in bot.emu.messages(new))
    assert bot.repo is not None
    assert all("upgraded" in error.description for _, error in bot.emu.failures)
    ended = await bot.repo.events.get_event(event.id)
    assert ended is not None
    assert ended.status is EventStatus.FINISHED


async def test_a_groups_lesson_follows_it_to_the_supergroup(lbot: Harness) -> None:
    bot = lbot
    old = await basic_group(bot)
    await bot.send(ADMIN, "/subscribe", chat_id=old)
    new = bot.emu.migrate_group(old)
    bot.emu.take_updates()
    set_local(bot, "2026-03-15 20:00")
    bot.allow_api_failures = True
    report = await run(bot)
    assert (report.sent, report.deactivated) == (1, 0)
    assert bot.repo is not None
    subscription = await bot.repo.lessons.lesson_subscription(new)
    assert subscription is not None
    assert subscription.active
    assert await bot.repo.lessons.lesson_subscription(old) is None
    assert "每日一课" in (bot.emu.messages(new)[-1].text or "")
