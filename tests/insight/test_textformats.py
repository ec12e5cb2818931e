"""The Chinese exam text format (问卷星 and exam tools) and Aiken become banks; mistakes are
named by line, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.importer import import_bank
from bot.content.loader import load_content
from bot.content.sheets import SheetError
from bot.content.textformats import parse_text
from bot.content.yamlnodes import load_reference
from bot.domain.content import Catalog

CHINESE = """\
一、单选题（每题2分）
1. 接到自称“公安局”的电话，要求把钱转到“安全账户”，你该怎么做？[单选题]
A. 配合转账，查清后会退还
B. 挂断电话，自己拨打110核实
C. 按对方给的号码回拨核实
答案：B
解析：公安机关不会通过电话办案，
更不会要求转账到“安全账户”。
来源：公安部刑侦局反诈提示
难度：易

2、陌生人要你出租银行卡，月租500元。[单选题]
A、可以，反正不用我的钱  B、拒绝，出租银行卡可能构成帮信罪
正确答案：B

二、多选题
3．以下哪些是诈骗的信号？
A．要求先交保证金
B．承诺高额返利
C．银行短信提醒动账但不含链接
D．要求开启屏幕共享
答案：ABD
解析：C 是正常的动账提醒。

三、判断题
4. 国家反诈中心APP可以识别诈骗来电。
答案：对

5. 刷单返利都是诈骗。
A. 对
B. 错
答案：正确
"""

AIKEN = """\
What should you do when a caller asks you to move money to a "safe account"?
A. Transfer the money
B. Hang up and call 110 yourself
C) Call back the number they gave
ANSWER: B

Which of these is a sign of a scam?
A. A request to keep it secret
B. A bank alert without a link
ANSWER: A
"""


def test_the_chinese_exam_format() -> None:
    parsed = parse_text(CHINESE, "exam.txt")
    assert parsed.problems == []
    assert parsed.lang == "zh"
    assert parsed.lines == [2, 12, 17, 26, 29]
    one, two, three, four, five = parsed.questions
    assert one["type"] == "single"
    assert one["text"]["zh"].startswith("接到自称“公安局”的电话")
    assert [o["zh"] for o in one["options"]][1] == "挂断电话，自己拨打110核实"
    assert [o.get("correct", False) for o in one["options"]] == [False, True, False]
    assert one["explanation"]["zh"] == "公安机关不会通过电话办案，\n更不会要求转账到“安全账户”。"
    assert one["source"]["zh"] == "公安部刑侦局反诈提示"
    assert one["difficulty"] == 1
    assert [o["zh"] for o in two["options"]] == [
        "可以，反正不用我的钱",
        "拒绝，出租银行卡可能构成帮信罪",
    ]
    assert two["source"] == {"zh": ""}  # lacking: the validator lists it
    assert three["type"] == "multiple"
    assert [o.get("correct", False) for o in three["options"]] == [True, True, False, True]
    assert four["type"] == "true_false"
    assert four["options"] == [
        {"zh": "对", "en": "True", "correct": True},
        {"zh": "错", "en": "False"},
    ]
    assert five["type"] == "true_false"
    assert five["options"][0] == {"zh": "对", "en": "True", "correct": True}


def test_aiken() -> None:
    parsed = parse_text(AIKEN, "quiz.txt")
    assert parsed.problems == []
    assert parsed.lang == "en"
    first, second = parsed.questions
    assert first["text"] == {"zh": "", "en": parsed.questions[0]["text"]["en"]}
    assert first["text"]["en"].startswith("What should you do")
    assert [o["en"] for o in first["options"]] == [
        "Transfer the money",
        "Hang up and call 110 yourself",
        "Call back the number they gave",
    ]
    assert [o.get("correct", False) for o in first["options"]] == [False, True, False]
    assert second["options"][0]["correct"] is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. 问题？\nA. 甲\nB. 乙\n\n2. 下一题？\nA. 甲\nB. 乙\n答案：A\n", "f.txt:1: no 答案"),
        ("1. 问题？\nA. 甲\nB. 乙\n答案：E\n", "f.txt:4: 答案 'E': 'E' is not an option letter"),
        ("A. 甲\nB. 乙\n答案：A\n", "f.txt:1: an option with no question above it"),
        ("1. 问题？\n答案：A\n", "f.txt:1: the question needs at least two options"),
    ],
)
def test_mistakes_are_named_by_line(text: str, expected: str) -> None:
    assert any(p.startswith(expected) for p in parse_text(text, "f.txt").problems)


def test_text_import_writes_a_bank_that_lists_what_it_lacks(tmp_path: Path) -> None:
    source = tmp_path / "exam.txt"
    source.write_text(CHINESE, encoding="utf-8")
    imported = import_bank(source, catalog=Catalog(), protected=[], cwd=tmp_path, bank_id="exam")
    assert (imported.path, imported.questions, imported.source_format) == (
        tmp_path / "exam.yaml",
        5,
        "text",
    )
    data = load_reference(imported.path.read_text("utf-8"))[1]
    assert [q["id"] for q in data["questions"]] == [f"exam-00{n}" for n in range(1, 6)]
    problems = [str(p) for p in load_content([imported.path]).problems]
    assert any("source: the Chinese text is empty" in p for p in problems)
    assert any("explanation: the Chinese text is empty" in p for p in problems)
    assert any("text: no English translation" in p for p in problems)


def test_gb18030_text_and_aiken_file(tmp_path: Path) -> None:
    chinese = tmp_path / "gbk.txt"
    chinese.write_bytes(CHINESE.encode("gb18030"))
    assert import_bank(chinese, catalog=Catalog(), protected=[], cwd=tmp_path).questions == 5
    aiken = tmp_path / "aiken.txt"
    aiken.write_text(AIKEN, encoding="utf-8")
    imported = import_bank(aiken, catalog=Catalog(), protected=[], cwd=tmp_path)
    assert imported.bank_id == "aiken"
    problems = [str(p) for p in load_content([imported.path]).problems]
    assert any("text: the Chinese text is empty" in p for p in problems)


def test_a_bad_text_file_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.txt"
    source.write_text("1. 问题？\nA. 甲\nB. 乙\n答案：Z\n", encoding="utf-8")
    with pytest.raises(SheetError) as caught:
        import_bank(source, catalog=Catalog(), protected=[], cwd=tmp_path)
    assert caught.value.problems == [
        f"{source}:4: 答案 'Z': 'Z' is not an option letter: this question has options A–B"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]
