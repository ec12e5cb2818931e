"""``/event_new`` without arguments: a bank, a number of questions, a time per question, then the
lobby — by buttons, only for the person who sent it, on its own message (issue 18, item 4)."""

from __future__ import annotations

import json

from bot.actions import Join, SetupBank, SetupCancel, SetupQuestions, SetupSeconds
from bot.domain.events import SETUP_MINUTES, EventStatus, check_budget, fits_budget
from bot.emulator.core import StoredMessage
from tests.events.conftest import ADMIN, OWNER, PLAYERS, live
from tests.harness import Harness

STALE = "这一步已经过去了，或设置已过期。需要时请重新发送 /event_new。"
NOT_HOST = "只有发送 /event_new 的人可以选择。"
INVALID = "这个按钮无效或已过期。"


def shown(message: StoredMessage) -> tuple[str | None, str]:
    return message.text, json.dumps(message.inline_keyboard, ensure_ascii=False)


def labels(bot: Harness, chat_id: int, message_id: int) -> list[str]:
    return [label for label, _ in bot.buttons(chat_id, message_id)]


async def open_setup(bot: Harness, group: int) -> StoredMessage:
    await bot.send(ADMIN, "/event_new", chat_id=group)
    return bot.last(group)


async def test_a_volunteer_sets_up_an_event_with_buttons(bot_group: tuple[Harness, int]) -> None:
    bot, group = bot_group
    setup = await open_setup(bot, group)
    assert "第 1 步（共 3 步）：请选择题库" in (setup.text or "")
    assert "只有发起人可以点选" in (setup.text or "")
    assert labels(bot, group, setup.message_id) == ["活动题库ev", "活动题库long", "✖️ 取消"]

    await bot.press(ADMIN, bot.button(group, "活动题库ev", setup.message_id), chat_id=group)
    step2 = bot.message(group, setup.message_id)  # the same message, edited
    assert "题库：活动题库ev" in (step2.text or "")
    assert "第 2 步（共 3 步）：出几道题？" in (step2.text or "")
    assert labels(bot, group, setup.message_id) == ["5 道题", "✖️ 取消"]  # the bank has 6

    await bot.press(ADMIN, bot.button(group, "5 道题", setup.message_id), chat_id=group)
    step3 = bot.message(group, setup.message_id)
    assert "题库：活动题库ev · 5 道题" in (step3.text or "")
    assert "第 3 步（共 3 步）：每道题给多长时间作答？" in (step3.text or "")
    offered = labels(bot, group, setup.message_id)
    assert offered == ["10 秒", "15 秒", "20 秒", "30 秒", "45 秒", "60 秒", "✖️ 取消"]

    await bot.press(ADMIN, bot.button(group, "30 秒", setup.message_id), chat_id=group)
    lobby = bot.message(group, setup.message_id)  # the set-up became the lobby
    assert "报名中" in (lobby.text or "")
    assert "题目：5 道，每题 30 秒" in (lobby.text or "")
    event = await live(bot, group)
    assert (event.bank_id, event.question_count, event.seconds) == ("ev", 5, 30)
    assert event.lobby_message_id == setup.message_id
    assert bot.button(group, "报名", setup.message_id) == Join(event.id).encode()
    assert bot.repo is not None
    assert await bot.repo.groups.setup(group, setup.message_id) is None


async def test_only_settings_that_fit_the_budget_are_offered(bot_group: tuple[Harness, int]):
    """Every question of the "long" bank sends its scenario as a message of its own: 10 s per
    question would break the group's 20 messages a minute, so it is not offered."""
    bot, group = bot_group
    setup = await open_setup(bot, group)
    await bot.press(ADMIN, bot.button(group, "活动题库long", setup.message_id), chat_id=group)
    await bot.press(ADMIN, bot.button(group, "5 道题", setup.message_id), chat_id=group)
    offered = labels(bot, group, setup.message_id)
    assert "10 秒" not in offered
    assert offered[0] == "15 秒"
    assert not check_budget(5, 10, scenario_positions=range(5)).ok
    assert all(fits_budget(5, int(s.split()[0]), 6) for s in offered[:-1])
    # A forged 10 s press opens nothing.
    toast = await bot.forge_press(
        ADMIN, SetupSeconds(10).encode(), chat_id=group, message_id=setup.message_id
    )
    assert (toast or {})["text"] == INVALID
    assert bot.repo is not None
    assert await bot.repo.events.live_event(group) is None


async def test_only_the_host_may_press_and_others_get_a_toast(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    setup = await open_setup(bot, group)
    before = shown(bot.message(group, setup.message_id))
    bank = bot.button(group, "活动题库ev", setup.message_id)
    for other in (PLAYERS[0], OWNER):  # a member, and an operator who may run events too
        toast = await bot.press(other, bank, chat_id=group, message_id=setup.message_id)
        assert (toast or {})["text"] == NOT_HOST
        cancel = bot.button(group, "取消", setup.message_id)
        toast = await bot.press(other, cancel, chat_id=group, message_id=setup.message_id)
        assert (toast or {})["text"] == NOT_HOST
    assert shown(bot.message(group, setup.message_id)) == before
    assert bot.repo is not None
    found = await bot.repo.groups.setup(group, setup.message_id)
    assert found is not None
    assert found.step.value == "bank"


async def test_forged_and_old_presses_change_nothing(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/help", chat_id=group)
    other = bot.last(group)  # any other message of the bot's in the group
    setup = await open_setup(bot, group)
    await bot.press(ADMIN, bot.button(group, "活动题库ev", setup.message_id), chat_id=group)
    step2 = shown(bot.message(group, setup.message_id))
    forged = [
        (SetupBank("long"), setup.message_id, STALE),  # the first step's button, pressed late
        (SetupQuestions(7), setup.message_id, INVALID),  # a count the message did not offer
        (SetupQuestions(50), setup.message_id, INVALID),
        (SetupSeconds(30), setup.message_id, STALE),  # a step ahead
        (SetupQuestions(5), other.message_id, STALE),  # the set-up's button on another message
        (SetupCancel(), other.message_id, STALE),
    ]
    for action, message_id, toast_text in forged:
        toast = await bot.forge_press(ADMIN, action.encode(), chat_id=group, message_id=message_id)
        assert (toast or {})["text"] == toast_text, action
    assert shown(bot.message(group, setup.message_id)) == step2
    # In a private chat the set-up's buttons belong to nothing.
    await bot.send(ADMIN, "/help")
    toast = await bot.forge_press(ADMIN, SetupBank("ev").encode())
    assert (toast or {})["text"] == STALE
    assert bot.repo is not None
    assert await bot.repo.events.live_event(group) is None


async def test_a_double_tap_on_the_last_step_opens_one_event(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    setup = await open_setup(bot, group)
    await bot.press(ADMIN, bot.button(group, "活动题库ev", setup.message_id), chat_id=group)
    await bot.press(ADMIN, bot.button(group, "5 道题", setup.message_id), chat_id=group)
    seconds = bot.button(group, "20 秒", setup.message_id)
    await bot.press(ADMIN, seconds, chat_id=group, message_id=setup.message_id)
    count = len(bot.emu.messages(group))
    toast = await bot.forge_press(ADMIN, seconds, chat_id=group, message_id=setup.message_id)
    assert (toast or {})["text"] == STALE
    assert len(bot.emu.messages(group)) == count
    assert (await live(bot, group)).seconds == 20


async def test_cancel_and_an_expired_set_up(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    setup = await open_setup(bot, group)
    await bot.press(ADMIN, bot.button(group, "取消", setup.message_id), chat_id=group)
    assert "已取消，没有开始竞赛" in (bot.message(group, setup.message_id).text or "")
    assert bot.buttons(group, setup.message_id) == []
    later = await open_setup(bot, group)
    bot.clock.advance(minutes=SETUP_MINUTES + 1)
    bank = bot.button(group, "活动题库ev", later.message_id)
    toast = await bot.press(ADMIN, bank, chat_id=group, message_id=later.message_id)
    assert (toast or {})["text"] == STALE
    assert bot.repo is not None
    assert await bot.repo.events.live_event(group) is None


async def test_a_set_up_finished_after_another_event_opened_says_so(
    bot_group: tuple[Harness, int],
):
    bot, group = bot_group
    setup = await open_setup(bot, group)
    await bot.press(ADMIN, bot.button(group, "活动题库ev", setup.message_id), chat_id=group)
    await bot.press(ADMIN, bot.button(group, "5 道题", setup.message_id), chat_id=group)
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)  # typed: opens at once
    seconds = bot.button(group, "30 秒", setup.message_id)
    await bot.press(ADMIN, seconds, chat_id=group, message_id=setup.message_id)
    assert "已经有一场竞赛" in (bot.message(group, setup.message_id).text or "")
    assert (await live(bot, group)).question_count == 3


async def test_typed_arguments_still_work_and_unknown_banks_get_the_list(
    bot_group: tuple[Harness, int],
):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new telecom_fraud 10 30", chat_id=group)
    usage = bot.text(group)
    assert "没有找到这个题库。也可以只发送 /event_new，用按钮选择。" in usage
    assert "• ev — 活动题库ev" in usage
    assert "• long — 活动题库long" in usage
    await bot.send(ADMIN, "/event_new ev ３ ２０", chat_id=group)
    event = await live(bot, group)
    assert (event.status, event.question_count, event.seconds) == (EventStatus.LOBBY, 3, 20)


async def test_event_new_alone_while_an_event_runs_is_refused(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev", chat_id=group)
    await bot.send(ADMIN, "/event_new", chat_id=group)
    assert "本群已经有一场竞赛在报名或进行中" in bot.text(group)
    assert bot.buttons(group) == []


async def test_forget_removes_the_hosts_set_up(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    setup = await open_setup(bot, group)
    assert bot.repo is not None
    assert (await bot.repo.privacy.export_user(ADMIN))["event_setups"] != []
    await bot.send(ADMIN, "/forget")
    await bot.press(ADMIN, bot.button(ADMIN, "确认删除"))
    assert await bot.repo.groups.setup(group, setup.message_id) is None
