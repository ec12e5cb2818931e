"""Scene questions in a group event: the picture is its own photo before the poll, counted in
the group's message budget like a long scenario's message, and uploaded once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.events import MIN_SECONDS, check_budget
from bot.emulator.core import StoredMessage
from bot.services.events import PAUSE_BETWEEN
from tests.events.conftest import ADMIN, PLAYERS, right, start_event, step, vote, write_banks
from tests.harness import Harness
from tests.scene_banks import write_scene_banks


@pytest.fixture
def event_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The event banks of the conftest and the scene banks, in one folder."""
    quizzes = tmp_path / "quizzes"
    write_banks(quizzes)
    write_scene_banks(quizzes)
    return replace(settings, quizzes_dir=quizzes)


def bot_messages(bot: Harness, group: int) -> list[StoredMessage]:
    return [m for m in bot.emu.messages(group) if m.from_id == bot.emu.bot.id]


async def test_each_scene_is_a_photo_right_before_its_poll(ebot: Harness, group: int) -> None:
    event = await start_event(ebot, group, "/event_new scenes 4 20")
    scenes = 0
    for number in range(1, 5):
        poll = ebot.emu.last_poll(group)
        asked = next(m for m in bot_messages(ebot, group) if m.poll_id == poll.id)
        before = bot_messages(ebot, group)[bot_messages(ebot, group).index(asked) - 1]
        assert poll.question.startswith(f"【{number}/4】")
        if before.photo is not None:  # the three scene questions
            scenes += 1
            caption = before.caption or ""
            assert caption.startswith(f"📱 第 {number}/4 题 · 情景")
            assert "expandable_blockquote" in [e["type"] for e in before.caption_entities]
            assert poll.question.count("\n") == 0  # the text version is in the caption only
            assert len(caption) > len(poll.question)
        else:  # the plain question keeps its short scenario inside the poll
            assert "快递丢失" in poll.question
        await vote(ebot, PLAYERS[0], poll, right(poll))
        await step(ebot, event.id, 20)
        await step(ebot, event.id, PAUSE_BETWEEN)
    assert scenes == 3
    photos = [f for f in ebot.emu.sent_files(group) if f.kind == "photo"]
    assert len(photos) == 4  # three scenes and the results picture
    assert len({f.file_id for f in photos}) == 4


async def test_a_second_event_sends_the_same_pictures_by_file_id(
    ebot: Harness, group: int
) -> None:
    for _ in range(2):
        event = await start_event(ebot, group, "/event_new scenes 4 20")
        for _ in range(4):
            await step(ebot, event.id, 20)
            await step(ebot, event.id, PAUSE_BETWEEN)
    scenes = [
        m.photo for m in bot_messages(ebot, group) if m.photo and "情景" in (m.caption or "")
    ]
    assert len(scenes) == 6
    assert len({photo.file_id for photo in scenes}) == 3
    uploaded = [f for f in ebot.emu.files.values() if f.kind == "photo" and f.data]
    assert len(uploaded) == 3 + 2  # three scenes once, and each event's results picture


async def test_the_photos_count_in_the_message_budget(ebot: Harness, group: int) -> None:
    """At the shortest time a plain four-question event may use, four scene questions send
    four more messages, over the group's 20 a minute: refused, naming the time that fits."""
    plain = check_budget(4, MIN_SECONDS, pause_between=PAUSE_BETWEEN)
    pictured = check_budget(
        4, MIN_SECONDS, pause_between=PAUSE_BETWEEN, scenario_positions=range(4)
    )
    assert plain.ok
    assert not pictured.ok
    assert pictured.min_seconds is not None
    await ebot.send(ADMIN, f"/event_new ev 4 {MIN_SECONDS}", chat_id=group)
    assert "报名中" in ebot.text(group)
    await ebot.send(ADMIN, "/event_stop", chat_id=group)
    await ebot.send(ADMIN, f"/event_new scene_only 4 {MIN_SECONDS}", chat_id=group)
    refused = ebot.text(group)
    assert "报名中" not in refused
    assert f"{pictured.min_seconds} 秒" in refused
    await ebot.send(ADMIN, f"/event_new scene_only 4 {pictured.min_seconds}", chat_id=group)
    assert "报名中" in ebot.text(group)
