"""Signal files are content: validated like the banks, with file:line:col problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.signals import SignalLoadResult, load_signals
from bot.domain.checker import pattern_problem
from tests.checker.conftest import SIGNALS

KINDS = """\
format: 1
kinds:
  - id: police
    name: {zh: 冒充公检法, en: Fake police}
  - id: money_gone
    name: {zh: 钱已转出, en: Money gone}
    money_gone: true
negation:
  cues: [请勿, 不要]
"""

SIGNAL = """\
format: 1
signals:
  - id: safe-account
    kind: police
    weight: 6
    patterns:
      - 安全账户
      - regex: '(?:资金|财产)(?:清查|核查)'
    explanation:
      zh: 没有“安全账户”。
      en: There is no "safe account".
    lesson: tf-l03
    bank: telecom_fraud
"""

REQUIRED_KINDS = {
    "brushing": "刷单返利",
    "investment": "虚假投资理财",
    "loan": "虚假网络贷款",
    "fake_service": "冒充电商物流客服",
    "police": "冒充公检法",
    "credit": "虚假征信",
    "impersonation": "冒充领导熟人",
    "game": "网络游戏虚假交易",
    "romance": "网络婚恋交友",
    "screen_share": "共享屏幕",
    "safe_account": "安全账户",
    "code_request": "索要验证码",
    "prize_refund": "中奖与退税",
    "cards": "出租出借银行卡与收款码",
    "elderly": "保健品与养老投资",
    "fundraising": "高息集资",
}


def load(tmp_path: Path, signals: str, *, kinds: str = KINDS) -> SignalLoadResult:
    (tmp_path / "kinds.yaml").write_text(kinds, encoding="utf-8")
    (tmp_path / "demo.yaml").write_text(signals, encoding="utf-8")
    return load_signals([tmp_path], lessons={"tf-l03", "tf-l11"}, banks={"telecom_fraud"})


def messages(result: SignalLoadResult, tmp_path: Path) -> list[str]:
    return [str(p).replace(str(tmp_path) + "/", "") for p in result.problems]


def test_shipped_signals_load_clean_and_cover_the_required_kinds(
    shipped: SignalLoadResult,
) -> None:
    assert [str(p) for p in shipped.problems] == []
    assert len(shipped.signals) >= 25
    kinds = {kind.id: kind for kind in shipped.kinds}
    for kind_id, name in REQUIRED_KINDS.items():
        assert kinds[kind_id].name.zh == name
        assert any(s.kind == kind_id for s in shipped.signals), kind_id
    gone = [kind for kind in shipped.kinds if kind.money_gone]
    assert [kind.id for kind in gone] == ["money_gone"]
    assert any(s.kind == "money_gone" for s in shipped.signals)
    assert all(s.lesson and s.bank for s in shipped.signals)


def test_a_valid_file_gives_a_checker(tmp_path: Path) -> None:
    result = load(tmp_path, SIGNAL)
    assert result.problems == []
    assert result.checker is not None
    assert result.checker.check("请把钱转到安 全 账 户").findings[0].quote == "安 全 账 户"


def test_unknown_key_is_named_with_a_suggestion_and_its_position(tmp_path: Path) -> None:
    result = load(tmp_path, SIGNAL.replace("    explanation:", "    explaination:"))
    assert result.checker is None
    found = messages(result, tmp_path)
    assert any(
        line.startswith(
            "demo.yaml:9:5: error: unknown key 'explaination' (did you mean 'explanation'?)"
        )
        for line in found
    ), found


@pytest.mark.parametrize(
    ("regex", "reason"),
    [
        ("(?=资金)清查", "RE2 cannot compile the regular expression"),
        ("(资金)\\1", "RE2 cannot compile the regular expression"),
        ("(?:资金+)+清查", "nested quantifiers"),
        ("(?:a|ab)*c", "repeated group of alternatives"),
        ("资金.{0,1000}", "counted repetition above {100}"),
        ("(?:资金)?", "matches an empty text"),
    ],
)
def test_a_refused_regex_is_an_error_at_its_line_and_column(
    tmp_path: Path, regex: str, reason: str
) -> None:
    result = load(tmp_path, SIGNAL.replace("(?:资金|财产)(?:清查|核查)", regex))
    assert result.checker is None
    [problem] = messages(result, tmp_path)
    assert problem.startswith("demo.yaml:8:16: error: ")
    assert reason in problem


def test_pattern_shapes_that_are_fine() -> None:
    for regex in (
        r"\p{Han}{2,8}账户",
        r"[a-z]+\.(?:top|vip)",
        r"(?:资金|财产)(?:清查|核查)",
        r"a(?:bc)?d",
    ):
        assert pattern_problem(regex) is None, regex


def test_a_number_where_a_phrase_belongs_is_one_clear_error(tmp_path: Path) -> None:
    result = load(tmp_path, SIGNAL.replace("      - 安全账户\n", "      - 96110\n"))
    assert messages(result, tmp_path) == [
        "demo.yaml:7:9: error: a pattern must be a phrase (text) or a mapping with 'phrase' "
        "or 'regex', not a number (put it in quotes)"
    ]


def test_unknown_kind_lesson_and_bank_are_named_with_suggestions(tmp_path: Path) -> None:
    bad = (
        SIGNAL.replace("kind: police", "kind: polise")
        .replace("lesson: tf-l03", "lesson: tf-l33")
        .replace("bank: telecom_fraud", "bank: telecom_frauds")
    )
    assert messages(load(tmp_path, bad), tmp_path) == [
        "demo.yaml:4:11: error: signal 'safe-account' has kind 'polise', which no file "
        "declares (did you mean 'police'?)",
        "demo.yaml:12:13: error: signal 'safe-account' links lesson 'tf-l33', which does not "
        "exist (did you mean 'tf-l03'?)",
        "demo.yaml:13:11: error: signal 'safe-account' links bank 'telecom_frauds', which does "
        "not exist (did you mean 'telecom_fraud'?)",
    ]


def test_duplicate_signal_ids_name_the_first_definition(tmp_path: Path) -> None:
    twice = SIGNAL + SIGNAL.split("signals:\n", 1)[1]
    result = load(tmp_path, twice)
    [problem] = messages(result, tmp_path)
    assert problem.startswith("demo.yaml:14:9: error: duplicate signal id 'safe-account'")
    assert problem.endswith("(first defined at demo.yaml:3)")


def test_a_phrase_with_no_letters_and_a_missing_translation(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        SIGNAL.replace("      - 安全账户\n", "      - '！？'\n").replace(
            '      en: There is no "safe account".\n', ""
        ),
    )
    assert messages(result, tmp_path) == [
        "demo.yaml:7:9: error: the phrase '！？' has no letters or digits",
        "demo.yaml:9:5: warning: explanation: no English translation",
    ]


def test_yaml_errors_and_aliases_are_reported_with_positions(tmp_path: Path) -> None:
    broken = load(tmp_path, SIGNAL.replace("    weight: 6\n", "    weight: [6\n"))
    assert messages(broken, tmp_path)[0].startswith("demo.yaml:")
    assert "YAML syntax error" in messages(broken, tmp_path)[0]
    aliased = load(
        tmp_path, SIGNAL.replace("      - 安全账户\n", "      - &a 安全账户\n      - *a\n")
    )
    assert "YAML anchors are not allowed" in messages(aliased, tmp_path)[0]


def test_shipped_files_are_the_only_signal_files(shipped: SignalLoadResult) -> None:
    assert shipped.files == len(list(SIGNALS.glob("*.yaml")))
