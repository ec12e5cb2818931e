"""Guessability: what strategies that know nothing about fraud score on a hand-made bank."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from bot.content.guess import (
    caution_chance,
    caution_score,
    format_report,
    guess_bank,
    key_position_chances,
)
from bot.content.loader import load_content
from bot.domain.content import Option, Question, QuestionType, Text, Verdict
from tests.content.bankgen import Opt, Q, write_bank


def make(
    qid: str,
    options: list[str],
    key: int,
    *,
    scenario: bool = False,
    qtype: QuestionType = QuestionType.SINGLE,
    verdict: Verdict | None = None,
) -> Question:
    return Question(
        id=qid,
        bank_id="hand",
        topic="t",
        type=qtype,
        text=Text("你该怎么做？"),
        options=tuple(Option(Text(o), correct=i == key) for i, o in enumerate(options)),
        explanation=Text("解释"),
        source=Text("来源"),
        scenario=Text("短信：……") if scenario else None,
        verdict=verdict,
    )


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("挂断电话，自己拨打110核实", 4),  # 挂断, 自己拨打, 110, 核实
        ("按对方要求转账", -2),  # 按对方, 转账
        ("不转账，也不提供验证码", 3),  # 不转; 提供 and 验证码 within 3 characters of 不
        ("拒绝提供验证码", 1),  # 拒绝 (+1), 提供 negated by 拒 (+1), 验证码 (-1)
        ("按短信里的链接登录核实", 0),  # 链接 (-1) + 核实 (+1): the tempting kind
        ("2017年5月1日", 0),
    ],
)
def test_caution_score(text: str, score: int) -> None:
    assert caution_score(text) == score


def test_the_caution_guesser_shares_ties() -> None:
    clear = make("a", ["马上转账", "挂断后报警", "下载APP"], key=1)
    tie = make("b", ["报警", "核实", "转账", "付款"], key=0)
    fooled = make("c", ["按短信里的链接登录核实", "把钱转到安全账户", "联系官方客服核实"], key=0)
    assert caution_chance(clear) == 1
    assert caution_chance(tie) == Fraction(1, 2)
    assert caution_chance(fooled) == 0


def test_key_positions_with_ties() -> None:
    # lengths 4, 4, 2, 1; the key is one of the two longest
    question = make("q", ["一二三四", "甲乙丙丁", "一二", "一"], key=1)
    assert key_position_chances(question) == {
        "longest": Fraction(1, 2),
        "second": Fraction(1, 2),
        "third": 0,
        "shortest": 0,
    }
    # three options: the third-longest is also the shortest
    three = make("r", ["一二三", "一二", "一"], key=2)
    assert key_position_chances(three) == {
        "longest": 0,
        "second": 0,
        "third": 1,
        "shortest": 1,
    }


HAND_BANK = [
    # scenario questions, each key the most cautious option (zh lengths in brackets)
    make(
        "s1", ["挂断电话后报警", "按对方说的马上转账吧", "下载APP"], key=0, scenario=True
    ),  # 7 10 5
    make(
        "s2", ["自己拨打110核实", "把验证码告诉对方的客服", "转账"], key=0, scenario=True
    ),  # 9 11 2
    make("s3", ["先转一部分", "不理会", "联系银行柜台核实"], key=2, scenario=True),  # 5 3 8
    make("s4", ["按短信链接登录核实身份", "先打开官方APP查看订单", "付款"], key=1, scenario=True),
    # knowledge questions: caution words do not help
    make("k1", ["2017年5月1日", "2010年1月1日", "2021年5月25日"], key=0),  # 10 10 11
    make("k2", ["三年以下", "七年以上", "十年以上"], key=2),  # 4 4 4
    # true/false: 对 once in three
    make("t1", ["对", "错"], key=0, qtype=QuestionType.TRUE_FALSE),
    make("t2", ["对", "错"], key=1, qtype=QuestionType.TRUE_FALSE),
    make("t3", ["对", "错"], key=1, qtype=QuestionType.TRUE_FALSE),
    # genuine-or-scam: left out of single-choice figures
    make("v1", ["真的（正规）", "诈骗"], key=1, scenario=True, verdict=Verdict.SCAM),
    make("v2", ["真的（正规）", "诈骗"], key=0, scenario=True, verdict=Verdict.GENUINE),
]


def test_guess_bank_on_a_hand_made_bank() -> None:
    report = guess_bank("hand", HAND_BANK)
    # The caution guesser gets s1-s4 (s4: 链接 -1 + 核实 +1 = 0 against 官方 +1);
    # on k1 and k2 every option scores 0: a third each.
    assert report.scenario.caution.hits == 4
    assert report.scenario.caution.total == 4
    assert report.single.caution.hits == 4 + Fraction(2, 3)
    assert report.single.caution.total == 6
    positions = report.single.positions
    # longest: s3, s4 (12 > 11) and a third of k2's three-way tie
    assert positions["longest"].hits == 2 + Fraction(1, 3)
    # second: s1, s2, half of k1 (tied at 10 behind 11) and a third of k2
    assert positions["second"].hits == 2 + Fraction(1, 2) + Fraction(1, 3)
    # third = shortest (three options): the other half of k1 and a third of k2
    assert positions["third"].hits == positions["shortest"].hits == Fraction(5, 6)
    assert report.true_false.hits == 1
    assert report.true_false.total == 3
    assert (report.always_scam.hits, report.always_scam.total) == (Fraction(1), 2)


def test_the_report_table() -> None:
    lines = format_report([guess_bank("hand", HAND_BANK)])
    assert lines[2:] == [
        "bank                      questions            longest  second   third shortest  caution",
        "hand                      single-choice (6)        39%    47%!     14%      14%     78%!",
        "                          scenario (4)             50%     50%      0%       0%    100%!",
        "                          true/false (3)      对 is the key in 33%",
        "                          genuine/scam (2)    always 诈骗 scores 50%",
    ]


def opt(zh: str, *, correct: bool = False, tempting: bool = False) -> Opt:
    return Opt(zh, correct=correct, tempting=tempting)


def test_the_validator_warns_when_caution_alone_passes_a_bank(tmp_path: Path) -> None:
    questions = [
        Q(
            f"s{i}",
            [
                opt("按对方说的马上转账吧", tempting=True),
                opt(f"挂断电话后自己报警{'！' * i}", correct=True),
                opt("先下载对方发来的APP"),
                opt("把验证码告诉对方客服"),
            ],
            scenario="来电：……",
        )
        for i in range(4)
    ]
    path = write_bank(tmp_path, *questions)
    found = [str(p) for p in load_content([path]).problems]
    assert (
        f"{path}:3:7: warning: bank 'demo': picking the most cautious-sounding option "
        in (found[0])
    )
    assert found == [
        f"{path}:3:7: warning: bank 'demo': picking the most cautious-sounding option scores "
        "100% of 4 scenario questions; at most 50%: add tempting distractors that sound careful "
        "but are wrong",
        f"{path}:3:7: warning: bank 'demo': picking the most cautious-sounding option scores "
        "100% of 4 single-choice questions; at most 45%: add tempting distractors that sound "
        "careful but are wrong",
    ]


def test_always_scam_over_60_percent_is_a_warning(tmp_path: Path) -> None:
    pair = [Opt("真的（正规）", "Genuine"), Opt("诈骗", "Scam", correct=True)]
    items = [Q(f"v{i}", pair, scenario="短信：……", extra="    verdict: scam\n") for i in range(4)]
    path = write_bank(tmp_path, *items)
    assert [str(p) for p in load_content([path]).problems] == [
        f"{path}:3:7: warning: bank 'demo': answering 诈骗 every time scores 100% of 4 "
        "genuine-or-scam items; at most 60%: add genuine messages"
    ]
