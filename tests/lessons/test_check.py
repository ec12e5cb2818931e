"""The check question at the end of a lesson, streaks, and the review built from mistakes."""

from __future__ import annotations

from tests.harness import Harness
from tests.lessons.support import lesson_messages, run, set_local


def buttons_with(bot: Harness, chat_id: int, prefix: str) -> list[tuple[str, str]]:
    message = lesson_messages(bot, chat_id)[-1]
    return [
        (label, data)
        for label, data in bot.buttons(chat_id, message.message_id)
        if data is not None and data.startswith(prefix)
    ]


async def test_lesson_message_has_every_part_and_its_buttons(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    await run(lbot)
    [message] = lesson_messages(lbot, 42)
    text = message.text or ""
    for part in ("芯片卡更安全", "磁条信息容易被复制", "要点", "优先使用芯片卡", "今天就做"):
        assert part in text
    assert "来源：人民银行通知" in text
    assert "芯片卡比磁条卡更难复制。" in text  # the check question
    labels = [label for label, _ in lbot.buttons(42, message.message_id)]
    assert labels[:2] == ["A", "B"]
    assert "完整测验" in labels[-1]
    assert lbot.buttons(42, message.message_id)[-1][1] == "b:cards"  # quiz.py starts it


async def test_answering_the_check_counts_for_the_streak_once(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    await run(lbot)
    message = lesson_messages(lbot, 42)[-1]
    [(_, correct)] = [b for b in buttons_with(lbot, 42, "lq:") if b[0] == "A"]
    answer = await lbot.press(42, correct, message_id=message.message_id)
    assert answer is not None
    assert answer["text"] == "✅ 回答正确！"
    edited = lesson_messages(lbot, 42)[-1]
    assert "✅ 回答正确！" in (edited.text or "")
    assert "磁条信息容易读取和伪造" in (edited.text or "")  # the explanation
    buttons = lbot.buttons(42, edited.message_id)
    assert [(label, data) for label, data in buttons[1:]] == [(buttons[1][0], "b:cards")]
    assert buttons[0][0] == "⚠️ 纠错"  # the check is answered: it can be reported
    await lbot.send(42, "/stats")
    assert "连续学习 1 天" in lbot.text(42)  # the emulator shows text as a person reads it
    # The same press again (a double tap, or Telegram delivering it twice) changes nothing.
    again = await lbot.forge_press(42, correct, message_id=message.message_id)
    assert again is not None
    assert again["text"] == "这道题你已经答过了。"
    await lbot.send(42, "/stats")
    assert "已答 <b>1</b> 题" not in lbot.text(42)
    assert "已答 1 题" in lbot.text(42)
    assert lbot.repo is not None
    card = await lbot.repo.learning.card(42, "t-chip")
    assert card is not None
    assert (card.box, card.last_correct) == (1, True)


async def test_multiple_answer_check_toggles_then_submits(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    for day in range(4):  # t-tf-2 (three-nots, multiple) is the fourth lesson
        set_local(lbot, f"2026-03-{15 + day} 20:00")
        await run(lbot)
    message = lesson_messages(lbot, 42)[-1]
    assert "三不一多" in (message.text or "")
    toggles = buttons_with(lbot, 42, "lt:")
    await lbot.press(42, toggles[0][1], message_id=message.message_id)
    labels = [label for label, _ in lbot.buttons(42, message.message_id)]
    assert labels[0] == "☑️ A"
    [(_, submit)] = buttons_with(lbot, 42, "lk:")
    answer = await lbot.press(42, submit, message_id=message.message_id)
    assert answer is not None
    assert answer["text"] == "❌ 回答错误"
    assert "正确答案" in (lesson_messages(lbot, 42)[-1].text or "")


async def test_review_lesson_is_built_from_the_users_mistakes(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    for day in range(3):
        set_local(lbot, f"2026-03-{15 + day} 20:00")
        await run(lbot)
        if day == 0:  # answer the first check (t-chip) wrong
            message = lesson_messages(lbot, 42)[-1]
            [(_, wrong)] = [b for b in buttons_with(lbot, 42, "lq:") if b[0] == "B"]
            await lbot.press(42, wrong, message_id=message.message_id)
    set_local(lbot, "2026-03-18 20:00")  # the fourth delivery
    await run(lbot)
    review = lesson_messages(lbot, 42)[-1]
    text = review.text or ""
    assert text.startswith("🔁 复习课")
    assert "芯片卡比磁条卡更难复制。" in text
    assert buttons_with(lbot, 42, "lq:")
    assert lbot.repo is not None
    history = await lbot.repo.lessons.lesson_history(42)
    assert history.sent == 4
    assert history.lesson_ids == {"t-cs-1", "t-cs-2", "t-tf-1"}
    set_local(lbot, "2026-03-19 20:00")
    await run(lbot)
    assert "三不一多" in (lesson_messages(lbot, 42)[-1].text or "")


async def test_no_review_without_mistakes(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    titles = []
    for day in range(5):
        set_local(lbot, f"2026-03-{15 + day} 20:00")
        await run(lbot)
        titles.append((lesson_messages(lbot, 42)[-1].text or "").split("\n")[0])
    assert all(title.startswith("📖 每日一课") for title in titles)
    set_local(lbot, "2026-03-20 20:00")
    report = await run(lbot)
    assert (report.sent, report.finished_course) == (0, 1)
    await lbot.send(42, "/lesson")
    assert "全部 5 课都学完了" in lbot.text(42)


async def test_group_members_each_answer_once_and_see_their_result_alone(lbot: Harness) -> None:
    group = lbot.emu.add_group("反诈学习群", members=[11, 12], admins=[10])
    await lbot.send(10, "/subscribe 20:00", chat_id=group)
    set_local(lbot, "2026-03-15 20:00")
    await run(lbot)
    [message] = lesson_messages(lbot, group)
    assert "结果只显示给你自己" in (message.text or "")
    quiz_button = lbot.emu.keyboard(group, message.message_id)[-1]
    assert quiz_button[1] is None  # a deep link to the private chat, not a callback
    [(_, correct)] = [b for b in buttons_with(lbot, group, "lq:") if b[0] == "A"]
    first = await lbot.press(11, correct, chat_id=group, message_id=message.message_id)
    second = await lbot.press(12, correct, chat_id=group, message_id=message.message_id)
    again = await lbot.press(11, correct, chat_id=group, message_id=message.message_id)
    assert first is not None
    assert second is not None
    assert again is not None
    assert first["show_alert"]
    assert first["text"].startswith("✅")
    assert again["text"] == "这道题你已经答过了。"
    assert lesson_messages(lbot, group)[-1].text == message.text  # the shared message stays
