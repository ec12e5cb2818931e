"""Scene pictures in a private quiz: the photo right before the question, the question message
the one that is edited, each picture uploaded once, a refused file id uploaded again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.context import Services
from bot.domain.content import Question
from bot.emulator.core import StoredMessage
from bot.handlers.pictures import scene_labels, send_scene
from tests.handlers.test_quiz import current_question, letters_for
from tests.harness import Clock, Harness
from tests.scene_banks import LONG_EN, write_scene_banks

USER = 42


@pytest.fixture
async def sbot(settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[Harness]:
    quizzes = tmp_path / "scene_quizzes"
    write_scene_banks(quizzes)
    harness = Harness(replace(settings, quizzes_dir=quizzes), clock, content_paths=[quizzes])
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def services(bot: Harness) -> Services:
    assert bot.app is not None
    found = bot.app.bot_data["services"]
    assert isinstance(found, Services)
    return found


def screen(bot: Harness, user_id: int = USER) -> list[StoredMessage]:
    """The bot's messages in the chat, oldest first."""
    return [m for m in bot.emu.messages(user_id) if m.from_id == bot.emu.bot.id]


def uploads(bot: Harness) -> int:
    """Photos Telegram received as files (a send by file id adds none)."""
    return sum(1 for f in bot.emu.files.values() if f.kind == "photo" and f.data)


async def answer_right(bot: Harness, user_id: int = USER) -> StoredMessage:
    question = await current_question(bot, user_id)
    message = screen(bot, user_id)[-1]
    letter = letters_for(message.text or "", question, correct=True)[0]
    await bot.press(user_id, bot.button(user_id, letter, message.message_id))
    return bot.message(user_id, message.message_id)


async def next_question(bot: Harness, user_id: int = USER) -> None:
    await bot.press(user_id, bot.button(user_id, "下一题"))


def check_shown(bot: Harness, question: Question) -> StoredMessage:
    """The last two messages: the scene's photo (its text as caption), then the question
    without the scenario. Returns the question message."""
    *_, photo, asked = screen(bot)
    assert question.scene is not None
    assert photo.photo is not None
    assert photo.message_id == asked.message_id - 1  # right above it
    caption = photo.caption or ""
    assert caption.startswith("🖼️ 第 ")
    assert question.scene.messages[0].text.zh in caption  # the text version, for screen readers
    kinds = [e["type"] for e in photo.caption_entities]
    assert kinds[:2] == ["bold", "expandable_blockquote"]
    assert set(kinds[2:]) <= {"code"}  # a scam's addresses in the text: never a live link
    text = asked.text or ""
    assert question.scene.messages[0].text.zh not in text
    assert "情景见上图" in text
    assert question.text.zh in text
    return asked


async def test_each_scene_question_gets_its_picture_then_the_question_that_is_answered(
    sbot: Harness,
) -> None:
    await sbot.send(USER, "/start scenes")
    photos = 0
    for number in range(1, 5):
        question = await current_question(sbot)
        if question.scene is None:  # the plain question: no photo, its scenario inline
            asked = screen(sbot)[-1]
            assert question.scenario is not None
            assert question.scenario.zh.strip("短信：") in (asked.text or "")
            assert screen(sbot)[-2].photo is None
        else:
            asked = check_shown(sbot, question)
            photos += 1
        assert (asked.text or "").startswith(f"📘 情景题库 · 第 {number}/4 题")
        before = [(m.message_id, m.caption) for m in screen(sbot) if m.photo]
        edited = await answer_right(sbot)
        assert edited.message_id == asked.message_id  # the question message is edited
        assert "✅ 回答正确！" in (edited.text or "")
        assert ("情景见上图" in (edited.text or "")) is (question.scene is not None)
        assert [(m.message_id, m.caption) for m in screen(sbot) if m.photo] == before
        if number < 4:
            await next_question(sbot)
    assert photos == 3
    assert len(sbot.emu.calls_to("sendPhoto")) == 3
    assert uploads(sbot) == 3


async def test_each_picture_is_uploaded_once_per_language_then_sent_by_file_id(
    sbot: Harness,
) -> None:
    async def whole_quiz(user_id: int) -> None:
        await sbot.send(user_id, "/start scenes")
        for number in range(4):
            await answer_right(sbot, user_id)
            if number < 3:
                await next_question(sbot, user_id)

    await whole_quiz(USER)
    assert uploads(sbot) == 3
    await whole_quiz(43)  # the same pictures: by file id
    assert uploads(sbot) == 3
    sent = sbot.emu.calls_to("sendPhoto")[-3:]
    assert all(not str(params["photo"]).startswith("attach://") for params in sent)
    await sbot.restart()  # a new process reads the file ids from the database
    await whole_quiz(44)
    assert uploads(sbot) == 3
    sbot.user(45, "Alice", language_code="en")
    await sbot.send(45, "/start scenes")  # English pictures are other pictures
    english = screen(sbot, 45)[-2]
    assert english.photo is not None
    assert uploads(sbot) == 4
    assert "Question 1/4 · the scenario" in (english.caption or "")


async def until_a_scene(bot: Harness, user_id: int) -> StoredMessage:
    """Start the scene bank and go on to its first scene question; returns its photo."""
    await bot.send(user_id, "/start scenes")
    while (await current_question(bot, user_id)).scene is None:
        await answer_right(bot, user_id)
        await next_question(bot, user_id)
    return screen(bot, user_id)[-2]


async def test_a_refused_file_id_is_uploaded_again_and_replaced(sbot: Harness) -> None:
    await sbot.send(USER, "/start scenes")
    for number in range(4):  # every picture uploaded once
        await answer_right(sbot)
        if number < 3:
            await next_question(sbot)
    known = {f.file_id: f.data for f in sbot.emu.files.values() if f.kind == "photo"}
    assert len(known) == 3
    await sbot.restart()
    sbot.emu.files.clear()  # Telegram no longer knows them (e.g. the ids of another bot)
    sbot.allow_api_failures = True
    photo = (await until_a_scene(sbot, 43)).photo
    sbot.allow_api_failures = False
    refused = [(call.method, str(error)) for call, error in sbot.emu.failures]
    assert refused == [("sendPhoto", "Bad Request: wrong file identifier/HTTP URL specified")]
    assert photo is not None
    assert photo.file_id not in known
    assert photo.data in known.values()  # the same picture, uploaded anew
    sbot.emu.failures.clear()
    scene = (await current_question(sbot, 43)).scene
    assert scene is not None
    svc = services(sbot)
    key = svc.pictures.key(scene, "zh", scene_labels(svc, "zh"))
    assert sbot.repo is not None
    assert await sbot.repo.pictures.file_id(key) == photo.file_id  # the new id is kept


async def test_continue_sends_the_picture_again_above_the_question_shown_anew(
    sbot: Harness,
) -> None:
    await sbot.send(USER, "/start scenes")
    while (await current_question(sbot)).scene is None:
        await answer_right(sbot)
        await next_question(sbot)
    question = await current_question(sbot)
    photos = len(sbot.emu.calls_to("sendPhoto"))
    await sbot.send(USER, "/quiz")
    assert "没做完的测验" in (screen(sbot)[-1].text or "")
    await sbot.press(USER, sbot.button(USER, "继续"))
    asked = check_shown(sbot, question)  # below the offer: the picture again, then the question
    assert len(sbot.emu.calls_to("sendPhoto")) == photos + 1
    assert uploads(sbot) == photos  # by file id
    edited = await answer_right(sbot)
    assert edited.message_id == asked.message_id


async def just_before_a_scene(bot: Harness) -> StoredMessage:
    """Start the scene bank and answer up to the question before a scene question (not the
    first); returns that answered message, with its "next" button."""
    await bot.send(USER, "/start scenes")
    assert bot.repo is not None
    session = await bot.repo.quizzes.open_session(USER)
    assert session is not None
    scenes = [bool(bot.content.catalog.questions[qid].scene) for qid in session.question_ids]
    target = scenes.index(True, 1)
    for position in range(target):
        await answer_right(bot)
        if position + 1 < target:
            await next_question(bot)
    return screen(bot)[-1]


async def next_times_out_after_the_photo(bot: Harness) -> StoredMessage:
    """Press "next": the scene's photo arrives, its question message times out."""
    photos = len(bot.emu.calls_to("sendPhoto"))
    bot.request.fail_next.add("sendMessage")
    with pytest.raises(AssertionError, match="TimedOut"):
        await next_question(bot)
    bot.errors.clear()
    photo = screen(bot)[-1]
    assert photo.photo is not None  # the picture arrived, its question did not
    assert len(bot.emu.calls_to("sendPhoto")) == photos + 1
    return photo


async def test_next_does_not_resend_a_picture_already_right_above_its_question(
    sbot: Harness,
) -> None:
    """The photo arrived, the question message did not (a time-out): pressing "next" again
    sends the question right below the photo, without a second photo."""
    answered = await just_before_a_scene(sbot)
    photo = await next_times_out_after_the_photo(sbot)
    photos = len(sbot.emu.calls_to("sendPhoto"))
    data = sbot.button(USER, "下一题", answered.message_id)
    await sbot.press(USER, data, message_id=answered.message_id)
    question = await current_question(sbot)
    asked = check_shown(sbot, question)
    assert len(sbot.emu.calls_to("sendPhoto")) == photos  # not sent twice
    assert asked.message_id == photo.message_id + 1
    await answer_right(sbot)


async def test_continue_after_a_lost_question_sends_the_picture_again_below_the_offer(
    sbot: Harness,
) -> None:
    """The photo arrived, its question did not; then /quiz and "continue": the offer stands
    between that photo and the question now, so the question comes with its picture again."""
    await just_before_a_scene(sbot)
    photo = await next_times_out_after_the_photo(sbot)
    photos = len(sbot.emu.calls_to("sendPhoto"))
    await sbot.send(USER, "/quiz")
    offer = screen(sbot)[-1]
    assert offer.message_id > photo.message_id
    await sbot.press(USER, sbot.button(USER, "继续"))
    asked = check_shown(sbot, await current_question(sbot))
    assert asked.message_id - 1 > offer.message_id  # a new photo, right above the question
    assert len(sbot.emu.calls_to("sendPhoto")) == photos + 1


async def test_a_text_version_too_long_for_the_caption_comes_with_a_button(
    sbot: Harness,
) -> None:
    sbot.user(45, "Alice", language_code="en")
    await sbot.send(45, "/start long_scene")
    photo, asked = screen(sbot, 45)[-2:]
    assert photo.photo is not None
    caption = photo.caption or ""
    assert LONG_EN[:40] not in caption
    assert "press the button below" in caption
    assert [label for label, _ in sbot.buttons(45, photo.message_id)] == ["📝 Show as text"]
    data = sbot.button(45, "Show as text", photo.message_id)
    stranger = await sbot.forge_press(46, data, chat_id=45, message_id=photo.message_id)
    assert stranger is not None
    assert "text" in stranger
    assert len(screen(sbot, 45)) == 2  # a stranger's press sends nothing
    toast = await sbot.press(45, data, message_id=photo.message_id)
    assert toast is not None
    shown = screen(sbot, 45)[-1]
    assert shown.message_id > asked.message_id
    assert (shown.text or "").startswith("📝 Question 1 · the scenario as text")
    assert LONG_EN in (shown.text or "")
    assert "The scenario is in the picture above" in (asked.text or "")
    again = await sbot.press(45, data, message_id=photo.message_id)  # a double tap
    assert again is not None
    assert again["text"] == "Already sent, just below."
    assert screen(sbot, 45)[-1].message_id == shown.message_id
    sbot.clock.advance(seconds=11)  # later: the text may have scrolled away, so again
    await sbot.press(45, data, message_id=photo.message_id)
    assert screen(sbot, 45)[-1].message_id > shown.message_id


async def test_two_people_at_once_cause_one_upload(sbot: Harness) -> None:
    svc = services(sbot)
    assert sbot.app is not None
    question = sbot.content.catalog.questions["sc-call"]
    assert question.scene is not None
    for user_id in (USER, 43, 44):
        sbot.user(user_id)
    sent = await asyncio.gather(
        *(
            send_scene(sbot.app.bot, chat, svc, question.scene, "zh", caption="📞")
            for chat in (USER, 43, 44)
        )
    )
    assert uploads(sbot) == 1
    assert svc.pictures.drawn == 1
    assert len({m.photo[-1].file_id for m in sent}) == 1


async def test_the_review_of_mistakes_shows_each_scene_as_text(sbot: Harness) -> None:
    await sbot.send(USER, "/start scenes")
    for number in range(4):
        question = await current_question(sbot)
        message = screen(sbot)[-1]
        letter = letters_for(message.text or "", question, correct=False)[0]
        await sbot.press(USER, sbot.button(USER, letter, message.message_id))
        await sbot.press(USER, sbot.button(USER, "下一题" if number < 3 else "查看成绩"))
    results = next(m for m in reversed(screen(sbot)) if "错题" in str(m.inline_keyboard))
    data = sbot.button(USER, "错题", results.message_id)
    await sbot.press(USER, data, message_id=results.message_id)
    review = screen(sbot)[-1].text or ""
    count = len(screen(sbot))
    toast = await sbot.press(USER, data, message_id=results.message_id)
    assert toast is not None
    assert toast["text"] == "刚才已经发在下面了。"  # the same update twice sends one review
    assert len(screen(sbot)) == count
    assert review.startswith("📖 错题复习（4 道）")
    assert "短信 · 10690000 · 09:41" in review
    assert "10690000：【某某银行】您的积分即将清零，请登录 jf-bank.cc 兑换现金。" in review
    assert "我：怎么兑换？" in review
    assert "来电 · 010-8XXX XXXX · 10:26" in review
    assert "聊天 · 王总\n我在开会，马上给这个账户转20万元定金。" in review
    assert "您的快递丢失" in review
