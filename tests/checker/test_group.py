"""Groups: the bot hears only commands addressed to it; /check in reply checks one message."""

from __future__ import annotations

from bot.emulator.core import StoredMessage
from tests.checker.support import bot_messages
from tests.harness import Harness

ADMIN, MEMBER = 10, 77
SCAM = "公安局提醒，你的账户涉嫌洗钱，请立即把资金转到安全账户 http://gov-check.top 配合调查"
CHAT = "周六上午九点在社区活动室开反诈讲座，大家记得带身份证。"


async def group_with(bot: Harness, *, admin_bot: bool) -> int:
    return bot.emu.add_group(
        "反诈邻里群", members=[ADMIN, MEMBER], admins=[ADMIN], bot_is_admin=admin_bot
    )


async def say(bot: Harness, user: int, group: int, text: str, reply_to: int | None = None) -> None:
    bot.user(user)
    bot.emu.user_sends(user, group, text, reply_to_message_id=reply_to)
    await bot.flush()


def last_of(bot: Harness, group: int, user: int) -> StoredMessage:
    return [m for m in bot.emu.messages(group) if m.from_id == user][-1]


async def test_an_admin_bot_ignores_every_group_message_that_is_not_its_command(
    cbot: Harness,
) -> None:
    group = await group_with(cbot, admin_bot=True)  # Telegram delivers everything
    await say(cbot, MEMBER, group, SCAM)
    await say(cbot, MEMBER, group, "你好")
    await say(cbot, MEMBER, group, "/sos@some_other_bot")
    await say(cbot, MEMBER, group, "/nosuchcommand")
    await cbot.send(MEMBER, "/help", chat_id=group)  # a command for the bot still works
    replies = bot_messages(cbot, group)
    assert len(replies) == 1
    assert replies[0].startswith("反诈小课堂 · 命令")
    assert len(cbot.delivered) >= 5  # the messages did reach the bot


async def test_a_reply_to_the_bots_message_in_a_group_is_ignored(cbot: Harness) -> None:
    group = await group_with(cbot, admin_bot=False)
    await cbot.send(MEMBER, "/help", chat_id=group)
    help_message = cbot.last(group).message_id
    await say(cbot, MEMBER, group, SCAM, reply_to=help_message)  # privacy mode delivers it
    assert len(bot_messages(cbot, group)) == 1


async def test_check_in_reply_checks_that_message_briefly_with_a_deep_link(
    cbot: Harness,
) -> None:
    group = await group_with(cbot, admin_bot=False)
    await say(cbot, MEMBER, group, SCAM)
    scam = last_of(cbot, group, MEMBER)
    await say(cbot, ADMIN, group, "/check", reply_to=scam.message_id)
    reply = cbot.last(group)
    text = reply.text or ""
    assert text.startswith("🔴 高风险：很像诈骗")
    assert text.count("⚠️") == 2  # brief: the two strongest signs, then how many more
    assert "⚠️ 安全账户：没有任何“安全账户”" in text
    assert "……还有 3 个信号" in text
    assert text.endswith("不要转账，不要透露验证码；拿不准就拨打 96110 咨询。")
    assert "gov-check.top" not in text
    assert len(text) <= 400
    username = cbot.emu.bot.username
    # No button that would open a private screen in the group: one link to the private chat.
    assert cbot.buttons(group) == [("🆘 私聊我：被骗后马上怎么做", None)]
    assert reply.inline_keyboard[0][0]["url"] == f"https://t.me/{username}?start=sos"


async def test_check_with_the_bots_name_and_a_genuine_message(cbot: Harness) -> None:
    group = await group_with(cbot, admin_bot=False)
    await say(cbot, MEMBER, group, CHAT)
    chat = last_of(cbot, group, MEMBER)
    await say(cbot, MEMBER, group, f"/check@{cbot.emu.bot.username}", reply_to=chat.message_id)
    text = cbot.text(group)
    assert text.startswith("⚪ 没有发现已知的诈骗信号")
    assert "安全" not in text
    assert cbot.last(group).inline_keyboard[0][0]["url"].endswith("?start=check")


async def test_check_without_a_reply_says_how_to_use_it(cbot: Harness) -> None:
    group = await group_with(cbot, admin_bot=False)
    await say(cbot, MEMBER, group, "/check")
    assert cbot.text(group).startswith("在群里这样用：长按一条可疑消息，选“回复”，发送 /check")


async def test_the_deep_links_open_the_steps_and_the_checker_in_private(cbot: Harness) -> None:
    await cbot.send(MEMBER, "/start sos")
    assert cbot.text(MEMBER).startswith("🆘 我可能被骗了：按顺序做")
    await cbot.send(MEMBER, "/start check")
    assert cbot.text(MEMBER).startswith("🔍 把可疑的短信、聊天记录或链接转发或粘贴给我")


async def test_sos_in_a_group_shows_the_steps(cbot: Harness) -> None:
    group = await group_with(cbot, admin_bot=False)
    await say(cbot, MEMBER, group, "/sos")
    assert cbot.text(group).startswith("🆘 我可能被骗了：按顺序做")
