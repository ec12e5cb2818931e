"""Who is due: the user's time, time zone and quiet hours, with the fake clock."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.schedule import QuietHours
from tests.harness import Harness
from tests.lessons.support import (
    SHANGHAI,
    Recorder,
    lesson_messages,
    run,
    service,
    set_local,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


async def test_lesson_arrives_at_the_chosen_time_once(lbot: Harness) -> None:
    set_local(lbot, "2026-03-15 10:00")
    await lbot.send(42, "/subscribe")
    assert "20:00" in lbot.text(42)
    await run(lbot)
    assert lesson_messages(lbot, 42) == []
    set_local(lbot, "2026-03-15 19:59")
    await run(lbot)
    assert lesson_messages(lbot, 42) == []
    set_local(lbot, "2026-03-15 20:00")
    report = await run(lbot)
    assert report.sent == 1
    [message] = lesson_messages(lbot, 42)
    assert "芯片卡更安全" in (message.text or "")
    for minutes in (1, 2, 30, 90):
        set_local(lbot, "2026-03-15 20:00")
        lbot.clock.advance(minutes=minutes)
        assert (await run(lbot)).sent == 0
    assert len(lesson_messages(lbot, 42)) == 1
    set_local(lbot, "2026-03-16 20:00")
    await run(lbot)
    second = lesson_messages(lbot, 42)[-1]
    assert len(lesson_messages(lbot, 42)) == 2
    assert "小心ATM上的异物" in (second.text or "")


async def test_time_zones_and_quiet_hours_over_three_days(lbot: Harness) -> None:
    set_local(lbot, "2026-03-15 09:00")
    await lbot.send(1001, "/subscribe 20:00")  # Shanghai (the default zone)
    await lbot.send(1002, "/timezone America/New_York")
    await lbot.send(1002, "/subscribe 08:30")
    await lbot.send(1003, "/timezone Europe/London")
    await lbot.send(1003, "/subscribe 21:30")
    zones = {
        1001: (SHANGHAI, time(20)),
        1002: (NEW_YORK, time(8, 30)),
        1003: (LONDON, time(21, 30)),
    }
    recorder = Recorder(lbot)
    lessons = service(lbot)
    quiet = QuietHours()
    start = lbot.clock.now
    steps = 3 * 24 * 4
    for step in range(steps):  # every 15 minutes for three days
        lbot.clock.now = start + timedelta(minutes=15 * step)
        await lessons.run_due(recorder)
    by_chat: dict[int, list[tuple[str, time]]] = {}
    for chat_id, when, _ in recorder.sent:
        zone, send_at = zones[chat_id]
        local = when.astimezone(zone)
        assert local.time() >= send_at, (chat_id, local)
        assert not quiet.contains(local.time()), (chat_id, local)
        if local.date() > start.astimezone(zone).date():
            # due at the first tick at or after send_at: never more than one tick late
            late = local - local.replace(hour=send_at.hour, minute=send_at.minute)
            assert late < timedelta(minutes=15), (chat_id, local)
        by_chat.setdefault(chat_id, []).append((local.date().isoformat(), local.time()))
    for chat_id, days in by_chat.items():
        assert len({day for day, _ in days}) == len(days), f"two lessons a day for {chat_id}"
    # New York subscribed at 21:00 local, after its 08:30 slot and before quiet hours: that
    # evening's lesson came at once (catch-up), then one each following day.
    assert {chat: len(days) for chat, days in by_chat.items()} == {1001: 3, 1002: 4, 1003: 3}
    assert by_chat[1002][0] == ("2026-03-14", time(21, 0))


async def test_subscribing_inside_quiet_hours_is_refused_with_the_reason(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 23:00")
    assert "免打扰" in lbot.text(42)
    assert "22:00" in lbot.text(42)
    assert lbot.repo is not None
    assert await lbot.repo.lessons.lesson_subscription(42) is None
    await lbot.send(42, "/subscribe 7:59")
    assert "免打扰" in lbot.text(42)
    await lbot.send(42, "/subscribe 8:00")
    subscription = await lbot.repo.lessons.lesson_subscription(42)
    assert subscription is not None
    assert subscription.send_at == time(8, 0)


async def test_missed_lesson_is_sent_after_downtime_the_same_evening(lbot: Harness) -> None:
    set_local(lbot, "2026-03-15 12:00")
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 21:40")  # the bot was down from before 20:00 until now
    assert (await run(lbot)).sent == 1
    assert len(lesson_messages(lbot, 42)) == 1


async def test_missed_lesson_waits_for_the_next_slot_after_quiet_hours_began(
    lbot: Harness,
) -> None:
    set_local(lbot, "2026-03-15 12:00")
    await lbot.send(42, "/subscribe 20:00")
    for local in ("2026-03-15 22:30", "2026-03-16 02:00", "2026-03-16 08:05", "2026-03-16 19:59"):
        set_local(lbot, local)
        assert (await run(lbot)).sent == 0, local
    set_local(lbot, "2026-03-16 20:00")
    assert (await run(lbot)).sent == 1
    [message] = lesson_messages(lbot, 42)
    assert "芯片卡更安全" in (message.text or "")  # the missed first lesson, not skipped


async def test_unsubscribed_chats_get_nothing(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    await lbot.send(42, "/unsubscribe")
    assert "已退订" in lbot.text(42)
    set_local(lbot, "2026-03-15 20:30")
    assert (await run(lbot)).sent == 0
    await lbot.send(42, "/subscribe")
    assert (await run(lbot)).sent == 1
