"""A citizen's private quiz, driven through the real Application and the Bot API emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.content import Question
from tests.harness import Clock, Harness

USER = 42


def letters_for(text: str, question: Question, *, correct: bool) -> list[str]:
    """The letters a person would press, read from the message like a person reads it."""
    wanted = [o.text.zh for o in question.options if o.correct == correct]
    found = []
    for line in text.splitlines():
        match = re.match(r"^(?:☑️ )?([A-L])\. (.+)$", line.strip())
        if match and match[2] in wanted:
            found.append(match[1])
    assert len(found) == len(wanted), (text, wanted)
    return found


async def current_question(bot: Harness, user_id: int = USER) -> Question:
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(user_id)
    assert session is not None
    qid = session.current_question_id
    assert qid is not None
    return bot.content.catalog.questions[qid]


async def answer(bot: Harness, *, correct: bool, user_id: int = USER) -> None:
    """Answer the question on screen, rightly or wrongly, pressing buttons like a person."""
    question = await current_question(bot, user_id)
    text = bot.text(user_id)
    if question.type.value == "multiple":
        picks = letters_for(text, question, correct=True)
        if not correct:
            picks = picks[:-1] or letters_for(text, question, correct=False)[:1]
        for letter in picks:
            await bot.press(user_id, bot.button(user_id, letter))
        await bot.press(user_id, bot.button(user_id, "提交"))
        return
    letter = letters_for(text, question, correct=correct)[0]
    await bot.press(user_id, bot.button(user_id, letter))


async def test_whole_quiz_from_start_to_result_with_a_restart(bot: Harness) -> None:
    await bot.send(USER, "/start")
    assert "欢迎来到反诈小课堂" in bot.text(USER)
    await bot.press(USER, bot.button(USER, "示例题库"))

    first = bot.last(USER)
    assert first.text is not None
    assert first.text.startswith("📘 示例题库 · 第 1/3 题\n░░░░░░░░░░")
    await answer(bot, correct=True)
    edited = bot.message(USER, first.message_id)
    assert edited.text is not None
    assert "✅ 回答正确！+" in edited.text
    assert "💡 解析：" in edited.text
    assert "📚 来源：" in edited.text
    assert [label for label, _ in bot.buttons(USER, first.message_id)] == ["下一题 ▶️", "⚠️ 纠错"]

    await bot.restart()  # the process dies between two questions

    await bot.press(
        USER, bot.button(USER, "下一题", first.message_id), message_id=first.message_id
    )
    second = bot.last(USER)
    assert second.text is not None
    assert second.text.startswith("📘 示例题库 · 第 2/3 题\n▓▓▓░░░░░░░")
    await answer(bot, correct=False)
    assert "❌ 回答错误。正确答案：" in (bot.message(USER, second.message_id).text or "")

    await bot.press(USER, bot.button(USER, "下一题"))
    await answer(bot, correct=True)
    await bot.press(USER, bot.button(USER, "查看成绩"))
    result = bot.text(USER)
    assert "🏁 示例题库 完成！" in result
    assert "答对 2/3 题，正确率 67%" in result
    labels = [label for label, _ in bot.buttons(USER)]
    assert labels == ["📖 复习错题", "🔁 重做错题", "📚 选择其他题库", "📣 分享给家人朋友"]
    share = bot.last(USER).inline_keyboard[-1][0]["url"]
    assert share == "https://t.me/share/url?url=https://t.me/quiz315_bot?start=example"

    assert bot.repo is not None
    user = await bot.repo.people.get_user(USER)
    assert user is not None
    assert (user.answered, user.correct, user.streak_current) == (3, 2, 1)
    assert user.points > 0


async def test_review_and_retry_the_missed_questions(bot: Harness) -> None:
    await bot.send(USER, "/start cards")  # a deep link starts the quiz at once
    assert "第 1/2 题" in bot.text(USER)
    await answer(bot, correct=False)
    missed = await current_question_id_answered(bot)
    await bot.press(USER, bot.button(USER, "下一题"))
    await answer(bot, correct=True)
    await bot.press(USER, bot.button(USER, "查看成绩"))
    await bot.press(USER, bot.button(USER, "复习错题"))
    review = bot.text(USER)
    question = bot.content.catalog.questions[missed]
    assert "📖 错题复习（1 道）" in review
    assert question.text.zh in review
    assert question.explanation.zh in review
    await bot.press(USER, bot.button(USER, "重做错题"))
    retry = bot.text(USER)
    assert "第 1/1 题" in retry
    assert question.text.zh in retry


async def current_question_id_answered(bot: Harness) -> str:
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    answers = await bot.repo.quizzes.session_answers(session.id)
    return answers[-1].question_id


async def test_duplicate_stale_and_forged_presses_change_nothing(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    question_message = bot.last(USER)
    question = await current_question(bot)
    letter = letters_for(question_message.text or "", question, correct=True)[0]
    data = bot.button(USER, letter)
    await bot.press(USER, data)
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    before = await bot.repo.quizzes.session_answers(session.id)
    user_before = await bot.repo.people.get_user(USER)

    # Telegram delivers the same press twice.
    await bot.redeliver_last()
    # A double tap on the (now edited) message: the old button data, sent again.
    toast = await bot.forge_press(USER, data, message_id=question_message.message_id)
    assert toast is not None
    assert toast["text"] == "这道题已经答过了。"
    # Another person replays the data in their own chat.
    await bot.send(77, "/start")
    other = await bot.forge_press(77, data)
    assert other is not None
    assert other["text"] == "这不是你的题目，发送 /quiz 开始你自己的测验。"
    # Nonsense and out-of-range data.
    for forged in ("a:x:y:z", f"a:{session.id}:1:99", "zz:1", "a:-1:0:0", "s:1"):
        reply = await bot.forge_press(USER, forged)
        assert reply is not None
        assert reply["text"] in {
            "这个按钮无效或已过期。",
            "这条消息已过期，请发送 /quiz 继续。",
        }, forged

    assert await bot.repo.quizzes.session_answers(session.id) == before
    assert await bot.repo.people.get_user(USER) == user_before
    assert len(before) == 1


async def test_pressing_next_twice_sends_the_question_once(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    await answer(bot, correct=True)
    answered = bot.last(USER)
    data = bot.button(USER, "下一题")
    await bot.press(USER, data, message_id=answered.message_id)
    count = len(bot.emu.messages(USER))
    await bot.redeliver_last()
    toast = await bot.press(USER, data, message_id=answered.message_id)
    assert toast is not None
    assert toast["text"] == "这条消息已过期，请发送 /quiz 继续。"
    assert len(bot.emu.messages(USER)) == count


async def test_stale_message_after_restarting_the_quiz(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    old = bot.last(USER)
    question = await current_question(bot)
    old_letter = letters_for(old.text or "", question, correct=True)[0]
    await bot.send(USER, "/quiz")
    assert "你还有一份没做完的测验：伪卡盗刷（测试）（已答 0/2 题）" in bot.text(USER)
    await bot.press(USER, bot.button(USER, "从头再来"))
    toast = await bot.press(
        USER, bot.button(USER, old_letter, old.message_id), message_id=old.message_id
    )
    assert toast is not None
    assert toast["text"] == "这条消息已过期，请发送 /quiz 继续。"


async def test_continue_an_open_quiz(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    await answer(bot, correct=True)
    await bot.send(USER, "/quiz")
    await bot.press(USER, bot.button(USER, "继续当前测验"))
    assert "第 2/3 题" in bot.text(USER)


async def test_multiple_answer_toggles_and_requires_a_choice(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    while (await current_question(bot)).type.value != "multiple":
        await answer(bot, correct=True)
        await bot.press(USER, bot.button(USER, "下一题"))
    message = bot.last(USER)
    toast = await bot.press(USER, bot.button(USER, "提交"))
    assert toast is not None
    assert toast["text"] == "请先选择至少一个选项，再点“提交答案”。"
    await bot.press(USER, bot.button(USER, "A"))
    assert "☑️ A" in [label for label, _ in bot.buttons(USER, message.message_id)]
    assert "☑️ A." in (bot.message(USER, message.message_id).text or "")
    await bot.press(USER, bot.button(USER, "☑️ A"))  # unselect
    assert "☑️" not in (bot.message(USER, message.message_id).text or "")


async def test_first_name_with_html_is_shown_literally(bot: Harness) -> None:
    bot.emu.add_user(55, "<b>&amp;", language_code="zh-hans")
    await bot.send(55, "/start")
    assert bot.text(55).startswith("👋 你好，<b>&amp;！")


async def test_language_is_guessed_then_remembered(bot: Harness) -> None:
    bot.emu.add_user(56, "Ann", language_code="en")
    await bot.send(56, "/start")
    assert bot.text(56).startswith("👋 Hello, Ann! Welcome to Anti-Fraud Class")
    await bot.send(56, "/language")
    await bot.press(56, bot.button(56, "中文"))
    assert bot.text(56) == "✅ 已切换为中文。"
    await bot.send(56, "/help")
    assert bot.text(56).startswith("反诈小课堂 · 命令")


async def test_stats_and_leaderboard(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    await answer(bot, correct=True)
    await bot.press(USER, bot.button(USER, "下一题"))
    await answer(bot, correct=False)
    await bot.send(USER, "/stats")
    stats = bot.text(USER)
    assert "已答 2 题 · 正确率 50%" in stats
    assert "🔥 连续学习 1 天（最长 1 天）" in stats
    assert "• 伪卡盗刷（测试）：50%（2 题）" in stats
    assert "排名 第 1 / 1" in stats

    await bot.send(USER, "/leaderboard")
    board = bot.text(USER)
    assert "1. 匿名学员（我） — " in board
    await bot.send(USER, "/settings")
    await bot.press(USER, bot.button(USER, "显示我的名字"))
    await bot.send(USER, "/leaderboard")
    assert "1. 测试用户（我） — " in bot.text(USER)


async def test_mydata_exports_and_forget_deletes(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    await answer(bot, correct=True)
    await bot.send(USER, "/mydata")
    [document] = bot.emu.sent_files(USER)
    exported = json.loads(bot.emu.file_bytes(document.file_path) or b"")
    assert exported["data"]["users"][0]["user_id"] == USER
    assert len(exported["data"]["answers"]) == 1

    await bot.send(USER, "/forget")
    assert "确定要删除你的全部数据吗" in bot.text(USER)
    await bot.press(USER, bot.button(USER, "确认删除"))
    assert bot.text(USER).startswith("🗑️ 你的数据已全部删除")
    assert bot.repo is not None
    assert await bot.repo.people.get_user(USER) is None
    assert all(rows == [] for rows in (await bot.repo.privacy.export_user(USER)).values())


async def test_forget_buttons_cannot_delete_someone_else(bot: Harness) -> None:
    await bot.send(USER, "/start")
    await bot.send(77, "/forget")
    toast = await bot.forge_press(77, f"fg:1:{USER}")
    assert toast is not None
    assert toast["text"] == "只有本人能在自己的私聊里确认删除数据。"
    assert bot.repo is not None
    assert await bot.repo.people.get_user(USER) is not None
    assert await bot.repo.people.get_user(77) is not None  # the presser's own data stays too


async def test_personal_commands_in_a_group_point_to_private_chat(bot: Harness) -> None:
    group = bot.emu.add_group("社区反诈群", members=[USER], admins=[USER])
    await bot.send(USER, "/stats@quiz315_bot", chat_id=group)
    assert "请在私聊中使用" in bot.text(group)


async def test_command_menu_is_registered_in_both_languages(bot: Harness) -> None:
    from telegram import BotCommandScopeAllPrivateChats

    from bot.handlers.menu import register_commands

    assert bot.app is not None
    services = bot.app.bot_data["services"]
    await register_commands(bot.app.bot, services.render, "zh")
    zh = bot.emu.commands(BotCommandScopeAllPrivateChats().to_dict(), "zh")
    en = bot.emu.commands(BotCommandScopeAllPrivateChats().to_dict(), "en")
    assert {"command": "quiz", "description": "开始或继续测验"} in zh
    assert {"command": "quiz", "description": "Start or continue a quiz"} in en


@pytest.mark.parametrize("payload", ["nope", "x" * 60])
async def test_deep_link_to_unknown_bank_shows_the_menu(bot: Harness, payload: str) -> None:
    await bot.send(USER, f"/start {payload}")
    assert "你打开的链接指向的题库已不存在" in bot.text(USER)


async def test_help_lists_the_commands_of_each_kind_of_chat(bot: Harness) -> None:
    await bot.send(USER, "/help")
    private = bot.text(USER)
    assert "/quiz — 开始或继续测验" in private
    assert "/subscribe — " in private
    assert "/event_new" not in private
    assert "/reload" not in private
    await bot.send(1, "/help")  # an operator
    assert "/reload — 重新加载题库和课程" in bot.text(1)
    group = bot.emu.add_group("社区反诈群", members=[USER])
    await bot.send(USER, "/help@quiz315_bot", chat_id=group)
    assert "/event_new — " in bot.text(group)
    assert "/mydata" not in bot.text(group)


async def test_start_works_with_no_banks_loaded(
    settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    empty = Harness(settings, clock, content_paths=[tmp_path])
    await empty.start()
    try:
        await empty.send(USER, "/start")
        assert "欢迎来到反诈小课堂" in empty.text(USER)
        assert [label for label, _ in empty.buttons(USER)] == [
            "📖 现在就看今天的课",
            "🔔 订阅每日一课",
            "🆘 我可能被骗了",
            "☰ 全部功能",
        ]
    finally:
        await empty.stop()


async def test_an_answer_whose_edit_timed_out_is_shown_on_the_next_press(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    message = bot.last(USER)
    question = await current_question(bot)
    letter = letters_for(message.text or "", question, correct=True)[0]
    data = bot.button(USER, letter)
    bot.request.fail_next.add("editMessageText")
    with pytest.raises(AssertionError, match="TimedOut"):
        await bot.press(USER, data)
    bot.errors.clear()
    assert bot.message(USER, message.message_id).text == message.text  # never edited
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    assert len(await bot.repo.quizzes.session_answers(session.id)) == 1  # but stored

    toast = await bot.press(USER, data, message_id=message.message_id)
    assert toast is not None
    assert toast["text"] == "✅ 回答正确！"
    assert "✅ 回答正确！+" in (bot.message(USER, message.message_id).text or "")
    assert [label for label, _ in bot.buttons(USER, message.message_id)] == ["下一题 ▶️", "⚠️ 纠错"]
    assert len(await bot.repo.quizzes.session_answers(session.id)) == 1


async def test_operators_hear_of_an_error_once_without_private_content(bot: Harness) -> None:
    # User 1 is the operator (OWNER_IDS in the test settings).
    await bot.send(USER, "/start")
    for _ in range(2):
        bot.request.fail_next.add("sendMessage")
        with pytest.raises(AssertionError, match="TimedOut"):
            await bot.send(USER, "/help")
        bot.errors.clear()
    reports = [m.text or "" for m in bot.emu.messages(1)]
    assert len(reports) == 1  # the same kind of error again within ten minutes: no second report
    assert reports[0].startswith("⚠️ 机器人出错了")
    assert "TimedOut：simulated timeout on sendMessage" in reports[0]
    assert "测试用户" not in reports[0]
    bot.clock.advance(minutes=11)
    bot.request.fail_next.add("sendMessage")
    with pytest.raises(AssertionError, match="TimedOut"):
        await bot.send(USER, "/help")
    bot.errors.clear()
    assert len(bot.emu.messages(1)) == 2


async def test_streak_days_follow_the_persons_own_time_zone(bot: Harness) -> None:
    """02:00 UTC on 15 March is the 15th in Shanghai but still the 14th in New York."""
    await bot.send(USER, "/timezone America/New_York")
    await bot.send(USER, "/start cards")
    await answer(bot, correct=True)
    await bot.send(77, "/start cards")  # someone on the bot's default time zone
    await answer(bot, correct=True, user_id=77)
    assert bot.repo is not None
    new_yorker = await bot.repo.people.get_user(USER)
    shanghai = await bot.repo.people.get_user(77)
    assert new_yorker is not None
    assert shanghai is not None
    assert str(new_yorker.streak_last_day) == "2026-03-14"
    assert str(shanghai.streak_last_day) == "2026-03-15"
