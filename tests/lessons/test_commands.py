"""The commands, their bad input, group permissions, the menu and the scheduler job."""

from __future__ import annotations

from datetime import time
from typing import Any

from telegram.ext import CallbackContext

from bot.app import build_application
from bot.handlers import lessons as lesson_handlers
from bot.handlers.menu import register_commands
from tests.harness import Harness
from tests.lessons.support import lesson_messages, run, set_local, svc_of


async def subscription(bot: Harness, chat_id: int) -> Any:
    assert bot.repo is not None
    return await bot.repo.lessons.lesson_subscription(chat_id)


async def test_subscribe_accepts_a_time_and_the_full_width_colon(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 8：30")
    assert "08:30" in lbot.text(42)
    assert "北京时间 UTC+8" in lbot.text(42)
    found = await subscription(lbot, 42)
    assert (found.send_at, found.active) == (time(8, 30), True)
    labels = [label for label, _ in lbot.buttons(42)]
    assert labels == ["📖 现在就看今天的课", "🔕 退订每日一课"]


async def test_subscribe_rejects_what_is_not_a_time(lbot: Harness) -> None:
    for bad in ("25:00", "8pm", "12:5", "abc"):
        await lbot.send(42, f"/subscribe {bad}")
        assert f"没看懂时间“{bad}”" in lbot.text(42)
    assert await subscription(lbot, 42) is None


async def test_timezone_command(lbot: Harness) -> None:
    await lbot.send(42, "/timezone")
    assert "<b>" not in lbot.text(42)  # HTML is parsed, not shown
    assert "现在按 北京时间 UTC+8 推送每日一课" in lbot.text(42)
    labels = [label for label, _ in lbot.buttons(42)]
    assert labels[:2] == ["北京时间 UTC+8", "悉尼 UTC+11"]  # 15 March: summer in Sydney
    assert "伦敦 UTC+0" in labels
    assert "纽约 UTC-4" in labels  # daylight saving started on 8 March
    await lbot.send(42, "/timezone Mars/Olympus")
    assert "没有找到“Mars/Olympus”这个地方的时间" in lbot.text(42)
    assert "伦敦 UTC+0" in [label for label, _ in lbot.buttons(42)]  # the places, to press
    await lbot.send(42, "/timezone ../../etc/passwd")
    assert "没有找到" in lbot.text(42)
    await lbot.send(42, "/timezone asia/tokyo")  # typed names still work, in any case
    assert "已改为 东京 UTC+9" in lbot.text(42)
    found = await subscription(lbot, 42)
    assert (found.tz, found.active, found.inactive_reason) == (
        "Asia/Tokyo",
        False,
        "not_subscribed",
    )
    await lbot.send(42, "/subscribe 20:00")
    assert "东京 UTC+9" in lbot.text(42)
    await lbot.send(42, "/timezone Asia/Kolkata")  # a zone no button offers: its offset
    assert "已改为 UTC+5:30" in lbot.text(42)


async def test_schedule_shows_the_settings(lbot: Harness) -> None:
    set_local(lbot, "2026-03-15 10:00")
    await lbot.send(42, "/schedule")
    assert "状态：未订阅" in lbot.text(42)
    assert [label for label, _ in lbot.buttons(42)][-1] == "🔔 订阅每日一课"
    await lbot.send(42, "/subscribe 20:00")
    await lbot.send(42, "/schedule")
    text = lbot.text(42)
    assert "状态：已订阅，每天 20:00（北京时间 UTC+8）" in text
    assert "下一课：今天 20:00" in text
    assert "已学 0 / 5 课" in text
    assert "免打扰：22:00–08:00" in text


async def test_unsubscribe_twice(lbot: Harness) -> None:
    await lbot.send(42, "/unsubscribe")
    assert "还没有订阅" in lbot.text(42)
    await lbot.send(42, "/subscribe")
    await lbot.send(42, "/unsubscribe")
    assert "已退订" in lbot.text(42)
    assert (await subscription(lbot, 42)).inactive_reason == "unsubscribed"


async def test_menu_buttons_subscribe_unsubscribe_and_lesson_now(lbot: Harness) -> None:
    await lbot.send(42, "/schedule")
    await lbot.press(42, "lm:sub")
    assert "已订阅每日一课" in lbot.text(42)
    await lbot.press(42, "lm:now")
    assert len(lesson_messages(lbot, 42)) == 1
    await lbot.send(42, "/schedule")
    await lbot.press(42, "lm:unsub")
    assert "已退订" in lbot.text(42)


async def test_lesson_now_becomes_todays_delivery(lbot: Harness) -> None:
    set_local(lbot, "2026-03-15 10:00")
    await lbot.send(42, "/subscribe 20:00")
    await lbot.send(42, "/lesson")
    assert "芯片卡更安全" in lbot.text(42)
    set_local(lbot, "2026-03-15 20:00")
    assert (await run(lbot)).sent == 0  # today's lesson was already delivered
    await lbot.send(42, "/lesson")  # shown again, still the same lesson
    assert [("芯片卡更安全" in (m.text or "")) for m in lesson_messages(lbot, 42)] == [True, True]
    assert lbot.repo is not None
    assert (await lbot.repo.lessons.lesson_history(42)).sent == 1
    set_local(lbot, "2026-03-16 20:00")
    assert (await run(lbot)).sent == 1
    assert "小心ATM上的异物" in (lesson_messages(lbot, 42)[-1].text or "")


async def test_lesson_in_a_group_points_to_the_private_chat(lbot: Harness) -> None:
    group = lbot.emu.add_group("群", members=[11], admins=[10])
    await lbot.send(11, "/lesson", chat_id=group)
    assert "私聊" in lbot.text(group)


async def test_only_admins_and_volunteers_subscribe_a_group(lbot: Harness) -> None:
    group = lbot.emu.add_group("反诈学习群", members=[11, 12], admins=[10])
    await lbot.send(11, "/subscribe 19:00", chat_id=group)
    assert "只有群管理员或志愿者" in lbot.text(group)
    assert await subscription(lbot, group) is None
    await lbot.send(11, "/timezone Asia/Tokyo", chat_id=group)
    assert "只有群管理员或志愿者" in lbot.text(group)
    await lbot.send(10, "/subscribe 19:00", chat_id=group)
    assert "本群已订阅每日一课" in lbot.text(group)
    found = await subscription(lbot, group)
    assert (found.kind, found.send_at, found.language) == ("group", time(19), "zh")
    assert lbot.repo is not None
    await lbot.repo.players.add_volunteer(12, "志愿者", 1, lbot.clock())
    await lbot.send(12, "/unsubscribe", chat_id=group)
    assert "已退订" in lbot.text(group)
    await lbot.send(11, "/schedule", chat_id=group)  # anyone may look
    assert "本群设置" in lbot.text(group)
    answer = await lbot.press(11, "lm:sub", chat_id=group)
    assert answer is not None
    assert answer["text"] == "只有群管理员或志愿者可以设置本群的每日一课。"


async def test_broadcast_stats_is_for_operators(lbot: Harness) -> None:
    await lbot.send(42, "/broadcast_stats")
    assert "只对本机器人的管理员开放" in lbot.text(42)
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    await run(lbot)
    await lbot.send(1, "/broadcast_stats")
    text = lbot.text(1)
    assert "订阅中：私聊 1，群组 0" in text
    assert "今天已送达：1" in text


async def test_commands_are_in_the_menu(lbot: Harness) -> None:
    assert lbot.app is not None
    await register_commands(lbot.app.bot, svc_of(lbot).render, "zh")
    private = lbot.emu.commands({"type": "all_private_chats"}, "zh")
    names = {c["command"] for c in private}
    assert {"subscribe", "unsubscribe", "lesson", "schedule", "timezone"} <= names
    group = {c["command"] for c in lbot.emu.commands({"type": "all_group_chats"}, "en")}
    assert {"subscribe", "unsubscribe", "schedule"} <= group


async def test_the_job_is_opt_in_and_single(lbot: Harness) -> None:
    assert lbot.repo is not None
    quiet = build_application(lbot.settings, repo=lbot.repo, content=lbot.content)
    assert quiet.job_queue is not None
    assert quiet.job_queue.jobs() == ()
    scheduled = build_application(
        lbot.settings, repo=lbot.repo, content=lbot.content, schedule_jobs=True
    )
    assert scheduled.job_queue is not None
    jobs = {job.name: job for job in scheduled.job_queue.jobs()}
    assert set(jobs) == {"daily-lessons", "campaigns"}  # one job each, never one per chat
    assert jobs["daily-lessons"].callback is lesson_handlers.lesson_tick


async def test_the_job_callback_delivers_on_its_own_connection(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    assert lbot.app is not None
    context: CallbackContext[Any, Any, Any, Any] = CallbackContext(lbot.app)
    await lesson_handlers.lesson_tick(context)
    await lesson_handlers.lesson_tick(context)
    assert len(lesson_messages(lbot, 42)) == 1


async def test_english_speakers_get_english_lessons(lbot: Harness) -> None:
    lbot.user(77, "Ann", language_code="en")
    await lbot.send(77, "/subscribe 20:00")
    assert "You are subscribed" in lbot.text(77)
    set_local(lbot, "2026-03-15 20:00")
    await run(lbot)
    [message] = lesson_messages(lbot, 77)
    assert (message.text or "").startswith("📖 Daily lesson · Chip cards are safer")
