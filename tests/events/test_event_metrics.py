"""Events feed two metrics: events under way, and event answers stored (first answers only)."""

from __future__ import annotations

from telegram import Update

from bot import metrics
from tests.events.conftest import ADMIN, PLAYERS, live, right, step, vote
from tests.harness import Harness


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_running_events_and_first_answers_are_counted(
    bot_group: tuple[Harness, int],
) -> None:
    bot, group = bot_group
    metrics.set_events_running(0)
    await bot.send(ADMIN, "/event_new ev 3 20", chat_id=group)
    event = await live(bot, group)
    assert value("quizbot_events_running") == 0  # a lobby is not under way yet
    await bot.send(ADMIN, "/event_start", chat_id=group)
    assert value("quizbot_events_running") == 1
    for _ in range(3):
        await step(bot, event.id, 1)
    poll = bot.emu.last_poll(group)
    before = value("quizbot_answers_stored_total", kind="event")
    await vote(bot, PLAYERS[0], poll, right(poll))
    bot.emu.user_votes(PLAYERS[1], poll.id, [right(poll)])
    assert bot.app is not None
    for data in bot.emu.take_updates() * 2:  # Telegram delivering it twice
        await bot.app.process_update(Update.de_json(data, bot.app.bot))
    assert value("quizbot_answers_stored_total", kind="event") == before + 2
    await bot.send(ADMIN, "/event_stop", chat_id=group)
    assert value("quizbot_events_running") == 0
