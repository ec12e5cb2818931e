"""Harder questions: tempting distractors, concrete keys, fixed option orders, verdicts, groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.content.rules import is_bare_refusal
from bot.domain.content import Verdict
from tests.content.bankgen import Opt, Q, good_scenario, line_of, write_bank

TF = [Opt("对", "True", correct=True), Opt("错", "False")]
PAIR_SCAM = [Opt("真的（正规）", "Genuine"), Opt("诈骗", "Scam", correct=True)]
PAIR_GENUINE = [Opt("真的（正规）", "Genuine", correct=True), Opt("诈骗", "Scam")]


def problems(path: Path, *, strict: bool = False) -> list[str]:
    return [str(p) for p in load_content([path], strict=strict).problems]


# --------------------------------------------------------------------------- tempting options


def test_a_well_made_scenario_question_is_clean(tmp_path: Path) -> None:
    path = write_bank(tmp_path, good_scenario("q1"))
    result = load_content([path])
    assert result.problems == []
    options = result.catalog.questions["q1"].options
    assert [o.tempting for o in options] == [True, False, False]


def test_a_scenario_question_needs_a_tempting_option(tmp_path: Path) -> None:
    question = good_scenario("q1")
    question.options[0].tempting = False
    path = write_bank(tmp_path, question)
    line = line_of(path, "    options:")
    message = (
        "question 'q1' is a scenario question without a tempting option: mark a wrong option "
        "that sounds careful with 'tempting: true'"
    )
    assert problems(path) == [f"{path}:{line}:5: warning: {message}"]
    result = load_content([path], strict=True)
    assert [str(p) for p in result.problems] == [f"{path}:{line}:5: error: {message}"]
    assert not result.ok


def test_a_multiple_answer_question_needs_a_tempting_wrong_option(tmp_path: Path) -> None:
    options = [Opt("核实身份", correct=True), Opt("报警", correct=True), Opt("转账")]
    path = write_bank(tmp_path, Q("q1", options, type="multiple", text="哪些做法对？（多选）"))
    line = line_of(path, "    options:")
    assert problems(path) == [
        f"{path}:{line}:5: warning: question 'q1' is a multiple-answer question without a "
        "tempting option: mark a wrong option that sounds careful with 'tempting: true'"
    ]
    options[2].tempting = True
    assert problems(write_bank(tmp_path, Q("q1", options, type="multiple"))) == []


def test_a_tempting_option_is_never_correct(tmp_path: Path) -> None:
    question = good_scenario("q1")
    question.options[1].tempting = True
    path = write_bank(tmp_path, question)
    line = line_of(path, "挂断后自己拨打110核实")
    result = load_content([path])
    assert [str(p) for p in result.problems] == [
        f"{path}:{line}:9: error: question 'q1': option 2 is marked both correct and tempting; "
        "a tempting option is a wrong one"
    ]
    assert "q1" not in result.catalog.questions


def test_a_true_false_option_cannot_be_tempting(tmp_path: Path) -> None:
    options = [Opt("对", "True", correct=True), Opt("错", "False", tempting=True)]
    path = write_bank(tmp_path, Q("q1", options, type="true_false", text="说法"))
    line = line_of(path, "tempting: true")
    assert problems(path) == [
        f"{path}:{line}:9: error: question 'q1' is true_false: its options cannot be tempting"
    ]


# --------------------------------------------------------------------------- concrete keys


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("拒绝", "the key '拒绝' is a bare refusal"),
        ("直接拒绝！", "the key '直接拒绝！' is a bare refusal"),
        ("这是诈骗", "the key '这是诈骗' is a bare refusal"),
        ("挂断电话，不理会", "the key '挂断电话，不理会' is a bare refusal"),
        ("坚决不投", "the key '坚决不投' is a bare refusal"),
        ("问问家人", "the key '问问家人' is too short to name a concrete action (at least 6"),
        ("报警！！！！", "the key '报警！！！！' is too short to name a concrete action"),
    ],
)
def test_a_scenario_key_is_a_concrete_action(tmp_path: Path, key: str, message: str) -> None:
    question = good_scenario("q1")
    question.options[1].zh = key
    path = write_bank(tmp_path, question)
    line = line_of(path, f"zh: {key}")
    [found] = problems(path)
    assert found.startswith(f"{path}:{line}:9: warning: question 'q1': {message}")


@pytest.mark.parametrize(
    "key",
    [
        "挂断后自己拨打110核实",
        "到银行柜台当面查询",
        "拒绝转账，打96110咨询",
        "不信，先问问子女再说",
    ],
)
def test_concrete_keys_pass(key: str) -> None:
    assert not is_bare_refusal(key)


def test_key_rules_apply_to_scenario_questions_only(tmp_path: Path) -> None:
    options = [Opt("诈骗", correct=True), Opt("正常业务")]
    assert problems(write_bank(tmp_path, Q("q1", options, text="这是什么？"))) == []


# --------------------------------------------------------------------------- true/false


@pytest.mark.parametrize(
    "options",
    [
        [Opt("错", "False", correct=True), Opt("对", "True")],
        [Opt("对", "Right", correct=True), Opt("错", "Wrong")],
        [Opt("正确", "True", correct=True), Opt("错误", "False")],
    ],
)
def test_true_false_options_read_true_then_false(tmp_path: Path, options: list[Opt]) -> None:
    path = write_bank(tmp_path, Q("q1", options, type="true_false", text="说法"))
    line = line_of(path, "    options:")
    assert problems(path) == [
        f"{path}:{line}:5: error: question 'q1' is true_false: its options must read "
        "对 then 错 (en True, False)"
    ]


def test_true_false_without_english_is_only_missing_english(tmp_path: Path) -> None:
    options = [Opt("对", None), Opt("错", None, correct=True)]
    found = problems(write_bank(tmp_path, Q("q1", options, type="true_false", text="说法")))
    assert [f.split(": ", 2)[-1] for f in found] == [
        "option 1: no English translation",
        "option 2: no English translation",
    ]


# --------------------------------------------------------------------------- verdicts


def verdict_q(qid: str, verdict: str, options: list[Opt]) -> Q:
    return Q(
        qid,
        options,
        scenario="短信：“【某某银行】您尾号1234的卡支出500元。”",
        text="这条消息是真的还是诈骗？",
        extra=f"    verdict: {verdict}\n",
    )


def test_genuine_or_scam_items_load_with_their_verdict(tmp_path: Path) -> None:
    path = write_bank(
        tmp_path, verdict_q("q1", "scam", PAIR_SCAM), verdict_q("q2", "genuine", PAIR_GENUINE)
    )
    result = load_content([path])
    assert result.problems == []
    first, second = result.catalog.questions["q1"], result.catalog.questions["q2"]
    assert (first.verdict, second.verdict) == (Verdict.SCAM, Verdict.GENUINE)
    assert first.asks_verdict
    assert first.fixed_order


def test_the_key_must_match_the_verdict(tmp_path: Path) -> None:
    path = write_bank(tmp_path, verdict_q("q1", "genuine", PAIR_SCAM))
    line = line_of(path, "verdict:")
    assert problems(path) == [
        f"{path}:{line}:14: error: question 'q1' has 'verdict: genuine' but its key is 诈骗"
    ]


@pytest.mark.parametrize(
    "options",
    [
        [Opt("诈骗", "Scam", correct=True), Opt("真的（正规）", "Genuine")],
        [Opt("真的(正规)", "Genuine"), Opt("诈骗", "Scam", correct=True)],
        [Opt("真的（正规）", "Real"), Opt("诈骗", "Scam", correct=True)],
        [Opt("真的（正规）", "Genuine"), Opt("诈骗", "Scam", correct=True), Opt("不确定")],
    ],
)
def test_genuine_or_scam_options_are_fixed(tmp_path: Path, options: list[Opt]) -> None:
    path = write_bank(tmp_path, verdict_q("q1", "scam", options))
    line = line_of(path, "    options:")
    assert problems(path) == [
        f"{path}:{line}:5: error: question 'q1' asks genuine or scam: its options must read "
        "真的（正规） then 诈骗 (en Genuine, Scam)"
    ]


def test_a_what_do_you_do_verdict_item_follows_the_scenario_rules(tmp_path: Path) -> None:
    question = good_scenario("q1")
    question.extra = "    verdict: genuine\n"
    path = write_bank(tmp_path, question)
    assert problems(path) == []
    question.options[0].tempting = False
    assert "without a tempting option" in problems(write_bank(tmp_path, question))[0]


def test_a_verdict_needs_something_to_judge_and_one_answer(tmp_path: Path) -> None:
    options = [Opt("查看官方APP核对", correct=True), Opt("点链接核对", correct=True), Opt("转账")]
    question = Q("q1", options, type="multiple", extra="    verdict: scam\n")
    path = write_bank(tmp_path, question)
    line = line_of(path, "verdict:")
    assert problems(path) == [
        f"{path}:{line}:14: error: question 'q1' has a verdict but no scene or scenario to judge",
        f"{path}:{line}:14: error: question 'q1' has a verdict, so it is single-choice: "
        "'type: single' asking genuine or scam, or what to do",
    ]


def test_an_unknown_verdict_is_refused(tmp_path: Path) -> None:
    path = write_bank(tmp_path, verdict_q("q1", "fake", PAIR_SCAM))
    [found] = problems(path)
    assert "error: 'verdict' must be 'genuine' or 'scam', not 'fake'" in found


# --------------------------------------------------------------------------- groups


def test_grouped_questions_load_with_their_group(tmp_path: Path) -> None:
    first, second = good_scenario("q1"), good_scenario("q2")
    first.extra = second.extra = "    group: safe-account\n"
    result = load_content([write_bank(tmp_path, first, second)])
    assert result.problems == []
    assert {q.group for q in result.catalog.questions.values()} == {"safe-account"}


def test_a_group_of_one_is_probably_a_typo(tmp_path: Path) -> None:
    first, second = good_scenario("q1"), good_scenario("q2")
    first.extra = "    group: safe-account\n"
    second.extra = "    group: safe-acount\n"
    path = write_bank(tmp_path, first, second)
    one, two = line_of(path, "group: safe-account"), line_of(path, "group: safe-acount")
    assert problems(path) == [
        f"{path}:{one}:12: warning: group 'safe-account' has only question 'q1': a group "
        "joins questions that test the same fact (check the spelling)",
        f"{path}:{two}:12: warning: group 'safe-acount' has only question 'q2': a group "
        "joins questions that test the same fact (check the spelling)",
    ]


def test_groups_span_banks(tmp_path: Path) -> None:
    first, second = good_scenario("q1"), good_scenario("q2")
    first.extra = second.extra = "    group: safe-account\n"
    write_bank(tmp_path, first)
    other = write_bank(tmp_path, second, name="other.yaml")
    other.write_text(other.read_text().replace("id: demo", "id: other"), encoding="utf-8")
    assert load_content([tmp_path]).problems == []


# --------------------------------------------------------------------------- bank-level rates


def single(qid: str, key: int, lengths: tuple[int, ...]) -> Q:
    options = [Opt(f"选项{'长' * n}{qid}{i}", correct=i == key) for i, n in enumerate(lengths)]
    return Q(qid, options, text="哪个对？")


def test_the_key_length_rank_is_at_most_40_percent_of_a_bank(tmp_path: Path) -> None:
    # Five questions; the key is the second-longest in three (60%), the shortest in two (40%).
    questions = [single(f"s{i}", 1, (6, 4, 2, 1)) for i in range(3)]
    questions += [single(f"t{i}", 3, (6, 4, 2, 1)) for i in range(2)]
    path = write_bank(tmp_path, *questions)
    assert problems(path) == [
        f"{path}:3:7: warning: bank 'demo': the key is the second-longest option in 60% of "
        "5 single-choice questions; keep each length rank at most 40%"
    ]


def test_rank_ties_are_shared(tmp_path: Path) -> None:
    # Key tied with one other option for longest: half a hit for "longest", half for "second".
    questions = [single(f"s{i}", 0, (5, 5, 2, 1)) for i in range(4)]
    path = write_bank(tmp_path, *questions)
    assert problems(path) == [
        f"{path}:3:7: warning: bank 'demo': the key is the longest option in 50% of "
        "4 single-choice questions; keep each length rank at most 40%",
        f"{path}:3:7: warning: bank 'demo': the key is the second-longest option in 50% of "
        "4 single-choice questions; keep each length rank at most 40%",
    ]


def test_small_banks_are_not_judged_on_rates(tmp_path: Path) -> None:
    questions = [single(f"s{i}", 1, (6, 4, 2, 1)) for i in range(3)]
    assert problems(write_bank(tmp_path, *questions)) == []


def tf(qid: str, true: bool) -> Q:
    options = [Opt("对", "True", correct=true), Opt("错", "False", correct=not true)]
    return Q(qid, options, type="true_false", text="说法")


@pytest.mark.parametrize(("trues", "falses", "share"), [(1, 4, "20%"), (4, 1, "80%")])
def test_true_false_keys_are_balanced(tmp_path: Path, trues: int, falses: int, share: str) -> None:
    questions = [tf(f"t{i}", True) for i in range(trues)]
    questions += [tf(f"f{i}", False) for i in range(falses)]
    path = write_bank(tmp_path, *questions)
    assert problems(path) == [
        f"{path}:3:7: warning: bank 'demo': 对 is the key of {trues} of 5 true/false "
        f"questions ({share}); keep it between 40% and 60%"
    ]
    balanced = [tf("t0", True), tf("t1", True), tf("f0", False), tf("f1", False), tf("f2", False)]
    assert problems(write_bank(tmp_path, *balanced)) == []
