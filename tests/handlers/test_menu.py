"""Every citizen feature by a button with a Chinese label, and time zones by place (issue 18,
item 7): a person who types no English reaches all of it from /start."""

from __future__ import annotations

from bot.actions import Open, SetZone
from bot.handlers.menu import COMMANDS
from tests.handlers.test_quiz import USER
from tests.harness import Harness
from tests.test_plain_words import load_allowed, scan_source

MEMBER = 77


async def open_menu(bot: Harness) -> None:
    await bot.send(USER, "/start")
    await bot.press(USER, bot.button(USER, "☰ 全部功能"))


async def test_the_menu_reaches_every_citizen_feature(bot: Harness) -> None:
    await open_menu(bot)
    menu = bot.last(USER)
    assert "点下面的按钮就能用，不用输入命令" in (menu.text or "")
    labels = [label for label, _ in bot.buttons(USER)]
    assert labels == [
        "📚 开始答题",
        "📊 我的学习进度",
        "🏆 积分排行榜",
        "📖 每日一课",
        "🕐 所在地时间",
        "⚙️ 设置",
        "📄 我的数据（文件）",
        "🗑️ 删除我的数据",
        "🌐 语言 / Language",
    ]
    allowed, jargon = load_allowed()
    assert scan_source("\n".join(labels), "menu", allowed, jargon) == []
    expected = {
        "📚 开始答题": "请选择",
        "📊 我的学习进度": "我的学习进度",
        "🏆 积分排行榜": "积分排行榜",
        "📖 每日一课": "每日一课 · 我的设置",
        "🕐 所在地时间": "现在按 北京时间 UTC+8 推送每日一课",
        "⚙️ 设置": "排行榜显示名字",
        "📄 我的数据（文件）": "我的数据（文件）",
        "🗑️ 删除我的数据": "确定要删除你的全部数据吗",
        "🌐 语言 / Language": "请选择语言",
    }
    for label, shows in expected.items():
        await bot.press(USER, bot.button(USER, label, menu.message_id), message_id=menu.message_id)
        assert shows in bot.text(USER), label
    assert bot.last(USER).document is None  # the forget prompt came last
    assert any(m.document is not None for m in bot.emu.messages(USER))  # the data file


async def test_menu_and_help_commands_show_the_buttons(bot: Harness) -> None:
    await bot.send(USER, "/menu")
    assert "全部功能" in bot.text(USER)
    await bot.send(USER, "/help")
    assert "📊 我的学习进度" in [label for label, _ in bot.buttons(USER)]
    assert {"menu"} <= {c.command for c in COMMANDS if "private" in c.scopes}


async def test_forged_menu_presses_change_nothing(bot: Harness) -> None:
    await bot.send(USER, "/start")
    welcome = bot.last(USER)
    toast = await bot.forge_press(USER, Open("data").encode(), message_id=welcome.message_id)
    assert (toast or {})["text"] == "这个按钮无效或已过期。"  # the welcome offers no such button
    assert all(m.document is None for m in bot.emu.messages(USER))
    group = bot.emu.add_group("家庭群", members=[USER, MEMBER], admins=[USER])
    await bot.send(USER, "/help", chat_id=group)
    toast = await bot.forge_press(MEMBER, Open("stats").encode(), chat_id=group)
    assert (toast or {})["text"] == "这不是你的题目，发送 /quiz 开始你自己的测验。"
    # After /forget the old menu brings nobody back.
    await bot.press(USER, bot.button(USER, "☰ 全部功能"), message_id=welcome.message_id)
    menu = bot.last(USER)
    await bot.send(USER, "/forget")
    await bot.press(USER, bot.button(USER, "确认删除"))
    data = bot.button(USER, "我的数据", menu.message_id)
    toast = await bot.press(USER, data, message_id=menu.message_id)
    assert (toast or {})["text"] == "请先发送 /start 开始使用。"
    assert bot.repo is not None
    assert await bot.repo.people.get_user(USER) is None


async def test_a_place_button_sets_the_time_zone(bot: Harness) -> None:
    await bot.send(USER, "/timezone")
    prompt = bot.last(USER)
    await bot.press(USER, bot.button(USER, "伦敦 UTC+0"))
    assert bot.message(USER, prompt.message_id).text == (
        "🕐 已改为 伦敦 UTC+0（那里现在是 02:00）。每日一课按这里的时间推送。"
    )
    assert bot.repo is not None
    subscription = await bot.repo.lessons.lesson_subscription(USER)
    assert subscription is not None
    assert subscription.tz == "Europe/London"
    await bot.send(USER, "/schedule")
    assert "按 伦敦 UTC+0 推送" in bot.text(USER)
    # A place's button forged onto a message that does not offer it changes nothing.
    toast = await bot.forge_press(USER, SetZone("tokyo").encode())
    assert (toast or {})["text"] == "这个按钮无效或已过期。"
    subscription = await bot.repo.lessons.lesson_subscription(USER)
    assert subscription is not None
    assert subscription.tz == "Europe/London"


async def test_a_groups_time_zone_is_for_its_admins(bot: Harness) -> None:
    group = bot.emu.add_group("家庭群", members=[USER, MEMBER], admins=[USER])
    await bot.send(USER, "/timezone", chat_id=group)
    tokyo = bot.button(group, "东京")
    toast = await bot.press(MEMBER, tokyo, chat_id=group)
    assert (toast or {})["text"] == "只有群管理员或志愿者可以设置本群的每日一课。"
    assert bot.repo is not None
    assert await bot.repo.lessons.lesson_subscription(group) is None
    await bot.press(USER, tokyo, chat_id=group)
    assert "已改为 东京 UTC+9" in bot.text(group)
    subscription = await bot.repo.lessons.lesson_subscription(group)
    assert subscription is not None
    assert (subscription.kind, subscription.tz) == ("group", "Asia/Tokyo")
