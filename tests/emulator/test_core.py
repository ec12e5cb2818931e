"""The emulator core: Telegram's checks, error texts, updates and simulation helpers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.emulator.core import NOT_MODIFIED, BotApiEmulator, BotApiError, FloodLimits

USER = 42


async def fails(emu: BotApiEmulator, method: str, **params: Any) -> BotApiError:
    with pytest.raises(BotApiError) as caught:
        await emu.call(method, params)
    return caught.value


def keyboard(*datas: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": d, "callback_data": d} for d in datas]]}


async def test_get_me_and_unknown_method(emu: BotApiEmulator) -> None:
    me = await emu.call("getMe")
    assert (me["username"], me["is_bot"]) == ("quiz315_bot", True)
    error = await fails(emu, "sendInvoice", chat_id=1)
    assert (error.error_code, error.description) == (404, "Not Found: method not found")
    assert [c.method for c in emu.calls] == ["getMe", "sendInvoice"]


async def test_a_webhook_replaces_get_updates_until_it_is_deleted(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    emu.user_sends(USER, USER, "hello")
    assert await emu.call(
        "setWebhook", {"url": "https://bot.example.org/hook", "secret_token": "s3cret_-X"}
    )
    assert emu.webhook is not None
    assert (emu.webhook.url, emu.webhook.secret_token) == (
        "https://bot.example.org/hook",
        "s3cret_-X",
    )
    info = await emu.call("getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == ("https://bot.example.org/hook", 1)
    conflict = await fails(emu, "getUpdates")
    assert conflict.error_code == 409
    assert "webhook is active" in conflict.description
    assert (
        await fails(emu, "setWebhook", url="https://x/", secret_token="not ok")
    ).error_code == 400
    assert await emu.call("deleteWebhook")
    assert (await emu.call("getWebhookInfo"))["url"] == ""
    [update] = await emu.call("getUpdates")
    assert update["message"]["text"] == "hello"


async def test_send_message_accepts_http_style_strings(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    message = await emu.call(
        "sendmessage",
        {
            "chat_id": str(USER),
            "text": "<b>注意</b>",
            "parse_mode": "HTML",
            "reply_markup": json.dumps(keyboard("a")),
        },
    )
    assert message["text"] == "注意"
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert emu.keyboard(USER) == [("a", "a")]
    assert emu.calls[-1].method == "sendMessage"


async def test_text_limits_are_checked_after_parsing_and_trimming(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    ok = await emu.call(
        "sendMessage",
        {"chat_id": USER, "text": "<b>" + "字" * 4096 + "</b>", "parse_mode": "HTML"},
    )
    assert len(ok["text"]) == 4096
    error = await fails(emu, "sendMessage", chat_id=USER, text="😀" * 2049)
    assert error.description == "Bad Request: message is too long"
    error = await fails(emu, "sendMessage", chat_id=USER, text=" \n ")
    assert error.description == "Bad Request: message text is empty"
    error = await fails(emu, "sendMessage", chat_id=USER, text="<b>x", parse_mode="HTML")
    assert error.description.startswith("Bad Request: can't parse entities: Can't find end tag")
    trimmed = await emu.call(
        "sendMessage", {"chat_id": USER, "text": "\n <b>x</b> ", "parse_mode": "HTML"}
    )
    assert (trimmed["text"], trimmed["entities"][0]["offset"]) == ("x", 0)


async def test_chat_and_user_state_errors(emu: BotApiEmulator) -> None:
    assert (await fails(emu, "sendMessage", chat_id=999, text="x")).description == (
        "Bad Request: chat not found"
    )
    emu.add_user(7, started=False)
    error = await fails(emu, "sendMessage", chat_id=7, text="x")
    assert (error.error_code, error.description) == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    emu.add_user(USER)
    emu.block_bot(USER)
    error = await fails(emu, "sendMessage", chat_id=USER, text="x")
    assert (error.error_code, error.description) == (403, "Forbidden: bot was blocked by the user")
    update = emu.take_updates()[-1]["my_chat_member"]
    assert update["new_chat_member"]["status"] == "kicked"


async def test_keyboard_checks(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    too_long = {"inline_keyboard": [[{"text": "x", "callback_data": "题" * 22}]]}
    error = await fails(emu, "sendMessage", chat_id=USER, text="x", reply_markup=too_long)
    assert error.description == "Bad Request: BUTTON_DATA_INVALID"
    fits = {"inline_keyboard": [[{"text": "x", "callback_data": "题" * 21 + "a"}]]}
    await emu.call("sendMessage", {"chat_id": USER, "text": "x", "reply_markup": fits})
    plain = {"inline_keyboard": [[{"text": "x"}]]}
    error = await fails(emu, "sendMessage", chat_id=USER, text="x", reply_markup=plain)
    assert "Text buttons are unallowed" in error.description
    error = await fails(
        emu,
        "sendMessage",
        chat_id=USER,
        text="x",
        reply_markup={"inline_keyboard": [{"text": "x"}]},
    )
    assert "must be an Array of Arrays" in error.description


async def test_edit_not_modified_and_keyboard_removal(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    sent = await emu.call(
        "sendMessage", {"chat_id": USER, "text": "q", "reply_markup": keyboard("a")}
    )
    mid = sent["message_id"]
    error = await fails(
        emu, "editMessageText", chat_id=USER, message_id=mid, text="q", reply_markup=keyboard("a")
    )
    assert error.description == f"Bad Request: {NOT_MODIFIED}"
    edited = await emu.call("editMessageText", {"chat_id": USER, "message_id": mid, "text": "q"})
    assert "reply_markup" not in edited  # omitting reply_markup drops the keyboard
    error = await fails(emu, "editMessageText", chat_id=USER, message_id=999, text="q")
    assert error.description == "Bad Request: message to edit not found"
    error = await fails(emu, "editMessageReplyMarkup", chat_id=USER, message_id=mid)
    assert error.description == f"Bad Request: {NOT_MODIFIED}"


async def test_callback_query_answer_once(emu: BotApiEmulator, clock: Any) -> None:
    emu.add_user(USER)
    sent = await emu.call(
        "sendMessage", {"chat_id": USER, "text": "q", "reply_markup": keyboard("a", "b")}
    )
    query_id = emu.user_presses(USER, USER, sent["message_id"], "b")
    update = emu.take_updates()[0]["callback_query"]
    assert (update["id"], update["data"], update["from"]["id"]) == (query_id, "b", USER)
    assert await emu.call("answerCallbackQuery", {"callback_query_id": query_id, "text": "对"})
    assert emu.callback_answer(query_id) == {
        "text": "对",
        "show_alert": False,
        "url": None,
        "cache_time": 0,
    }
    for bad_id in (query_id, "nope"):
        error = await fails(emu, "answerCallbackQuery", callback_query_id=bad_id)
        assert error.description.endswith("response timeout expired or query ID is invalid")
    late = emu.user_presses(USER, USER, sent["message_id"], "a")
    clock.now += 16
    assert (
        "too old" in (await fails(emu, "answerCallbackQuery", callback_query_id=late)).description
    )
    with pytest.raises(ValueError, match="no button"):
        emu.user_presses(USER, USER, sent["message_id"], "zzz")


QUIZ: dict[str, Any] = {
    "chat_id": USER,
    "question": "陌生人自称客服要求退款，应该？",
    "options": ["照做", "挂断并核实"],
    "type": "quiz",
    "correct_option_ids": [1],
    "is_anonymous": False,
}


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"question": "问" * 301}, "poll question length must not exceed 300"),
        ({"question": " "}, "poll question must be non-empty"),
        ({"options": []}, "poll must have at least 1 option"),
        ({"options": [str(i) for i in range(13)]}, "poll can't have more than 12 options"),
        ({"options": ["a", "b" * 101]}, "poll options length must not exceed 100"),
        ({"correct_option_ids": None}, "wrong correct option ID specified"),
        ({"correct_option_ids": [2]}, "wrong correct option ID specified"),
        (
            {"correct_option_ids": [0, 1]},
            "quiz without multiple answers must have exactly one correct option",
        ),
        ({"explanation": "释" * 201}, "poll explanation is too long"),
        ({"explanation": "a\nb\nc\nd"}, "poll explanation can't contain more than 2 line feeds"),
        ({"open_period": 4}, "poll open period is invalid"),
        ({"open_period": 2_628_001}, "poll open period is invalid"),
    ],
)
async def test_poll_checks(emu: BotApiEmulator, change: dict[str, Any], description: str) -> None:
    emu.add_user(USER)
    params = {**QUIZ, **change}
    error = await fails(emu, "sendPoll", **{k: v for k, v in params.items() if v is not None})
    assert error.description == f"Bad Request: {description}"


async def test_quiz_votes_and_timed_close(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    group = emu.add_group("反诈小组", members=[1, 2, 3], admins=[1])
    sent = await emu.call(
        "sendPoll",
        {
            **QUIZ,
            "chat_id": group,
            "open_period": 30,
            "explanation": "<b>挂断</b>",
            "explanation_parse_mode": "HTML",
            "options": json.dumps(["照做", "挂断并核实"]),
        },
    )
    poll = sent["poll"]
    assert (poll["correct_option_ids"], poll["explanation_entities"][0]["type"]) == ([1], "bold")
    emu.user_votes(2, poll["id"], [1])
    kinds = [next(k for k in u if k != "update_id") for u in emu.take_updates()]
    assert kinds == ["poll", "poll_answer"]
    with pytest.raises(ValueError, match="changing the answer"):
        emu.user_votes(2, poll["id"], [0])
    assert emu.advance(29) == []
    assert emu.advance(2) == [poll["id"]]
    (closed,) = emu.take_updates()
    assert closed["poll"]["is_closed"] is True
    assert closed["poll"]["options"][1]["voter_count"] == 1
    error = await fails(emu, "stopPoll", chat_id=group, message_id=sent["message_id"])
    assert error.description == "Bad Request: poll has already been closed"


async def test_anonymous_votes_send_no_poll_answer(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    sent = await emu.call("sendPoll", {"chat_id": USER, "question": "?", "options": ["a", "b"]})
    emu.user_votes(USER, sent["poll"]["id"], [0])
    assert [u.keys() - {"update_id"} for u in emu.take_updates()] == [{"poll"}]


async def test_get_updates_offset_limit_and_allowed(emu: BotApiEmulator) -> None:
    for n in range(3):
        emu.user_sends(USER, USER, f"m{n}")
    first = await emu.call("getUpdates", {"limit": 2})
    assert [u["message"]["text"] for u in first] == ["m0", "m1"]
    rest = await emu.call("getUpdates", {"offset": first[-1]["update_id"] + 1})
    assert [u["message"]["text"] for u in rest] == ["m2"]
    assert await emu.call("getUpdates", {"offset": rest[-1]["update_id"] + 1}) == []
    emu.user_sends(USER, USER, "m3")
    assert await emu.call("getUpdates", {"allowed_updates": ["callback_query"]}) == []


async def test_long_poll_wakes_up_and_times_out(emu: BotApiEmulator) -> None:
    waiting = asyncio.create_task(emu.call("getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.01)
    emu.user_sends(USER, USER, "hi")
    updates = await asyncio.wait_for(waiting, 1)
    assert updates[0]["message"]["text"] == "hi"
    assert (
        await emu.call("getUpdates", {"offset": updates[0]["update_id"] + 1, "timeout": 0.05})
        == []
    )


async def test_second_long_poll_terminates_the_first(emu: BotApiEmulator) -> None:
    first = asyncio.create_task(emu.call("getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(emu.call("getUpdates", {"timeout": 0.05}))
    with pytest.raises(BotApiError, match="Conflict: terminated by other getUpdates"):
        await first
    assert await second == []


async def test_commands_and_bot_command_entities(emu: BotApiEmulator) -> None:
    update = emu.user_sends(USER, USER, "/start@quiz315_bot telecom")
    assert update is not None
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 18}]
    assert update["message"]["chat"] == {"id": USER, "type": "private", "first_name": "User42"}
    group = emu.add_group("群", members=[USER])
    assert emu.user_sends(USER, group, "大家好") is None  # privacy mode
    assert emu.user_sends(USER, group, "/quiz@other_bot") is None
    assert emu.user_sends(USER, group, "/quiz@quiz315_bot") is not None
    assert emu.user_sends(USER, group, "/quiz") is not None
    assert next(m.text for m in emu.messages(group)) == "大家好"


async def test_set_and_get_my_commands(emu: BotApiEmulator) -> None:
    commands = [{"command": "start", "description": "开始"}]
    scope = {"type": "all_group_chats"}
    assert await emu.call(
        "setMyCommands", {"commands": json.dumps(commands), "scope": scope, "language_code": "zh"}
    )
    assert emu.commands(scope, "zh") == commands
    assert await emu.call("getMyCommands", {}) == []
    error = await fails(emu, "setMyCommands", commands=[{"command": "Start!", "description": "x"}])
    assert error.description == "Bad Request: BOT_COMMAND_INVALID"
    assert await emu.call("deleteMyCommands", {"scope": scope, "language_code": "zh"})
    assert emu.commands(scope, "zh") == []


async def test_admins_and_members(emu: BotApiEmulator) -> None:
    group = emu.add_group("志愿者", members=[1, 2], admins=[1])
    admins = await emu.call("getChatAdministrators", {"chat_id": group})
    assert [(a["status"], a["user"]["id"]) for a in admins] == [("creator", 1)]
    member = await emu.call("getChatMember", {"chat_id": group, "user_id": 2})
    assert member["status"] == "member"
    emu.add_user(USER)
    error = await fails(emu, "getChatAdministrators", chat_id=USER)
    assert error.description == "Bad Request: there are no administrators in the private chat"


async def test_flood_limits(clock: Any) -> None:
    emu = BotApiEmulator(clock=clock, flood=FloodLimits())
    emu.add_user(USER)
    for _ in range(3):
        await emu.call("sendMessage", {"chat_id": USER, "text": "x"})
    error = await fails(emu, "sendMessage", chat_id=USER, text="x")
    assert (error.error_code, error.retry_after) == (429, 1)
    assert error.to_response()["parameters"] == {"retry_after": 1}
    assert error.description == "Too Many Requests: retry after 1"
    clock.now += 1
    await emu.call("sendMessage", {"chat_id": USER, "text": "x"})
    group = emu.add_group("g", members=[1])
    for _ in range(20):
        clock.now += 0.5
        await emu.call("sendMessage", {"chat_id": group, "text": "x"})
    error = await fails(emu, "sendMessage", chat_id=group, text="x")
    assert error.retry_after is not None
    assert 40 <= error.retry_after <= 51


async def test_documents_and_photos_are_stored(emu: BotApiEmulator) -> None:
    emu.add_user(USER)
    png = (
        b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (64).to_bytes(4, "big") + (32).to_bytes(4, "big")
    )
    photo = await emu.call(
        "sendPhoto", {"chat_id": USER, "caption": "图"}, {"photo": ("a.png", png, "image/png")}
    )
    assert (photo["photo"][0]["width"], photo["photo"][0]["height"]) == (64, 32)
    doc = await emu.call(
        "sendDocument", {"chat_id": USER}, {"document": ("r.csv", b"a,b\n", "text/csv")}
    )
    assert doc["document"]["file_name"] == "r.csv"
    assert [f.data for f in emu.sent_files(USER)] == [png, b"a,b\n"]
    error = await fails(
        emu, "sendPhoto", chat_id=USER, caption="x" * 1025, photo=photo["photo"][0]["file_id"]
    )
    assert error.description == "Bad Request: message caption is too long"
