"""A campaign's lessons: its participants get them first, in its order, while it runs; then
the curriculum goes on. Delivery stays exactly once (the same claims as every lesson)."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.storage.repository import Repository
from tests.campaigns.test_handlers import join
from tests.harness import Harness
from tests.lessons.support import run, sender, service, set_local

PARTICIPANT = 42
OUTSIDER = 43
CURRICULUM = ["t-cs-1", "t-cs-2", "t-tf-1", "t-tf-2", "t-tf-3"]


async def delivered(bot: Harness, chat: int) -> list[str]:
    """Lesson ids a chat was sent, in the order of their days."""
    assert bot.repo is not None
    found = []
    for day in range(15, 23):
        row = await bot.repo.lessons.lesson_delivery_on(chat, date(2026, 3, day))
        if row is not None and row.lesson_id is not None and row.status == "sent":
            found.append(row.lesson_id)
    return found


async def test_participants_get_the_campaign_lessons_first_then_the_curriculum(
    cbot: Harness,
) -> None:
    await join(cbot, "east", user=PARTICIPANT)
    for chat in (PARTICIPANT, OUTSIDER):
        await cbot.send(chat, "/subscribe 20:00")
    for day in range(15, 21):
        set_local(cbot, f"2026-03-{day} 20:00")
        await run(cbot)
    # The campaign lists t-tf-2 then t-cs-1; then the curriculum, never repeating one.
    assert await delivered(cbot, PARTICIPANT) == ["t-tf-2", "t-cs-1", "t-cs-2", "t-tf-1",
                                                  "t-tf-3"]  # fmt: skip
    assert await delivered(cbot, OUTSIDER) == CURRICULUM


async def test_after_the_campaign_its_lessons_jump_no_queue(cbot: Harness) -> None:
    await join(cbot, "east", user=PARTICIPANT)
    await cbot.send(PARTICIPANT, "/subscribe 20:00")
    set_local(cbot, "2026-03-21 20:00")  # the campaign ended yesterday
    await run(cbot)
    assert await delivered(cbot, PARTICIPANT) == ["t-cs-1"]


async def test_campaign_lessons_are_still_sent_exactly_once(cbot: Harness) -> None:
    await join(cbot, "east", user=PARTICIPANT)
    await cbot.send(PARTICIPANT, "/subscribe 20:00")
    set_local(cbot, "2026-03-15 20:00")
    other = await Repository.open(cbot.settings.database_path)  # like a second process
    try:
        first, second = service(cbot), service(cbot)
        second.repo = other
        reports = await asyncio.gather(
            first.run_due(sender(cbot)), second.run_due(sender(cbot)), first.run_due(sender(cbot))
        )
    finally:
        await other.close()
    assert sum(r.sent for r in reports) == 1
    await cbot.send(PARTICIPANT, "/lesson")  # asked again the same day: the same lesson
    assert await delivered(cbot, PARTICIPANT) == ["t-tf-2"]
    lessons = [
        m for m in cbot.emu.messages(PARTICIPANT) if (m.text or "").startswith("📖 每日一课")
    ]
    assert len(lessons) == 2  # the push, and /lesson showing it again
