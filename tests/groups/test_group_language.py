"""A group's own language (issue 18, item 10): ``/language`` in a group, for the people who may run
events there; its events and lessons speak it; the default language is the fallback."""

from __future__ import annotations

from bot.actions import SetGroupLanguage
from tests.events.conftest import ADMIN, PLAYERS, live
from tests.harness import Harness


async def test_admins_set_the_group_language_and_events_use_it(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)
    assert "报名中" in bot.text(group)  # no choice yet: the default language
    await bot.send(ADMIN, "/event_stop", chat_id=group)

    await bot.send(ADMIN, "/language", chat_id=group)
    prompt = bot.last(group)
    assert "本群的知识竞赛和每日一课使用哪种语言" in (prompt.text or "")
    assert [label for label, _ in bot.buttons(group)] == ["中文", "English"]
    await bot.press(ADMIN, bot.button(group, "English"), chat_id=group)
    assert "now use English" in (bot.message(group, prompt.message_id).text or "")
    assert bot.repo is not None
    assert await bot.repo.groups.language(group) == "en"

    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)
    lobby = bot.last(group)
    assert "join now" in (lobby.text or "")
    assert (await live(bot, group)).language == "en"
    bot.clock.advance(seconds=5)
    toast = await bot.press(PLAYERS[0], bot.button(group, "Join", lobby.message_id), chat_id=group)
    assert (toast or {})["text"].startswith("✅")
    assert "报名" not in (toast or {})["text"]
    await bot.send(ADMIN, "/event_stop", chat_id=group)
    await bot.send(ADMIN, "/event_new", chat_id=group)  # the set-up speaks it too
    assert "Step 1 of 3" in bot.text(group)


async def test_only_people_who_run_events_may_set_it(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    member = PLAYERS[0]
    await bot.send(member, "/language", chat_id=group)
    assert "只有本群管理员或志愿者可以设置本群的语言" in bot.text(group)
    assert bot.buttons(group) == []
    await bot.send(ADMIN, "/language", chat_id=group)
    toast = await bot.press(member, bot.button(group, "English"), chat_id=group)
    assert (toast or {})["text"] == "只有本群管理员或志愿者可以设置本群的语言。"
    assert bot.repo is not None
    assert await bot.repo.groups.language(group) is None
    # The group's button forged into a private chat changes nothing for anyone.
    await bot.send(member, "/start")
    toast = await bot.forge_press(member, SetGroupLanguage("en").encode())
    assert (toast or {})["text"] == "这个按钮无效或已过期。"
    assert await bot.repo.groups.language(member) is None


async def test_private_language_is_personal_as_before(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/language", chat_id=group)
    await bot.press(ADMIN, bot.button(group, "English"), chat_id=group)
    await bot.send(PLAYERS[1], "/language")
    assert "请选择语言" in bot.text(PLAYERS[1])
    await bot.press(PLAYERS[1], bot.button(PLAYERS[1], "中文"))
    assert bot.text(PLAYERS[1]) == "✅ 已切换为中文。"
    assert bot.repo is not None
    assert await bot.repo.groups.language(group) == "en"  # untouched by a person's choice


async def test_a_groups_lessons_follow_its_language(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/subscribe", chat_id=group)
    assert "本群已订阅每日一课" in bot.text(group)
    await bot.send(ADMIN, "/language", chat_id=group)
    await bot.press(ADMIN, bot.button(group, "English"), chat_id=group)
    assert bot.repo is not None
    found = await bot.repo.lessons.lesson_subscription(group)
    assert found is not None
    assert found.language == "en"  # the subscription follows, in the same transaction
    await bot.send(ADMIN, "/schedule", chat_id=group)
    assert "this group's settings" in bot.text(group)
