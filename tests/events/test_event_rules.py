"""Who may run events, bad input, the message budget, and Telegram's rate limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.events import (
    EventStatus,
    check_budget,
    plan_messages,
    scenario_fits_poll,
    wait_before_skip,
)
from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.handlers.events import resume_events
from tests.events.conftest import (
    ADMIN,
    OWNER,
    PLAYERS,
    VOLUNTEER,
    live,
    right,
    rt,
    start_event,
    step,
    vote,
)
from tests.harness import Clock, Harness

# --- domain additions ---------------------------------------------------------------------


def test_scenario_messages_count_in_the_budget():
    plain = plan_messages(6, 10)
    with_scenarios = plan_messages(6, 10, scenario_positions=range(6))
    assert with_scenarios.total_messages == plain.total_messages + 6
    assert check_budget(6, 10).ok
    refused = check_budget(6, 10, scenario_positions=range(6))
    assert not refused.ok
    assert refused.reason == "too_fast"
    assert refused.min_seconds == 11
    assert check_budget(6, 11, scenario_positions=range(6)).ok


def test_scenario_fits_poll_keeps_room_for_the_number():
    assert scenario_fits_poll(100, 100)
    assert not scenario_fits_poll(200, 100)
    assert scenario_fits_poll(300 - 2 - 16 - 50, 50)
    assert not scenario_fits_poll(300 - 2 - 16 - 50 + 1, 50)


def test_wait_before_skip():
    opened = datetime(2026, 3, 15, tzinfo=UTC)
    assert wait_before_skip(opened, opened, 10) == 10
    assert wait_before_skip(opened, opened + timedelta(seconds=9.5), 10) == 1
    assert wait_before_skip(opened, opened + timedelta(seconds=10), 10) == 0


# --- permissions --------------------------------------------------------------------------


async def test_a_stranger_is_refused_and_nothing_changes(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(PLAYERS[0], "/event_new", chat_id=group)
    assert "只有本群管理员或志愿者" in bot.text(group)
    assert await bot.repo.events.live_event(group) is None  # type: ignore[union-attr]
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    lobby = bot.last(group).message_id
    for command in ("/event_start", "/event_stop", "/event_pause", "/event_next"):
        await bot.send(PLAYERS[0], command, chat_id=group)
        assert "只有本群管理员或志愿者" in bot.text(group)
    assert (await live(bot, group)).status is EventStatus.LOBBY
    bonus = bot.button(group, "速度加分", lobby)
    toast_ = await bot.press(PLAYERS[0], bonus, chat_id=group, message_id=lobby)
    assert toast_ is not None
    assert "只有管理员或志愿者" in toast_["text"]


async def test_admins_are_looked_up_once_a_minute(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    await bot.send(ADMIN, "/event_stop", chat_id=group)
    assert len(bot.emu.calls_to("getChatAdministrators")) == 1
    bot.clock.advance(seconds=61)
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    assert len(bot.emu.calls_to("getChatAdministrators")) == 2


async def test_operator_grants_and_removes_volunteers(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(VOLUNTEER, "/event_new", chat_id=group)
    assert "只有本群管理员或志愿者" in bot.text(group)
    asked = bot.last(group).message_id - 1  # the volunteer's own command message
    bot.emu.user_sends(OWNER, group, "/volunteer add", reply_to_message_id=asked)
    await bot.flush()
    assert "现在是志愿者" in bot.text(group)
    assert str(VOLUNTEER) in bot.text(group)
    await bot.send(VOLUNTEER, "/event_new ev 2 20", chat_id=group)
    assert "报名中" in bot.text(group)
    assert (await live(bot, group)).host_id == VOLUNTEER

    await bot.send(OWNER, "/volunteer list")
    assert "玩家20" in bot.text(OWNER)
    await bot.send(OWNER, f"/volunteer add {VOLUNTEER}")
    assert "已经是志愿者" in bot.text(OWNER)
    await bot.send(OWNER, f"/volunteer remove {VOLUNTEER}")
    assert "已取消" in bot.text(OWNER)
    await bot.send(OWNER, f"/volunteer remove {VOLUNTEER}")
    assert "不是志愿者" in bot.text(OWNER)
    await bot.send(OWNER, "/volunteer add")  # neither a reply nor an id
    assert "用法" in bot.text(OWNER)
    await bot.send(VOLUNTEER, "/volunteer add 5")
    assert await bot.repo.players.volunteers() == []  # type: ignore[union-attr]
    await bot.send(VOLUNTEER, "/event_stop", chat_id=group)
    assert "只有本群管理员或志愿者" in bot.text(group)


# --- bad input and chat kinds -------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/event_new nosuch", "没有找到这个题库"),
        ("/event_new ev 0 20", "题目数量需要在 1 到 50 之间"),
        ("/event_new ev 5 3", "每题时间需要在 10 到 300 秒之间"),
        ("/event_new ev five", "请写成数字"),
        ("/event_new ev 5 20 30", "请写成数字"),
    ],
)
async def test_bad_arguments_get_the_usage(bot_group: tuple[Harness, int], command, expected):
    bot, group = bot_group
    await bot.send(ADMIN, command, chat_id=group)
    assert expected in bot.text(group)
    assert "/event_new [题库]" in bot.text(group)
    assert await bot.repo.events.live_event(group) is None  # type: ignore[union-attr]


async def test_event_commands_in_private_explain_groups(ebot: Harness):
    for command in ("/event_new", "/event_start", "/event_stop"):
        await ebot.send(PLAYERS[0], command)
        assert "知识竞赛在群里进行" in ebot.text(PLAYERS[0])


async def test_commands_with_the_bot_username_work(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new@quiz315_bot ev 2 20", chat_id=group)
    assert "报名中" in bot.text(group)
    before = len(bot.emu.messages(group))
    bot.emu.privacy_mode = False  # with privacy off, commands for other bots still arrive
    await bot.send(ADMIN, "/event_stop@other_bot", chat_id=group)
    assert len(bot.emu.messages(group)) == before + 1  # only the command itself
    assert (await live(bot, group)).status is EventStatus.LOBBY


async def test_one_event_per_group(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    await bot.send(ADMIN, "/event_new", chat_id=group)
    assert "已经有一场竞赛" in bot.text(group)


async def test_stale_join_press_gets_a_toast(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    event = await live(bot, group)
    join = bot.button(group, "报名")
    assert bot.repo is not None
    await bot.repo.events.set_event_status(
        event.id, (EventStatus.LOBBY,), EventStatus.CANCELLED, bot.clock()
    )
    toast_ = await bot.press(PLAYERS[0], join, chat_id=group)
    assert toast_ is not None
    assert "已经结束或不存在" in toast_["text"]
    assert await bot.repo.players.participant_count(event.id) == 0


async def test_the_speed_bonus_can_be_switched_off(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev 2 20", chat_id=group)
    toast_ = await bot.press(ADMIN, bot.button(group, "速度加分"), chat_id=group)
    assert toast_ is not None
    assert "已关闭" in toast_["text"]
    assert "不计速度" in bot.text(group)
    await bot.send(ADMIN, "/event_start", chat_id=group)
    event = await live(bot, group)
    for _ in range(3):
        await step(bot, event.id, 1)
    poll = bot.emu.last_poll(group)
    bot.clock.advance(seconds=15)
    await vote(bot, PLAYERS[0], poll, right(poll))
    answers = await bot.repo.players.event_answers(event.id)  # type: ignore[union-attr]
    assert [a.points for a in answers] == [1000]


# --- the message budget -------------------------------------------------------------------


async def test_settings_over_the_budget_are_refused_with_the_minimum(
    bot_group: tuple[Harness, int],
):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new long 6 10", chat_id=group)
    text = bot.text(group)
    assert "每分钟最多发 20 条" in text
    assert "至少 <b>11</b> 秒" not in text
    assert "至少 11 秒" in text
    assert "/event_new long 6 11" in text
    assert await bot.repo.events.live_event(group) is None  # type: ignore[union-attr]


async def test_long_scenarios_go_out_right_before_their_poll(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await start_event(bot, group, "/event_new long 2 15")
    messages = bot.emu.messages(group)
    assert messages[-1].poll_id is not None
    assert "情景" in (messages[-2].text or "")
    assert "医保卡" in (messages[-2].text or "")
    assert "医保卡" not in bot.emu.last_poll(group).question


async def test_a_full_event_stays_within_telegrams_group_limit(
    event_settings: Settings, clock: Clock
):
    """The emulator enforces 20 messages a minute per group on the same clock as the bot."""
    emulator = BotApiEmulator(
        clock=clock.timestamp, wall_clock=clock.timestamp, flood=FloodLimits()
    )
    bot = Harness(
        replace(event_settings),
        clock,
        content_paths=[event_settings.quizzes_dir],
        emulator=emulator,
    )
    await bot.start()
    try:
        bot.allow_api_failures = True  # polls Telegram closed itself refuse stopPoll
        for uid in (ADMIN, *PLAYERS):
            bot.user(uid, name=f"玩家{uid}")
        group = emulator.add_group("限流群", members=PLAYERS, admins=(ADMIN,))
        event = await start_event(bot, group, "/event_new ev 6 10")
        for _ in range(6):
            poll = bot.emu.last_poll(group)
            for uid in PLAYERS:
                await vote(bot, uid, poll, right(poll))
            await step(bot, event.id, 10)
            await step(bot, event.id, 5)
        finished = await bot.repo.events.get_event(event.id)  # type: ignore[union-attr]
        assert finished is not None
        assert finished.status is EventStatus.FINISHED
        assert [e.error_code for _, e in emulator.failures if e.error_code == 429] == []
        assert {e.description for _, e in emulator.failures} <= {
            "Bad Request: poll has already been closed"
        }
        assert len([m for m in emulator.messages(group) if m.poll_id]) == 6
    finally:
        await bot.stop()


# --- personal data ------------------------------------------------------------------------


async def test_forget_and_export_cover_event_rows(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    event = await start_event(bot, group)
    poll = bot.emu.last_poll(group)
    await vote(bot, PLAYERS[0], poll, right(poll))
    assert bot.repo is not None
    await bot.repo.players.add_volunteer(PLAYERS[0], "x", OWNER, bot.clock())
    exported = await bot.repo.privacy.export_user(PLAYERS[0])
    assert len(exported["event_answers"]) == 1
    assert len(exported["event_participants"]) == 1
    assert len(exported["volunteers"]) == 1
    # Never started the bot: still deletable.
    assert await bot.repo.privacy.delete_user(PLAYERS[0], -(2**52))
    exported = await bot.repo.privacy.export_user(PLAYERS[0])
    assert not any(exported[k] for k in ("event_answers", "event_participants", "volunteers"))
    # The group's results keep the answer, under the pseudonym and without a name.
    [kept] = await bot.repo.players.event_answers(event.id)
    assert kept.user_id == -(2**52)
    assert [p.display_name for p in await bot.repo.players.participants(event.id)] == [""]


async def test_resume_with_nothing_running_is_quiet(ebot: Harness):
    assert ebot.app is not None
    assert await resume_events(ebot.app) == []
    assert rt(ebot).service is rt(ebot).service


async def test_a_demoted_admin_loses_the_right_at_once_on_a_chat_member_update(
    bot_group: tuple[Harness, int],
):
    """The admin list is cached for a minute; Telegram's chat_member update ends that early."""
    from telegram import Update

    bot, group = bot_group
    chat = bot.emu.chats[group]
    helper = PLAYERS[0]
    chat.admins.add(helper)
    await bot.send(helper, "/event_new ev", chat_id=group)
    assert "报名中" in bot.text(group)
    await bot.send(helper, "/event_stop", chat_id=group)
    chat.admins.discard(helper)  # demoted in Telegram
    person = bot.emu.users[helper].to_dict()
    update = {
        "update_id": 777,
        "chat_member": {
            "chat": chat.to_dict(),
            "from": bot.emu.users[ADMIN].to_dict(),
            "date": int(bot.clock.timestamp()),
            "old_chat_member": {"status": "administrator", "user": person,
                                "can_be_edited": True, "is_anonymous": False,
                                "can_manage_chat": True, "can_delete_messages": True,
                                "can_manage_video_chats": True, "can_restrict_members": True,
                                "can_promote_members": False, "can_change_info": True,
                                "can_invite_users": True, "can_post_stories": False,
                                "can_edit_stories": False, "can_delete_stories": False},
            "new_chat_member": {"status": "member", "user": person},
        },
    }  # fmt: skip
    assert bot.app is not None
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    await bot.send(helper, "/event_new ev", chat_id=group)  # well within the cached minute
    assert "只有本群管理员或志愿者" in bot.text(group)
