"""纠错 in Telegram, through the emulator: the button, a reason, the note's reply prompt, once per
person, /mydata and /forget, forged presses, and what operators see (/feedback,
/question_stats).

The bot runs the shipped banks, lessons and signals, so text that is not a reply to the note's
prompt meets the real scam checker.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.actions import ReportProblem, ReportReason, decode
from bot.config import Settings
from bot.context import SERVICES_KEY, Services
from bot.domain.insight import AnswerRef, Origin, Reason, question_version
from bot.domain.limits import MESSAGE_TEXT, tg_len
from bot.emulator.core import StoredMessage
from bot.handlers.feedback import BACKGROUND
from bot.services.common import Origin as Pressed
from bot.services.insight import FeedbackRefusal
from tests.handlers.test_quiz import answer, current_question
from tests.harness import ROOT, Clock, Harness

USER = 42
OTHER = 43
OPERATOR = 1  # OWNER_IDS in the shared settings fixture
BANK = "card_skimming"
NOTE = "选项B才是对的：银行不会让你把钱转到“安全账户”。"


@pytest.fixture
async def fbot(settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    harness = Harness(
        settings,
        clock,
        content_paths=[ROOT / "quizzes", ROOT / "content" / "lessons"],
        signals=[ROOT / "content" / "signals"],
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def svc_of(bot: Harness) -> Services:
    assert bot.app is not None
    found = bot.app.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


async def settle(bot: Harness) -> None:
    """Wait for replies the bot sends in the background (/question_stats)."""
    await asyncio.gather(*svc_of(bot).extras.get(BACKGROUND, ()))
    bot.check()


async def answered(bot: Harness, user_id: int = USER) -> tuple[StoredMessage, str]:
    """A quiz's first question, answered: its message (now with 纠错) and the question id."""
    bot.user(user_id)
    await bot.send(user_id, f"/start {BANK}")
    shown = bot.last(user_id)
    question = await current_question(bot, user_id)
    await answer(bot, correct=False, user_id=user_id)
    return bot.message(user_id, shown.message_id), question.id


def labels(bot: Harness, chat_id: int, message_id: int | None = None) -> list[str]:
    return [label for label, _ in bot.buttons(chat_id, message_id)]


async def open_reasons(bot: Harness, message: StoredMessage, user_id: int = USER) -> StoredMessage:
    data = bot.button(user_id, "纠错", message.message_id)
    await bot.press(user_id, data, message_id=message.message_id)
    return bot.last(user_id)


async def reply_to(bot: Harness, message_id: int, text: str, user_id: int = USER) -> None:
    bot.clock.advance(seconds=30)  # apart from the last text: never one burst for the checker
    bot.emu.user_sends(user_id, user_id, text, reply_to_message_id=message_id)
    await bot.flush()


async def report(
    bot: Harness, reason: str = "答案有误"
) -> tuple[StoredMessage, str, StoredMessage]:
    """Answer, 纠错, a reason: (answered message, question id, the note's prompt)."""
    message, qid = await answered(bot)
    await open_reasons(bot, message)
    await bot.press(USER, bot.button(USER, reason))
    return message, qid, bot.last(USER)


async def test_a_report_goes_from_the_button_to_a_stored_row_with_its_note(
    fbot: Harness,
) -> None:
    message, qid = await answered(fbot)
    assert labels(fbot, USER, message.message_id) == ["下一题 ▶️", "⚠️ 纠错"]
    reasons = await open_reasons(fbot, message)
    assert reasons.reply_to_message_id == message.message_id  # it quotes the question
    assert (reasons.text or "").startswith("⚠️ 这道题有什么问题？")
    assert qid in (reasons.text or "")
    assert labels(fbot, USER) == ["答案有误", "内容过时", "表述不清", "有错别字", "其他问题"]

    toast = await fbot.press(USER, fbot.button(USER, "答案有误"))
    assert toast is not None
    assert toast["text"] == "已收到，谢谢你的反馈！"
    assert fbot.repo is not None
    stored = await fbot.repo.insight.feedback_of(USER, qid)
    assert stored is not None
    question = fbot.content.catalog.questions[qid]
    assert (stored.reason, stored.origin, stored.version, stored.note, stored.day) == (
        Reason.WRONG_ANSWER,
        Origin.QUIZ,
        question_version(question),
        None,
        date(2026, 3, 15),
    )
    assert labels(fbot, USER, message.message_id) == ["下一题 ▶️", "✅ 已反馈"]
    recorded = fbot.message(USER, reasons.message_id)
    assert (recorded.text or "").startswith(f"✅ 已记录（{qid}）：答案有误。")
    assert labels(fbot, USER, reasons.message_id) == ["跳过，不补充"]
    prompt = fbot.last(USER)
    assert prompt.reply_markup is not None
    assert prompt.reply_markup["force_reply"] is True
    assert prompt.reply_markup["input_field_placeholder"] == "哪里有问题？（选填）"

    await reply_to(fbot, prompt.message_id, NOTE)
    assert fbot.text(USER) == f"📝 补充说明已保存（{qid}）。谢谢！"
    stored = await fbot.repo.insight.feedback_of(USER, qid)
    assert stored is not None
    assert stored.note == NOTE


async def test_a_question_is_reported_once_per_person(fbot: Harness) -> None:
    message, qid, _ = await report(fbot)
    reasons_before = len(fbot.emu.messages(USER))
    toast = await fbot.press(
        USER, fbot.button(USER, "已反馈", message.message_id), message_id=message.message_id
    )
    assert toast is not None
    assert toast["text"] == "你已经反馈过这道题，谢谢！"
    assert len(fbot.emu.messages(USER)) == reasons_before  # no second set of reasons
    # A reason for the same answer, forged onto another message of the bot: not offered there.
    assert fbot.repo is not None
    session = await fbot.repo.quizzes.open_session(USER)
    assert session is not None
    again = ReportReason("quiz", session.id, 0, "typo")
    await fbot.send(USER, "/start")  # any later message of the bot
    toast = await fbot.forge_press(USER, again.encode())
    assert toast is not None
    assert toast["text"] == "这个按钮已经失效了。"  # not a button that message shows
    rows = (await fbot.repo.privacy.export_user(USER))["feedback"]
    assert [(r["question_id"], r["reason"]) for r in rows] == [(qid, "wrong_answer")]


async def test_a_double_tap_on_the_button_sends_the_reasons_once(fbot: Harness) -> None:
    """A second press within seconds (a double tap, an update delivered twice) points at the
    reasons already sent; a press later sends them again, since the first may be out of view."""
    message, _ = await answered(fbot)
    data = fbot.button(USER, "纠错", message.message_id)
    await fbot.press(USER, data, message_id=message.message_id)
    count = len(fbot.emu.messages(USER))
    toast = await fbot.press(USER, data, message_id=message.message_id)
    assert toast is not None
    assert toast["text"] == "原因选项已经发在下面了，请在那里选择。"
    assert len(fbot.emu.messages(USER)) == count
    fbot.clock.advance(seconds=11)
    await fbot.press(USER, data, message_id=message.message_id)
    assert len(fbot.emu.messages(USER)) == count + 1
    assert (fbot.last(USER).text or "").startswith("⚠️ 这道题有什么问题？")


async def test_only_a_reply_to_the_prompt_is_the_note(fbot: Harness) -> None:
    _, qid, prompt = await report(fbot)
    reasons = fbot.emu.messages(USER)[-2]
    assert fbot.repo is not None
    fbot.clock.advance(seconds=30)
    await fbot.send(USER, "我刚接到一个自称公安的电话，让我转钱")  # not a reply: checked
    assert fbot.text(USER).startswith("🔴 高风险")
    await reply_to(fbot, reasons.message_id, "这道题的答案不对")  # a reply, but not to the prompt
    assert not fbot.text(USER).startswith("📝")
    stored = await fbot.repo.insight.feedback_of(USER, qid)
    assert stored is not None
    assert stored.note is None
    await reply_to(fbot, prompt.message_id, NOTE)
    assert fbot.text(USER).startswith("📝 补充说明已保存")
    await reply_to(fbot, prompt.message_id, "再补充一句")  # answered once: now just text
    assert not fbot.text(USER).startswith("📝")
    stored = await fbot.repo.insight.feedback_of(USER, qid)
    assert stored is not None
    assert stored.note == NOTE


async def test_skip_closes_the_prompt(fbot: Harness) -> None:
    _, qid, prompt = await report(fbot, "内容过时")
    reasons = fbot.emu.messages(USER)[-2]
    toast = await fbot.press(
        USER, fbot.button(USER, "跳过", reasons.message_id), message_id=reasons.message_id
    )
    assert toast is not None
    assert toast["text"] == "好的，不补充了。谢谢！"
    skipped = fbot.message(USER, reasons.message_id)
    assert (skipped.text or "") == f"✅ 已记录（{qid}）：内容过时。谢谢你帮我们把题目改得更准确！"
    assert labels(fbot, USER, reasons.message_id) == []
    await reply_to(fbot, prompt.message_id, NOTE)  # the prompt is closed: the checker answers
    assert not fbot.text(USER).startswith("📝")
    assert fbot.repo is not None
    stored = await fbot.repo.insight.feedback_of(USER, qid)
    assert stored is not None
    assert stored.note is None


async def test_a_note_too_long_or_empty_is_asked_for_again(fbot: Harness) -> None:
    _, qid, prompt = await report(fbot)
    await reply_to(fbot, prompt.message_id, "太" * 501)
    again = fbot.last(USER)
    assert (again.text or "").startswith("这段说明有 501 字，超过了 500 字的上限，没有保存。")
    assert again.reply_markup is not None
    assert again.reply_markup["force_reply"] is True
    await reply_to(fbot, again.message_id, "\u200b \u200b")
    empty = fbot.last(USER)
    assert (empty.text or "").startswith("没有收到文字说明。")
    hostile = '<b>粗体</b> & <a href="tg://x">链接</a>'
    await reply_to(fbot, empty.message_id, hostile)
    assert fbot.text(USER).startswith("📝")
    assert fbot.repo is not None
    stored = await fbot.repo.insight.feedback_of(USER, qid)
    assert stored is not None
    assert stored.note == hostile  # plain text, as written


async def test_mydata_has_the_report_and_forget_deletes_it(fbot: Harness) -> None:
    message, qid, prompt = await report(fbot)
    await reply_to(fbot, prompt.message_id, NOTE)
    await fbot.send(USER, "/mydata")
    [document] = fbot.emu.sent_files(USER)
    exported = json.loads(fbot.emu.file_bytes(document.file_path) or b"")
    [row] = exported["data"]["feedback"]
    assert (row["question_id"], row["reason"], row["note"], row["origin"]) == (
        qid,
        "wrong_answer",
        NOTE,
        "quiz",
    )

    await fbot.send(USER, "/forget")
    await fbot.press(USER, fbot.button(USER, "确认删除"))
    assert fbot.repo is not None
    assert await fbot.repo.insight.feedback_of(USER, qid) is None
    assert all(rows == [] for rows in (await fbot.repo.privacy.export_user(USER)).values())
    # The old button is dead: a press never creates a person.
    count = len(fbot.emu.messages(USER))
    toast = await fbot.press(
        USER, fbot.button(USER, "已反馈", message.message_id), message_id=message.message_id
    )
    assert toast is not None
    assert toast["text"] == "请先私聊机器人发送 /start。"
    assert len(fbot.emu.messages(USER)) == count
    assert await fbot.repo.people.get_user(USER) is None


async def test_a_lesson_checks_result_offers_the_report(fbot: Harness) -> None:
    await fbot.send(USER, "/lesson")
    lesson = fbot.last(USER)
    buttons = fbot.buttons(USER, lesson.message_id)
    assert "⚠️ 纠错" not in [label for label, _ in buttons]  # not before the answer
    single = [data for _, data in buttons if data and data.startswith("lq:")]
    if single:
        await fbot.press(USER, single[0], message_id=lesson.message_id)
    else:
        toggle = next(data for _, data in buttons if data and data.startswith("lt:"))
        await fbot.press(USER, toggle, message_id=lesson.message_id)
        submit = next(
            d for _, d in fbot.buttons(USER, lesson.message_id) if d and d.startswith("lk:")
        )
        await fbot.press(USER, submit, message_id=lesson.message_id)
    result = fbot.message(USER, lesson.message_id)
    await open_reasons(fbot, result)
    await fbot.press(USER, fbot.button(USER, "表述不清"))
    assert fbot.repo is not None
    rows = (await fbot.repo.privacy.export_user(USER))["feedback"]
    assert [(r["reason"], r["origin"]) for r in rows] == [("unclear", "lesson")]
    assert "✅ 已反馈" in labels(fbot, USER, lesson.message_id)


async def test_forged_presses_change_nothing(fbot: Harness) -> None:
    message, qid = await answered(fbot)
    button = fbot.button(USER, "纠错", message.message_id)
    action = decode(button)
    assert isinstance(action, ReportProblem)
    fbot.user(OTHER)
    await fbot.send(OTHER, "/start")
    before = len(fbot.emu.messages(USER)), len(fbot.emu.messages(OTHER))
    # Someone else's answer, on a message that does not show that button.
    toast = await fbot.forge_press(OTHER, button)
    assert toast is not None
    assert toast["text"] == "这个按钮已经失效了。"
    reason = ReportReason(action.origin, action.ref, action.position, "wrong_answer").encode()
    toast = await fbot.forge_press(OTHER, reason)
    assert toast is not None
    assert toast["text"] == "这个按钮已经失效了。"
    # The real message, pressed by somebody else (a forwarded copy, a modified client).
    toast = await fbot.forge_press(OTHER, button, chat_id=USER, message_id=message.message_id)
    assert toast is not None
    assert toast["text"] == "这个按钮只在你和机器人的私聊里有效。"
    # In a group, on a message of the bot there.
    group = fbot.emu.add_group("反诈演练群", members=[USER, OTHER], admins=[USER])
    await fbot.send(USER, "/help", chat_id=group)
    for data in (button, reason, "fs:" + qid + ":typo"):
        toast = await fbot.forge_press(USER, data, chat_id=group)
        assert toast is not None
    assert (len(fbot.emu.messages(USER)), len(fbot.emu.messages(OTHER))) == before
    assert len([m for m in fbot.emu.messages(group) if m.from_id == fbot.emu.bot.id]) == 1
    assert fbot.repo is not None
    assert await fbot.repo.insight.feedback_of(OTHER, qid) is None
    assert await fbot.repo.insight.feedback_of(USER, qid) is None
    # Behind the buttons, the service refuses an answer that is not the presser's own.
    insight = svc_of(fbot).insight
    other = Pressed(OTHER, OTHER, 1, True)
    assert await insight.start_report(other, action.answer) is FeedbackRefusal.NOT_ANSWERED
    outcome = await insight.report(other, action.answer, Reason.TYPO, fbot.clock())
    assert outcome is FeedbackRefusal.NOT_ANSWERED
    gone = AnswerRef(Origin.QUIZ, action.ref + 1000, 0)
    own = Pressed(USER, USER, 1, True)
    assert await insight.start_report(own, gone) is FeedbackRefusal.NOT_ANSWERED
    assert await fbot.repo.insight.feedback_of(OTHER, qid) is None


async def test_a_forged_link_shows_no_reasons(fbot: Harness) -> None:
    _, _ = await answered(fbot)
    assert fbot.repo is not None
    session = await fbot.repo.quizzes.open_session(USER)
    assert session is not None
    for payload in (
        f"F-quiz-{session.id}-0",
        "F-event-1-0",
        "F-nonsense",
        f"F-quiz-{session.id}-00",
    ):
        await fbot.send(OTHER, f"/start {payload}")
        assert fbot.text(OTHER) == "只能反馈你自己答过的题。"
        assert labels(fbot, OTHER) == []
    await fbot.send(USER, f"/start F-quiz-{session.id}-0")  # the person's own answer: fine
    assert fbot.text(USER).startswith("⚠️ 这道题有什么问题？")


# --- operators ----------------------------------------------------------------------------


async def test_feedback_pages_200_reports_and_sends_the_rest_as_a_file(fbot: Harness) -> None:
    assert fbot.repo is not None
    questions = list(fbot.content.catalog.questions.values())[:100]
    hostile = '<b>粗体</b> & <a href="tg://x">链接</a>'
    start = date(2026, 1, 1)
    for n in range(200):
        question = questions[n % 100]
        await fbot.repo.insight.add_feedback(
            user_id=10_000 + n,
            question_id=question.id,
            version=question_version(question),
            reason=list(Reason)[n % 5],
            origin=Origin.QUIZ,
            day=start + timedelta(days=n),
        )
        note = hostile if n == 199 else f"第{n}条：" + "这道题的说法和官方通报不一致，" * 5
        await fbot.repo.insight.set_feedback_note(10_000 + n, question.id, note)
    await fbot.send(OPERATOR, "/feedback")
    page = fbot.emu.messages(OPERATOR)[-2]
    text = page.text or ""
    assert tg_len(text) <= MESSAGE_TEXT
    assert text.startswith("📮 纠错反馈：100 道题，共 200 条（最新在前）")
    newest = questions[199 % 100]
    assert text.split("\n\n")[1].startswith(newest.id)  # the newest report's question first
    assert hostile in text  # shown as written: escaped, never parsed as HTML
    shown = text.count("\n• ") // 2  # two reports per question here
    assert 0 < shown < 100
    assert text.endswith(f"…还有 {100 - shown} 道题的反馈（见附件）")
    [document] = fbot.emu.sent_files(OPERATOR)
    assert document.file_name == "feedback.txt"
    assert document.data is not None
    listing = document.data.decode()
    assert listing.count("\n- ") + listing.startswith("- ") == 200
    assert hostile in listing  # the file is plain text: the note exactly as written
    assert "&lt;" not in listing


async def test_feedback_for_a_bank_and_for_nobody(fbot: Harness) -> None:
    await fbot.send(OPERATOR, "/feedback")
    assert "还没有人反馈问题。" in fbot.text(OPERATOR)
    await fbot.send(OPERATOR, "/feedback no_such_bank")
    assert fbot.text(OPERATOR) == "没有这个题库。"
    assert fbot.emu.sent_files(OPERATOR) == []


async def test_question_stats_for_a_known_and_an_unknown_id(fbot: Harness) -> None:
    _, qid, _ = await report(fbot)
    await fbot.send(OPERATOR, f"/question_stats {qid}")
    await settle(fbot)
    text = fbot.text(OPERATOR)
    assert text.startswith(f"📊 题目统计 · {qid}（{BANK}")
    assert "作答：1 人" in text
    assert "纠错反馈：1 条" in text  # the analysis counts the report
    await fbot.send(OPERATOR, "/question_stats no-such-question")
    await settle(fbot)
    assert fbot.text(OPERATOR) == "没有题号为 no-such-question 的题目。"
    await fbot.send(OPERATOR, "/question_stats")
    await settle(fbot)
    assert fbot.text(OPERATOR).startswith("用法：/question_stats 题号")


async def test_question_stats_reuses_a_banks_figures_for_a_short_while(fbot: Harness) -> None:
    _, qid = await answered(fbot)
    await fbot.send(OPERATOR, f"/question_stats {qid}")
    await settle(fbot)
    assert "纠错反馈：0 条" in fbot.text(OPERATOR)
    question = fbot.content.catalog.questions[qid]
    assert fbot.repo is not None
    await fbot.repo.insight.add_feedback(
        user_id=OTHER,
        question_id=qid,
        version=question_version(question),
        reason=Reason.TYPO,
        origin=Origin.EVENT,
        day=date(2026, 3, 15),
    )
    fbot.clock.advance(seconds=90)
    await fbot.send(OPERATOR, f"/question_stats {qid}")
    await settle(fbot)
    assert "纠错反馈：0 条" in fbot.text(OPERATOR)  # the bank's figures of 90 s ago
    fbot.clock.advance(seconds=60)
    await fbot.send(OPERATOR, f"/question_stats {qid}")
    await settle(fbot)
    assert "纠错反馈：1 条" in fbot.text(OPERATOR)


async def test_operator_commands_refuse_anyone_else(fbot: Harness) -> None:
    await fbot.send(USER, "/start")
    for command in ("/feedback", f"/question_stats {BANK}"):
        await fbot.send(USER, command)
        await settle(fbot)
        assert fbot.text(USER) == "这个命令只对本机器人的管理员开放。"
    # People's notes are not shown in a group, even to an operator.
    group = fbot.emu.add_group("反诈演练群", members=[USER, OPERATOR], admins=[OPERATOR])
    await fbot.send(OPERATOR, "/feedback", chat_id=group)
    assert "📮" not in fbot.text(group)
    assert labels(fbot, group) == ["💬 私聊机器人"]


async def test_operators_help_lists_both_commands(fbot: Harness) -> None:
    await fbot.send(OPERATOR, "/help")
    assert "/feedback — 查看纠错反馈" in fbot.text(OPERATOR)
    assert "/question_stats — 题目统计" in fbot.text(OPERATOR)
    await fbot.send(USER, "/help")
    assert "/feedback" not in fbot.text(USER)
