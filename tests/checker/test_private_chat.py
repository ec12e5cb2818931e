"""Text in private chat, as a person sees the bot answer it (through the emulator)."""

from __future__ import annotations

import pytest

from bot.actions import ChooseBank, ShowLesson, ShowSos
from bot.handlers.menu import COMMANDS
from tests.checker.support import (
    PHOTO,
    STICKER,
    VOICE,
    bot_messages,
    deliver,
    forwarded,
    redeliver,
)
from tests.harness import Harness

USER = 42
ZHANG = "我刚接到一个自称公安的电话，让我转钱，怎么办？"  # 老张, the first line
BANK_ALERT = "【工商银行】您的验证码为385912，请勿泄露给他人。如非本人操作，请忽略。"


def code_spans(bot: Harness, chat_id: int) -> list[str]:
    """The words the bot's last message shows as code (tap to copy, never a live link)."""
    message = bot.last(chat_id)
    text = message.text or ""
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "code"
    ]


async def later(bot: Harness, text: str, user_id: int = USER) -> None:
    """A person's next message, a while after the last one (not part of a burst)."""
    bot.clock.advance(seconds=30)
    await bot.send(user_id, text)


async def test_a_scam_gets_the_verdict_the_signs_what_to_do_and_three_buttons(
    cbot: Harness,
) -> None:
    await cbot.send(USER, ZHANG)
    text = cbot.text(USER)
    assert text.startswith("🔴 高风险：很像诈骗")
    assert "⚠️ 自称公安：公检法不会打电话或网上办案" in text
    assert "⚠️ 让我转钱：" in text
    assert "不要转账" in text
    assert "拿不准就拨打 96110 咨询" in text
    assert "如果钱已经转出，马上拨打 110" in text
    assert {"自称公安", "让我转钱", "96110", "110"} <= set(code_spans(cbot, USER))
    assert cbot.buttons(USER) == [
        ("📖 学一学：世上没有“安全账户”", ShowLesson("tf-l03").encode()),
        ("📝 测一测：电信网络诈骗", ChooseBank("telecom_fraud").encode()),
        ("🆘 我可能被骗了", ShowSos().encode()),
    ]
    assert len(bot_messages(cbot, USER)) == 1


async def test_the_buttons_open_the_lesson_the_quiz_and_the_steps(cbot: Harness) -> None:
    await cbot.send(USER, ZHANG)
    reply = cbot.last(USER).message_id
    await cbot.press(USER, cbot.button(USER, "学一学"))
    assert cbot.text(USER).startswith("📖 世上没有“安全账户”")
    assert "来源：" in cbot.text(USER)
    await cbot.press(USER, cbot.button(USER, "我可能被骗了", message_id=reply), message_id=reply)
    assert cbot.text(USER).startswith("🆘 我可能被骗了：按顺序做")
    await cbot.press(USER, cbot.button(USER, "测一测", message_id=reply), message_id=reply)
    assert cbot.text(USER).startswith("📘 电信网络诈骗 · 第 1/")


async def test_money_already_gone_puts_110_first_and_offers_the_steps(cbot: Harness) -> None:
    await cbot.send(USER, "我已经转了5万块给他们了，是不是被骗了")
    text = cbot.text(USER)
    assert "钱已经转出：马上拨打 110 报警" in text
    assert "96110" not in text.split("现在怎么做")[1].splitlines()[1]
    assert ("🆘 我可能被骗了", ShowSos().encode()) in cbot.buttons(USER)


async def test_a_genuine_bank_alert_is_not_flagged_and_never_called_safe(cbot: Harness) -> None:
    await cbot.send(USER, BANK_ALERT)
    text = cbot.text(USER)
    assert text.startswith("⚪ 没有发现已知的诈骗信号")
    assert "我没认出来，不等于没有问题" in text
    assert "拿不准就拨打 96110 咨询" in text
    assert "安全" not in text
    assert cbot.buttons(USER) == []


async def test_an_english_speaker_gets_english_and_never_the_word_safe(cbot: Harness) -> None:
    cbot.user(7, "Sam", language_code="en")
    await cbot.send(
        7, "Your DHL parcel is held at customs. Pay the customs fee at http://dhl-pay.cc"
    )
    scam = cbot.text(7)
    assert scam.startswith("🔴 High risk: this looks like a scam")
    assert "hxxp://dhl-pay[.]cc" in scam or "more sign" in scam
    assert "dhl-pay.cc" not in scam  # quoted links are defanged
    await later(cbot, "Hi Sam, the meeting moved to 3pm in room 204. See you there!", 7)
    calm = cbot.text(7)
    assert calm.startswith("⚪ No known warning signs found")
    assert "safe" not in calm.lower()


async def test_a_quoted_link_is_defanged_and_never_a_live_link(cbot: Harness) -> None:
    phishing = "【某银行】您的账户存在风险，请立即登录 http://icbc-verify.top/login 验证身份"
    await cbot.send(USER, phishing)
    message = cbot.last(USER)
    assert "icbc-verify.top" not in (message.text or "")
    assert "icbc-verify[.]top" in (message.text or "")
    assert all(e["type"] not in ("url", "text_link") for e in message.entities)


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("你好", "👋 你好！"),
        ("在吗？", "👋 你好！"),
        ("Hello there!", "👋 你好！"),
        ("ok", "👋 你好！"),
        ("😀😀😀🙏", "👋 你好！"),  # only emoji
        ("转账", "👋 你好！"),  # under six characters
        ("http://icbc-verify.top/login", "🟡 没有发现明显的诈骗信号，但有一点要留意"),  # a link
        ("我是公安局的，你涉嫌洗錢，請把錢轉到安全帳戶配合調查", "🔴 高风险"),  # traditional
        ("【ＤＨＬ】Your 包裹 is held，请支付清关费 at http://dhl-pay.cc", "🟠"),  # mixed
    ],
)
async def test_free_text_of_every_shape_gets_one_sensible_answer(
    cbot: Harness, text: str, opening: str
) -> None:
    await cbot.send(USER, text)
    assert cbot.text(USER).startswith(opening)
    assert len(bot_messages(cbot, USER)) == 1


async def test_a_4096_character_message_is_checked_and_answered_on_one_screen(
    cbot: Harness,
) -> None:
    filler = "今天天气很好，我们去公园散步。" * 300
    long = filler[: 4096 - len(ZHANG)] + ZHANG
    assert len(long) == 4096
    await cbot.send(USER, long)
    text = cbot.text(USER)
    assert text.startswith("🔴 高风险")
    assert len(text) <= 700
    assert text.count("\n") < 15


async def test_a_photo_a_voice_and_a_sticker_each_get_a_short_note(cbot: Harness) -> None:
    await deliver(cbot, USER, photo=PHOTO)
    assert cbot.text(USER).startswith("🖼 我还看不懂图片里的字。请把图片里的文字复制下来")
    cbot.clock.advance(seconds=30)
    await deliver(cbot, USER, voice=VOICE)
    assert "请把对方说的话打字发给我" in cbot.text(USER)
    cbot.clock.advance(seconds=30)
    await deliver(cbot, USER, sticker=STICKER)
    assert cbot.text(USER).startswith("🙂 收到！不过我只能检查文字")
    assert ("🆘 我可能被骗了", ShowSos().encode()) in cbot.buttons(USER)
    assert len(bot_messages(cbot, USER)) == 3


async def test_a_forwarded_photo_is_checked_by_its_caption(cbot: Harness) -> None:
    caption = "刷单兼职，日结300，先垫付再返佣金"
    await deliver(cbot, USER, caption=caption, photo=PHOTO, forward_origin=forwarded())
    assert cbot.text(USER).startswith(("🔴", "🟠"))
    assert "垫付" in "".join(code_spans(cbot, USER))


async def test_a_forward_without_text_gets_a_note_not_silence(cbot: Harness) -> None:
    await deliver(cbot, USER, sticker=STICKER, forward_origin=forwarded())
    assert cbot.text(USER).startswith("🙂 收到！不过我只能检查文字")


async def test_an_album_gets_one_reply_about_its_caption_wherever_it_is(cbot: Harness) -> None:
    group = {"media_group_id": "13579"}
    await deliver(cbot, USER, photo=PHOTO, **group)  # the first picture has no caption
    first = cbot.last(USER)
    assert (first.text or "").startswith("🖼")
    await deliver(cbot, USER, photo=PHOTO, caption=ZHANG, **group)
    await deliver(cbot, USER, photo=PHOTO, **group)
    assert len(bot_messages(cbot, USER)) == 1  # one reply, edited
    shown = cbot.message(USER, first.message_id)
    assert (shown.text or "").startswith("🔴 高风险")
    assert cbot.methods().count("editMessageText") == 1


async def test_a_burst_of_forwards_is_one_reply_and_a_bounded_number_of_edits(
    cbot: Harness,
) -> None:
    lines = [
        "你好，我是市公安局的张警官",
        "你的身份证涉嫌一起洗钱案件",
        "这个案子要保密，不能告诉家人",
        "请下载这个APP开启屏幕共享配合调查",
        "把存款转到安全账户接受审查",
        "把收到的验证码告诉我",
    ] * 5
    for line in lines:  # 30 forwards, delivered within a second like Telegram does
        await deliver(cbot, USER, text=line, forward_origin=forwarded("张警官"))
    assert len(bot_messages(cbot, USER)) == 1
    assert cbot.methods().count("sendMessage") == 1
    assert cbot.methods().count("editMessageText") <= 4
    assert cbot.text(USER).startswith("🔴 高风险")


async def test_a_restart_mid_album_and_a_redelivered_update_never_answer_twice(
    cbot: Harness,
) -> None:
    group = {"media_group_id": "24680"}
    first = await deliver(cbot, USER, photo=PHOTO, caption=ZHANG, **group)
    await cbot.restart()  # the burst's memory is gone; the database is not
    await deliver(cbot, USER, photo=PHOTO, **group)
    for _ in range(2):
        await redeliver(cbot, first)
    assert len(bot_messages(cbot, USER)) == 1


async def test_messages_apart_are_answered_apart(cbot: Harness) -> None:
    await cbot.send(USER, ZHANG)
    await later(cbot, BANK_ALERT)
    assert len(bot_messages(cbot, USER)) == 2


async def test_an_edited_message_is_not_answered_again(cbot: Harness) -> None:
    update = await deliver(cbot, USER, text=ZHANG)
    edited = dict(update)
    message = edited.pop("message")
    edited["edited_message"] = {**message, "edit_date": message["date"] + 5, "text": "改了"}
    edited["update_id"] += 1
    await redeliver(cbot, edited)
    assert len(bot_messages(cbot, USER)) == 1


async def test_an_unknown_command_gets_a_friendly_answer_and_the_menu(cbot: Harness) -> None:
    await cbot.send(USER, "/strat")
    assert cbot.text(USER).startswith("🤔 我不认识 /strat 这个命令。发送 /help 查看全部命令")
    assert ("🆘 我可能被骗了", ShowSos().encode()) in cbot.buttons(USER)
    assert ("电信网络诈骗", ChooseBank("telecom_fraud").encode()) in cbot.buttons(USER)


PRIVATE_COMMANDS = sorted(
    {c.command for c in COMMANDS if "private" in c.scopes}
    | {"reload", "volunteer", "broadcast_stats"}
)


async def test_every_known_command_still_reaches_its_own_handler(cbot: Harness) -> None:
    cbot.allow_api_failures = True
    for command in PRIVATE_COMMANDS:
        cbot.clock.advance(seconds=30)
        before = len(bot_messages(cbot, USER))
        await cbot.send(USER, f"/{command}")
        shown = bot_messages(cbot, USER)[before:]
        assert shown, f"/{command} got no answer"
        assert not any("我不认识" in text for text in shown), command
        assert not any(text.startswith(("⚪", "👋 你好！收到可疑")) for text in shown), command


async def test_a_weak_sign_links_no_lesson_but_money_gone_still_offers_the_steps(
    cbot: Harness,
) -> None:
    await cbot.send(
        USER, "【某快递】您的包裹已到小区南门快递柜，取件码 5-2-1048，请凭取件码在48小时内取件。"
    )
    assert cbot.text(USER).startswith("🟡 没有发现明显的诈骗信号，但有一点要留意")
    assert cbot.buttons(USER) == []  # a genuine pickup code: no lesson about safe accounts
    await later(cbot, "房租我已经转了")
    assert "如果钱是被骗走的：马上拨打 110 报警" in cbot.text(USER)
    assert cbot.buttons(USER) == [("🆘 我可能被骗了", ShowSos().encode())]
