"""纠错 under a group event's result: a link to the private chat, where only players report."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bot.domain.insight import Origin, Reason
from tests.events.conftest import PLAYERS, start_event, step, vote, wrong
from tests.harness import Harness


def report_link(bot: Harness, chat_id: int) -> str:
    """The /start payload behind the result message's 纠错 button."""
    [[button]] = bot.last(chat_id).inline_keyboard
    assert button["text"] == "⚠️ 纠错"
    assert "callback_data" not in button  # a link: nothing about reports happens in the group
    url = urlsplit(button["url"])
    assert url.netloc == "t.me"
    [payload] = parse_qs(url.query)["start"]
    return payload


async def test_an_event_result_links_players_to_a_private_report(
    bot_group: tuple[Harness, int],
) -> None:
    bot, group = bot_group
    player, bystander = PLAYERS[0], PLAYERS[1]
    event = await start_event(bot, group)
    poll = bot.emu.last_poll(group)
    await vote(bot, player, poll, wrong(poll))
    await step(bot, event.id, 21)  # the question closes: its result, with the link
    assert "第 1/3 题 · 正确答案" in bot.text(group)
    payload = report_link(bot, group)
    assert payload == f"F-event-{event.id}-0"

    await bot.send(bystander, f"/start {payload}")  # did not answer it: nothing to report
    assert bot.text(bystander) == "只能反馈你自己答过的题。"
    await bot.send(player, f"/start {payload}")
    assert bot.text(player).startswith("⚠️ 这道题有什么问题？")
    assert "ev-" in bot.text(player)
    toast = await bot.press(player, bot.button(player, "内容过时"))
    assert toast is not None
    assert toast["text"] == "已收到，谢谢你的反馈！"
    assert bot.repo is not None
    question_id = (await bot.repo.events.event_questions(event.id))[0].question_id
    stored = await bot.repo.insight.feedback_of(player, question_id)
    assert stored is not None
    assert (stored.reason, stored.origin) == (Reason.OUT_OF_DATE, Origin.EVENT)
    await bot.send(player, f"/start {payload}")  # once per person
    assert bot.text(player) == "你已经反馈过这道题，谢谢！"
