"""Reply prompts: only a reply to a feature's prompt goes to it; every other text is checked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, ContextTypes

from bot.context import services
from bot.handlers.prompts import PromptReply, ask, kinds, prompt_kind
from tests.checker.support import bot_messages
from tests.harness import Harness

USER = 42
NOTES: list[tuple[str, str]] = []


@prompt_kind("test_note")
async def take_note(reply: PromptReply) -> None:
    """A feature as the editors' feedback note will be: it gets the reply and the payload."""
    NOTES.append((reply.prompt.payload, reply.text))
    await reply.message.reply_text("noted")


async def ask_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    assert update.effective_user is not None
    await ask(
        update.effective_message,
        services(context),
        update.effective_user.id,
        "test_note",
        "Your note on question q-17?",
        payload="q-17",
        placeholder="a line of text",
    )
    raise ApplicationHandlerStop  # added outside group 0: the unknown-command menu must not answer


@pytest.fixture
async def pbot(cbot: Harness) -> AsyncIterator[Harness]:
    assert cbot.app is not None
    cbot.app.add_handler(CommandHandler("asknote", ask_note), group=-3)
    NOTES.clear()
    yield cbot
    NOTES.clear()


async def reply_to(bot: Harness, message_id: int, text: str) -> None:
    bot.emu.user_sends(USER, USER, text, reply_to_message_id=message_id)
    await bot.flush()


async def test_a_reply_to_the_prompt_goes_to_its_feature_and_is_not_checked(
    pbot: Harness,
) -> None:
    await pbot.send(USER, "/asknote")
    prompt = pbot.last(USER)
    assert prompt.reply_markup is not None
    assert prompt.reply_markup["force_reply"] is True
    note = "第三题的解析里写错了日期：应该是2022年12月1日施行"
    await reply_to(pbot, prompt.message_id, note)
    assert [("q-17", note)] == NOTES
    assert pbot.text(USER) == "noted"


async def test_every_other_text_is_checked(pbot: Harness) -> None:
    await pbot.send(USER, "/asknote")
    prompt = pbot.last(USER).message_id
    pbot.clock.advance(seconds=30)
    await pbot.send(USER, "我刚接到一个自称公安的电话，让我转钱")  # not a reply: checked
    assert pbot.text(USER).startswith("🔴 高风险")
    checked = pbot.last(USER).message_id
    pbot.clock.advance(seconds=30)
    await reply_to(pbot, checked, "那我该怎么办")  # a reply, but to no prompt: checked
    assert pbot.text(USER).startswith("⚪")
    await reply_to(pbot, prompt, "只有这一条是留言")
    pbot.clock.advance(seconds=30)
    await reply_to(pbot, prompt, "再回复一次同一个问题")  # answered once: now just text
    assert NOTES == [("q-17", "只有这一条是留言")]
    assert pbot.text(USER).startswith("⚪")


async def test_a_reply_after_the_prompt_expired_is_told_so(pbot: Harness) -> None:
    await pbot.send(USER, "/asknote")
    prompt = pbot.last(USER).message_id
    pbot.clock.advance(hours=2)
    await reply_to(pbot, prompt, "晚了的留言")
    assert NOTES == []
    assert pbot.text(USER).startswith("⌛ 这个问题已经过期了")


async def test_check_asks_with_a_prompt_and_checks_the_reply(pbot: Harness) -> None:
    await pbot.send(USER, "/check")
    prompt = pbot.last(USER)
    assert (prompt.text or "").startswith("🔍 把可疑的短信")
    assert prompt.reply_markup is not None
    assert prompt.reply_markup["input_field_placeholder"] == "粘贴或转发可疑消息"
    await reply_to(pbot, prompt.message_id, "您的快递丢失，我们将双倍理赔，请加客服QQ并扫码退款")
    assert pbot.text(USER).startswith(("🔴", "🟠"))
    assert len(bot_messages(pbot, USER)) == 2


async def test_prompts_are_the_persons_data(pbot: Harness) -> None:
    await pbot.send(USER, "/asknote")
    assert pbot.repo is not None
    (row,) = (await pbot.repo.privacy.export_user(USER))["reply_prompts"]
    assert (row["kind"], row["payload"]) == ("test_note", "q-17")
    await pbot.send(USER, "/forget")
    await pbot.press(USER, pbot.button(USER, "删除"))
    assert (await pbot.repo.privacy.export_user(USER))["reply_prompts"] == []


def test_a_kind_is_registered_once_with_a_plain_name() -> None:
    assert {"check", "test_note"} <= set(kinds())
    with pytest.raises(ValueError, match="already has a handler"):
        prompt_kind("test_note")(take_note)
    with pytest.raises(ValueError, match="lower-case"):
        prompt_kind("Feedback Note")
