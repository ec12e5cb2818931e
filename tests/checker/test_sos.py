"""/sos, "我可能被骗了 · I think I've been scammed": one screen of steps, in order."""

from __future__ import annotations

import re

import pytest

from bot.actions import ShowLesson, ShowSos
from tests.checker.support import bot_messages
from tests.harness import Harness

USER = 42
STEPS_ZH = [
    "① 马上拨打 110 报警：越早报警，警方越有可能紧急止付。",
    "② 打银行卡背面印的官方客服电话，冻结账户。",
    "③ 保留证据：聊天记录、转账记录、对方的账号。",
    "④ 说能“帮你追回损失”的人也是骗子：不要再给任何人付钱。",
    "⑤ 在“国家反诈中心”App 里举报。",
    "⑥ 想咨询，拨打反诈专线 96110。",
]


def code_spans(bot: Harness, chat_id: int) -> list[str]:
    message = bot.last(chat_id)
    units = (message.text or "").encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "code"
    ]


async def test_sos_lists_the_steps_in_order_on_one_screen(cbot: Harness) -> None:
    await cbot.send(USER, "/sos")
    text = cbot.text(USER)
    lines = text.splitlines()
    assert lines[0] == "🆘 我可能被骗了：按顺序做"
    assert [line for line in lines if line and line[0] in "①②③④⑤⑥"] == STEPS_ZH
    assert len(text) <= 700
    assert len(lines) <= 15


@pytest.mark.parametrize(("user", "language"), [(USER, "zh-hans"), (7, "en")])
async def test_each_number_is_alone_in_digits_as_code_and_never_a_link(
    cbot: Harness, user: int, language: str
) -> None:
    cbot.user(user, "某人", language_code=language)
    await cbot.send(user, "/sos")
    message = cbot.last(user)
    text = message.text or ""
    assert code_spans(cbot, user) == ["110", "96110"]
    # Every run of digits in the steps is one of those numbers, shown as code.
    assert sorted(re.findall(r"\d+", text)) == ["110", "96110"]
    assert all(e["type"] not in ("url", "text_link", "phone_number") for e in message.entities)
    assert message.inline_keyboard == []  # no "call" button: Telegram refuses tel: links
    assert "tel:" not in text
    assert not re.search(r"(点击|点按).{0,4}(拨打|呼叫)|tap to call|dial for you", text, re.I)


async def test_the_english_steps(cbot: Harness) -> None:
    cbot.user(7, "Sam", language_code="en")
    await cbot.send(7, "/sos")
    text = cbot.text(7)
    assert text.startswith("🆘 I think I've been scammed: do this, in order")
    assert "① Call 110 now" in text
    assert "⑥ For advice, call the anti-fraud line 96110." in text


async def test_the_welcome_menu_has_the_button(cbot: Harness) -> None:
    await cbot.send(USER, "/start")
    assert ("🆘 我可能被骗了", ShowSos().encode()) in cbot.buttons(USER)
    await cbot.press(USER, ShowSos().encode())
    assert cbot.text(USER).startswith("🆘 我可能被骗了：按顺序做")


async def test_sos_and_lesson_buttons_forged_in_a_group_post_nothing_there(
    cbot: Harness,
) -> None:
    group = cbot.emu.add_group("反诈群", members=[10, 77], admins=[10])
    await cbot.send(10, "/help", chat_id=group)
    before = bot_messages(cbot, group)
    for action in (ShowSos(), ShowLesson("tf-l03")):
        toast = await cbot.forge_press(77, action.encode(), chat_id=group)
        assert toast is not None
        assert toast["text"] == "这个按钮只在和我的私聊里有效。"
    assert bot_messages(cbot, group) == before


async def test_a_lesson_that_is_gone_is_a_toast(cbot: Harness) -> None:
    await cbot.send(USER, "/start")
    toast = await cbot.forge_press(USER, ShowLesson("no-such-lesson").encode())
    assert toast is not None
    assert toast["text"] == "这节课已经下线了。"
