"""Scenes: a thread or call written as text, checked so it can be drawn; its text version."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.content.yamlnodes import load_fast, load_reference
from bot.domain.content import Bubble, Scene, SceneKind, Speaker, Text, scene_text
from tests.content.bankgen import good_scenario, line_of, write_bank

SMS = """\
    scene:
      kind: sms
      sender:
        zh: "10690000"
      time: 09:41
      messages:
        - text:
            zh: 【某某银行】您的账户积分即将清零，请登录 jf-bank.cc 兑换现金。
            en: "[Some Bank] Your points expire soon. Log in at jf-bank.cc to swap them for cash."
"""

CHAT = """\
    scene:
      kind: chat
      sender:
        zh: 王总
        en: Mr Wang
      messages:
        - text:
            zh: 我在开会，不方便接电话。
            en: I'm in a meeting and can't take calls.
        - from: me
          text:
            zh: 好的，王总有什么事？
            en: OK, what do you need?
        - text:
            zh: 马上给这个账户转20万元定金。
            en: Transfer a 200,000-yuan deposit to this account now.
"""


def scene_question(scene: str, qid: str = "q1", *, scenario: bool = False):
    question = good_scenario(qid)
    if not scenario:
        question.scenario = None
    question.extra = scene
    return question


def problems(path: Path) -> list[str]:
    return [str(p) for p in load_content([path]).problems]


def test_an_sms_scene_loads_and_becomes_the_scenario_text(tmp_path: Path) -> None:
    path = write_bank(tmp_path, scene_question(SMS))
    result = load_content([path])
    assert result.problems == []
    question = result.catalog.questions["q1"]
    assert question.scene == Scene(
        kind=SceneKind.SMS,
        sender=Text("10690000"),
        time="09:41",
        messages=(
            Bubble(
                Speaker.THEM,
                Text(
                    "【某某银行】您的账户积分即将清零，请登录 jf-bank.cc 兑换现金。",
                    "[Some Bank] Your points expire soon. Log in at jf-bank.cc to swap them "
                    "for cash.",
                ),
            ),
        ),
    )
    assert question.scenario == Text(
        "短信 · 10690000 · 09:41\n【某某银行】您的账户积分即将清零，请登录 jf-bank.cc 兑换现金。",
        "SMS · 10690000 · 09:41\n[Some Bank] Your points expire soon. Log in at jf-bank.cc to "
        "swap them for cash.",
    )


def test_a_chat_with_both_sides_says_who_speaks(tmp_path: Path) -> None:
    result = load_content([write_bank(tmp_path, scene_question(CHAT))])
    assert result.problems == []
    scenario = result.catalog.questions["q1"].scenario
    assert scenario is not None
    assert scenario.zh == (
        "聊天 · 王总\n王总：我在开会，不方便接电话。\n我：好的，王总有什么事？\n"
        "王总：马上给这个账户转20万元定金。"
    )
    assert scenario.en == (
        "Chat · Mr Wang\nMr Wang: I'm in a meeting and can't take calls.\n"
        "Me: OK, what do you need?\nMr Wang: Transfer a 200,000-yuan deposit to this account now."
    )


def test_an_editors_own_scenario_stays_the_text_version(tmp_path: Path) -> None:
    result = load_content([write_bank(tmp_path, scene_question(SMS, scenario=True))])
    question = result.catalog.questions["q1"]
    assert question.scene is not None
    assert question.scenario == Text("短信：“您的账户异常，请点击链接处理。”", "A scene")


def test_scene_text_for_a_call_and_a_missing_translation() -> None:
    call = Scene(
        kind=SceneKind.CALL,
        sender=Text("010-12345678"),
        messages=(
            Bubble(Speaker.THEM, Text("我是市公安局民警。")),
            Bubble(Speaker.THEM, Text("x", "y")),
        ),
    )
    assert scene_text(call, "zh") == "来电 · 010-12345678\n我是市公安局民警。\nx"
    assert scene_text(call, "en") == "Call · 010-12345678\n我是市公安局民警。\ny"
    assert scene_text(call, "fr") == scene_text(call, "zh")


# --------------------------------------------------------------------------- refused shapes


def test_at_most_eight_messages(tmp_path: Path) -> None:
    bubble = "        - text:\n            zh: 你好\n            en: Hello\n"
    path = write_bank(tmp_path, scene_question(SMS + bubble * 8))
    line = line_of(path, "messages:")
    assert problems(path) == [
        f"{path}:{line}:7: error: question 'q1': a scene has 1 to 8 messages, not 9"
    ]


def test_a_message_over_300_characters(tmp_path: Path) -> None:
    long = "长" * 301
    path = write_bank(tmp_path, scene_question(CHAT.replace("马上给这个账户转20万元定金。", long)))
    line = line_of(path, long)
    assert problems(path) == [
        f"{path}:{line}:17: error: scene message 3 (zh) is 301 characters; the limit is 300"
    ]


@pytest.mark.parametrize(
    ("char", "shown"),
    [("😀", "'😀' (U+1F600)"), ("\u200b", "U+200B"), ("☎\ufe0f", "U+FE0F")],
)
def test_characters_the_picture_font_cannot_draw(tmp_path: Path, char: str, shown: str) -> None:
    text = CHAT.replace("我在开会，不方便接电话。", f"我在开会{char}不方便接电话。")
    path = write_bank(tmp_path, scene_question(text))
    line = line_of(path, "不方便接电话")
    result = load_content([path])
    assert [str(p) for p in result.problems] == [
        f"{path}:{line}:17: error: question 'q1': scene message 1 (zh) has {shown}, which the "
        "picture font cannot draw: write it in words or plain characters"
    ]
    assert not result.ok


def test_the_sender_is_checked_too(tmp_path: Path) -> None:
    path = write_bank(tmp_path, scene_question(CHAT.replace("zh: 王总", "zh: 王总🙂")))
    line = line_of(path, "王总🙂")
    assert problems(path) == [
        f"{path}:{line}:13: error: question 'q1': scene sender (zh) has '🙂' (U+1F642), which "
        "the picture font cannot draw: write it in words or plain characters"
    ]


def test_a_named_sender_needs_english_and_a_number_does_not(tmp_path: Path) -> None:
    path = write_bank(tmp_path, scene_question(CHAT.replace("        en: Mr Wang\n", "")))
    line = line_of(path, "sender:")
    assert problems(path) == [f"{path}:{line}:7: warning: scene sender: no English translation"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("time: 09:41", "time: 9:41", "'time' must be a clock time written HH:MM such as 09:41, "),
        ("kind: sms", "kind: mms", "'kind' must be 'sms', 'chat' or 'call', not 'mms'"),
        (
            "        - text:",
            "        - from: him\n          text:",
            "'from' must be 'them' or 'me'",
        ),
        ("      sender:", "      sendr:", "unknown key 'sendr' (did you mean 'sender'?)"),
        (
            "        - text:",
            "        - speaker: me\n          text:",
            "unknown key 'speaker'; allowed: from, text",
        ),
    ],
)
def test_scene_format_mistakes(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write_bank(tmp_path, scene_question(SMS.replace(old, new, 1)))
    found = problems(path)
    assert any(f": error: {message}" in f for f in found), found


def test_a_text_version_over_the_scenario_limit(tmp_path: Path) -> None:
    bubble = "        - text:\n            zh: " + "长" * 290 + "\n            en: Long\n"
    three = write_bank(tmp_path, scene_question(SMS + bubble * 3))
    assert problems(three) == []  # 21 + 4 line breaks + 37 + 3 x 290 = 932
    four = write_bank(tmp_path, scene_question(SMS + bubble * 4))
    line = line_of(four, "scene:")
    # "短信 · 10690000 · 09:41" (21) + 5 line breaks + the first bubble (37) + 4 x 290
    assert problems(four) == [
        f"{four}:{line}:5: error: question 'q1': the scene's text version (zh) is 1223 "
        "characters; the limit is 1000: shorten the messages or write a shorter 'scenario'"
    ]


def test_both_yaml_readers_read_a_scene_alike(tmp_path: Path) -> None:
    path = write_bank(tmp_path, scene_question(CHAT), scene_question(SMS, "q2"))
    text = path.read_text(encoding="utf-8")
    assert load_fast(text) is not None
    assert load_fast(text) == load_reference(text)[1]
