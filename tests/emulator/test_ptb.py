"""A real python-telegram-bot Application talking to the emulator through EmulatorRequest."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
)

from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.emulator.request import EmulatorRequest, process_pending_updates

from .conftest import TOKEN

USER = 42
App = Application[Any, Any, Any, Any, Any, Any]


async def test_send_message_round_trip(app: App, emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    async with app:
        message = await app.bot.send_message(
            USER, "<b>警惕</b>“刷单返利”😀", parse_mode=ParseMode.HTML
        )
    assert message.text == "警惕“刷单返利”😀"
    assert message.parse_entities() == {message.entities[0]: "警惕"}
    assert message.from_user is not None
    assert message.from_user.username == "quiz315_bot"
    method, params = emu.calls[-1]
    assert (method, params["parse_mode"]) == ("sendMessage", "HTML")


async def test_telegram_errors_become_ptb_exceptions(app: App, emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    async with app:
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await app.bot.send_message(USER, "字" * 4097)
        bad_html = r'^Can\'t parse entities: unsupported start tag "br" at byte offset 1$'
        with pytest.raises(BadRequest, match=bad_html):
            await app.bot.send_message(USER, "a<br>b", parse_mode=ParseMode.HTML)
        button = InlineKeyboardButton("选项", callback_data="x" * 65)
        with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
            await app.bot.send_message(USER, "q", reply_markup=InlineKeyboardMarkup([[button]]))
        with pytest.raises(BadRequest, match="explanation is too long"):
            await app.bot.send_poll(
                USER,
                "问题",
                ["对", "错"],
                type="quiz",
                correct_option_ids=[0],
                explanation="释" * 201,
            )
        sent = await app.bot.send_message(USER, "同样")
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await app.bot.edit_message_text("同样", USER, sent.message_id)
        emu.block_bot(USER)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(USER, "x")
        with pytest.raises(EndPointNotFound):
            await app.bot.do_api_request("sendNothing")


async def test_command_with_bot_username_and_payload(app: App, emu: BotApiEmulator) -> None:
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "欢迎")

    app.add_handler(CommandHandler("start", start))
    emu.user_sends(USER, USER, "/start@quiz315_bot telecom_fraud")
    async with app:
        assert await process_pending_updates(app, emu) == 1
    assert seen == [["telecom_fraud"]]
    assert emu.last_message(USER).text == "欢迎"


async def test_update_de_json_by_hand(app: App, emu: BotApiEmulator) -> None:
    seen: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.effective_user.first_name if update.effective_user else "")

    app.add_handler(CommandHandler("start", start))
    data = emu.user_sends(USER, USER, "/start")
    assert data is not None
    async with app:
        await app.process_update(Update.de_json(data, app.bot))
    assert seen == ["User42"]


async def test_button_press_is_answered(app: App, emu: BotApiEmulator) -> None:
    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("✅ 正确")
        await query.edit_message_text(f"你选了 {query.data}")

    app.add_handler(CallbackQueryHandler(pressed))
    emu.add_user(USER)
    async with app:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="q1:a")]])
        sent = await app.bot.send_message(USER, "题目", reply_markup=markup)
        assert emu.keyboard(USER, sent.message_id) == [("A", "q1:a")]
        query_id = emu.user_presses(USER, USER, sent.message_id, "q1:a")
        await process_pending_updates(app, emu)
    assert emu.callback_answer(query_id) is not None
    assert emu.last_message(USER).text == "你选了 q1:a"
    assert emu.keyboard(USER) == []


async def test_poll_answer_reaches_handler(app: App, emu: BotApiEmulator) -> None:
    answers: list[tuple[int, tuple[int, ...]]] = []

    async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        assert answer is not None
        assert answer.user is not None
        answers.append((answer.user.id, answer.option_ids))

    app.add_handler(PollAnswerHandler(on_answer))
    group = emu.add_group("反诈小课堂活动", members=[1, 2], admins=[1])
    async with app:
        message = await app.bot.send_poll(
            group,
            "遇到“安全账户”转账要求？",
            ["转账", "报警 110"],
            type="quiz",
            correct_option_ids=[1],
            is_anonymous=False,
            open_period=30,
            explanation="公安机关没有“安全账户”",
        )
        assert message.poll is not None
        assert message.poll.correct_option_ids == (1,)
        emu.user_votes(2, message.poll.id, [1])
        emu.advance(31)
        await process_pending_updates(app, emu)
        with pytest.raises(BadRequest, match="Poll has already been closed"):
            await app.bot.stop_poll(group, message.message_id)
    assert answers == [(2, (1,))]
    assert emu.polls[message.poll.id].is_closed


async def test_retry_after_when_flood_limits_are_on(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22.8 warns on RetryAfter(int) unless it may use timedelta; filterwarnings=error.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    flooded = BotApiEmulator(clock=clock, flood=FloodLimits(private_burst=1))
    flooded.add_user(USER)
    app = ApplicationBuilder().token(TOKEN).request(EmulatorRequest(flooded)).build()
    async with app:
        await app.bot.send_message(USER, "1")
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(USER, "2")
    assert caught.value.retry_after == dt.timedelta(seconds=1)


async def test_files_round_trip(app: App, emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    async with app:
        message = await app.bot.send_document(
            USER,
            InputFile(b"id,score\n1,3\n", filename="report.csv"),
            caption="<i>结果</i>",
            parse_mode=ParseMode.HTML,
        )
        assert message.document is not None
        assert message.document.file_name == "report.csv"
        file = await app.bot.get_file(message.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"id,score\n1,3\n"
    assert emu.sent_files(USER)[0].mime_type == "text/csv"


async def test_updater_long_polls_the_emulator(app: App, emu: BotApiEmulator) -> None:
    got = asyncio.Event()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        got.set()

    app.add_handler(CommandHandler("start", start))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        emu.user_sends(USER, USER, "/start")
        await asyncio.wait_for(got.wait(), 3)
        await app.updater.stop()
        await app.stop()
    assert emu.pending_updates() == []


async def test_read_only_methods_parse_in_ptb(app: App, emu: BotApiEmulator) -> None:
    group = emu.add_group("志愿者群", members=[1, 2], admins=[1], bot_is_admin=True)
    emu.add_user(USER)
    async with app:
        chat = await app.bot.get_chat(group)
        assert (chat.title, chat.type) == ("志愿者群", "supergroup")
        admins = await app.bot.get_chat_administrators(group)
        assert [a.status for a in admins] == ["creator", "administrator"]
        assert (await app.bot.get_chat_member(group, 2)).status == "member"
        await app.bot.set_my_commands([("start", "开始答题")], language_code="zh")
        commands = await app.bot.get_my_commands(language_code="zh")
        assert [(c.command, c.description) for c in commands] == [("start", "开始答题")]
        assert await app.bot.send_chat_action(USER, "typing")
        emu.block_bot(USER)
        (data,) = emu.take_updates()
        update = Update.de_json(data, app.bot)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert emu.chat_actions == [(USER, "typing")]
