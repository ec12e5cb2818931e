"""A join is answered at once (the lobby's edit comes after, from the timer), and the
countdown never stays at "1 秒后开始": it ends as "开始！" and the live leaderboard (issue 18)."""

from __future__ import annotations

from tests.events.conftest import ADMIN, PLAYERS, live, right, step, vote
from tests.harness import Harness


async def test_a_join_is_answered_before_the_lobby_is_edited(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)
    lobby = bot.last(group)
    event = await live(bot, group)
    bot.clock.advance(seconds=5)  # the lobby may be edited again
    for player in PLAYERS[:3]:
        calls = len(bot.emu.calls)
        toast = await bot.press(player, bot.button(group, "报名", lobby.message_id), chat_id=group)
        assert (toast or {})["text"].startswith("✅ 报名成功")
        # The press did one thing: its pop-up. No edit waits in front of it.
        assert [c.method for c in bot.emu.calls[calls:]] == ["answerCallbackQuery"]
    await step(bot, event.id, 0)  # the timer's edit, right after
    assert "已报名：3 人" in (bot.message(group, lobby.message_id).text or "")
    edits = [c for c in bot.emu.calls if c.method == "editMessageText"]
    assert len(edits) == 1  # three joins, one edit


async def test_the_countdown_ends_as_go_and_the_leaderboard(bot_group: tuple[Harness, int]):
    bot, group = bot_group
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)
    event = await live(bot, group)
    await bot.send(ADMIN, "/event_start", chat_id=group)
    countdown = bot.last(group)
    assert "3" in (countdown.text or "")
    await step(bot, event.id, 1)
    await step(bot, event.id, 1)
    assert "1 秒后开始" in (bot.message(group, countdown.message_id).text or "")
    count = len(bot.emu.messages(group))
    await step(bot, event.id, 1)
    final = bot.message(group, countdown.message_id).text or ""
    assert "秒后开始" not in final
    assert final.startswith("🏁 开始！第一题来了 👇")
    assert "实时排行榜（已完成 0/3 题" in final
    assert len(bot.emu.messages(group)) == count + 1  # only the poll is new
    started = await live(bot, group)
    assert started.board_message_id == countdown.message_id
    poll = bot.emu.last_poll(group)
    await vote(bot, PLAYERS[0], poll, right(poll))
    await step(bot, event.id, 20)
    board = bot.message(group, countdown.message_id).text or ""
    assert "开始！" not in board  # once a question is done it is just the leaderboard
    assert "实时排行榜（已完成 1/3 题" in board
