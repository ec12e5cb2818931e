"""Presses a modified client forges, through the emulator: they must change nothing (F1–F5).

The attack that found these delivered any callback data a client sent, on any message it could
see. ``Harness.forge_press`` does the same; each test checks what a person would notice: the
messages in the chat, the stored rows, the toast.
"""

from __future__ import annotations

import json

from telegram import Update

from bot.actions import (
    Answer,
    ChooseBank,
    Continue,
    Forget,
    Join,
    LessonMenu,
    Mistakes,
    Next,
    Result,
    SetLanguage,
    ShowBanks,
    ShowName,
    SpeedBonus,
    Submit,
    Toggle,
)
from bot.emulator.core import StoredMessage
from tests.handlers.test_quiz import USER, answer, current_question, letters_for
from tests.harness import Harness

MEMBER = 77  # in the group, not an admin
ADMIN = 10


def snapshot(message: StoredMessage) -> tuple[str | None, str]:
    return message.text, json.dumps(message.inline_keyboard, sort_keys=True, ensure_ascii=False)


async def open_lobby(bot: Harness) -> tuple[int, StoredMessage]:
    group = bot.emu.add_group("反诈演练群", members=[ADMIN, MEMBER, USER], admins=[ADMIN])
    await bot.send(ADMIN, "/event_new example 3 30", chat_id=group)
    lobby = bot.last(group)
    assert "报名" in (lobby.text or "")
    return group, lobby


async def test_f1_forged_presses_in_a_group_never_edit_or_post_there(bot: Harness) -> None:
    await bot.send(USER, "/start example")  # a private quiz whose ids a member could guess
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    group, lobby = await open_lobby(bot)
    join = bot.button(group, "报名")
    event_id = int(join.split(":")[1])
    before_lobby, before_count = snapshot(lobby), len(bot.emu.messages(group))
    forged = [
        Toggle(session.id, 0, 1),  # another person's quiz, drawn onto the lobby
        Answer(session.id, 0, 0),
        Submit(session.id, 0, 3),
        Next(session.id),
        Continue(session.id),
        Result(session.id),
        Mistakes(session.id),
        ChooseBank("example"),  # a private quiz screen posted into the group
        ShowBanks(),
        SetLanguage("en"),
        ShowName(True),
        Forget(True, MEMBER),
        LessonMenu("now"),
        LessonMenu("unsub"),
        SpeedBonus(event_id, False),  # a member may not change the lobby
        Join(event_id + 1),  # another event's button
    ]
    for action in forged:
        toast = await bot.forge_press(MEMBER, action.encode(), chat_id=group)
        assert toast is not None, action  # every forged press is answered with a toast
    assert snapshot(bot.message(group, lobby.message_id)) == before_lobby
    assert len(bot.emu.messages(group)) == before_count
    assert await bot.repo.people.get_user(MEMBER) is None  # F4: refusals create no one
    # The lobby still works for the people it is for.
    assert (await bot.press(MEMBER, join, chat_id=group) or {})["text"].startswith("✅ 报名成功")


async def test_f1_a_lobby_button_forged_onto_another_message_is_refused(bot: Harness) -> None:
    group, lobby = await open_lobby(bot)
    await bot.send(ADMIN, "/help", chat_id=group)  # any other message of the bot in the group
    other = bot.last(group)
    join = bot.button(group, "报名", lobby.message_id)
    toast = await bot.forge_press(MEMBER, join, chat_id=group, message_id=other.message_id)
    assert toast is not None
    assert toast["text"] == "这场竞赛已经结束或不存在了。"
    assert bot.repo is not None
    event_id = int(join.split(":")[1])
    assert await bot.repo.players.participant_count(event_id) == 0


async def test_f2_a_submit_on_a_single_choice_question_stores_nothing(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    question = await current_question(bot)
    assert question.type.value != "multiple"
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    screen = snapshot(bot.last(USER))
    for action in (Submit(session.id, 0, 0b11), Toggle(session.id, 0, 0b11)):
        toast = await bot.forge_press(USER, action.encode())
        assert toast is not None
        assert toast["text"] == "这个按钮无效或已过期。"
    assert await bot.repo.quizzes.session_answers(session.id) == []
    assert snapshot(bot.last(USER)) == screen


async def test_f2_a_single_option_on_a_multiple_answer_question_is_refused(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    while (await current_question(bot)).type.value != "multiple":
        await answer(bot, correct=True)
        await bot.press(USER, bot.button(USER, "下一题"))
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    toast = await bot.forge_press(USER, Answer(session.id, session.position, 0).encode())
    assert toast is not None
    assert toast["text"] == "这个按钮无效或已过期。"
    assert len(await bot.repo.quizzes.session_answers(session.id)) == session.position


async def test_f3_an_answer_through_an_old_message_is_refused(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    first = bot.last(USER)
    await answer(bot, correct=True)
    await bot.press(USER, bot.button(USER, "下一题"))
    second = bot.last(USER)
    assert second.message_id != first.message_id
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    old_screen = snapshot(bot.message(USER, first.message_id))
    # The second question's answer, sent through the first question's message.
    question = await current_question(bot)
    if question.type.value == "multiple":
        data = Submit(session.id, 1, 1).encode()
    else:
        letter = letters_for(second.text or "", question, correct=True)[0]
        data = bot.button(USER, letter, second.message_id)
    toast = await bot.forge_press(USER, data, message_id=first.message_id)
    assert toast is not None
    assert toast["text"] == "这条消息已过期，请发送 /quiz 继续。"
    assert snapshot(bot.message(USER, first.message_id)) == old_screen
    assert len(await bot.repo.quizzes.session_answers(session.id)) == 1


async def test_f3_a_copy_of_the_question_in_another_chat_is_refused(bot: Harness) -> None:
    """A question message forwarded to a group: its buttons there belong to nobody."""
    await bot.send(USER, "/start cards")
    data = bot.buttons(USER)[0][1]
    assert data is not None
    group = bot.emu.add_group("家庭群", members=[USER], admins=[USER])
    await bot.send(USER, "/help", chat_id=group)
    toast = await bot.forge_press(USER, data, chat_id=group)
    assert toast is not None
    assert toast["text"] == "这不是你的题目，发送 /quiz 开始你自己的测验。"
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    assert await bot.repo.quizzes.session_answers(session.id) == []


async def test_f4_after_forget_no_old_button_brings_the_person_back(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    question_message = bot.last(USER)
    await answer(bot, correct=True)
    await bot.send(USER, "/settings")
    settings_message = bot.last(USER)
    old = [
        (question_message.message_id, data)
        for message in (question_message, settings_message)
        for _, data in bot.buttons(USER, message.message_id)
        if data is not None
    ]
    await bot.send(USER, "/forget")
    await bot.press(USER, bot.button(USER, "确认删除"))
    assert bot.repo is not None
    assert await bot.repo.people.get_user(USER) is None
    for message_id, data in [*old, (question_message.message_id, ChooseBank("cards").encode())]:
        toast = await bot.forge_press(USER, data, message_id=message_id)
        assert toast is not None
        assert await bot.repo.people.get_user(USER) is None, data
    assert all(rows == [] for rows in (await bot.repo.privacy.export_user(USER)).values())
    # A command is a new first contact.
    await bot.send(USER, "/start")
    assert await bot.repo.people.get_user(USER) is not None


async def test_f4_an_old_forget_confirmation_cannot_delete_later(bot: Harness) -> None:
    await bot.send(USER, "/forget")
    first = bot.last(USER)
    await bot.press(USER, bot.button(USER, "取消"))
    toast = await bot.forge_press(USER, Forget(True, USER).encode(), message_id=first.message_id)
    assert toast is not None
    assert toast["text"] == "这条消息已过期，请发送 /quiz 继续。"
    assert bot.repo is not None
    assert await bot.repo.people.get_user(USER) is not None


async def test_f5_a_toggle_delivered_twice_keeps_what_the_message_shows(bot: Harness) -> None:
    await bot.send(USER, "/start example")
    while (await current_question(bot)).type.value != "multiple":
        await answer(bot, correct=True)
        await bot.press(USER, bot.button(USER, "下一题"))
    message = bot.last(USER)
    await bot.press(USER, bot.button(USER, "A"))
    ticked = snapshot(bot.message(USER, message.message_id))
    assert "☑️ A" in ticked[1]
    # Telegram delivers the same update again, with the same (now answered) query.
    bot.allow_api_failures = True
    assert bot.app is not None
    await bot.app.process_update(Update.de_json(bot.delivered[-1], bot.app.bot))
    bot.check()  # no handler error: an expired query is not one
    assert snapshot(bot.message(USER, message.message_id)) == ticked
    refused = [call.method for call, _ in bot.emu.failures]
    assert set(refused) <= {"answerCallbackQuery", "editMessageText"}
    # What the message shows is what is submitted: A alone.
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    await bot.press(USER, bot.button(USER, "提交"))
    stored = (await bot.repo.quizzes.session_answers(session.id))[-1]
    assert stored.chosen == {session.option_orders[session.position][0]}
