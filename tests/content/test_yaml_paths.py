"""The fast reader (yaml-rs) and the reference (PyYAML) read content files the same way.

The fast reader serves only the happy path; whatever it could read differently goes to the
reference, which also gives every problem its position.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from bot.content import loader, yamlnodes
from bot.content.yamlnodes import YamlError, load_fast, load_reference, needs_reference
from tests.content.test_loader import BANK, write

TRICKY = """\
yes: yes
no: no
on: on
off: off
time: 1:30
sexagesimal: 190:20:30
octal: 0o17
leading_zero: 017
hex: 0x1F
date: 2021-05-25
stamp: 2021-05-25 10:00:00
tilde: ~
null_word: null
empty:
upper_true: True
shout_false: FALSE
mixed_case: tRue
exponent: 1e3
dot: 1.
half: .5
negative: -.5
signed: +12
infinity: .inf
minus_infinity: -.Inf
not_a_number: .NaN
word_inf: inf
quoted_int: "1"
quoted_bool: 'true'
quoted_null: "null"
plain: 中文 text, with:colon and a#hash
flow: [yes, 1, "2", on, 中文]
block: |
  line one
  line two
folded: >-
  one
  two
"""

EXPECTED: dict[str, Any] = {
    "yes": "yes",
    "no": "no",
    "on": "on",
    "off": "off",
    "time": "1:30",
    "sexagesimal": "190:20:30",
    "octal": 15,
    "leading_zero": 17,
    "hex": 31,
    "date": "2021-05-25",
    "stamp": "2021-05-25 10:00:00",
    "tilde": None,
    "null_word": None,
    "empty": None,
    "upper_true": True,
    "shout_false": False,
    "mixed_case": "tRue",
    "exponent": 1000.0,
    "dot": 1.0,
    "half": 0.5,
    "negative": -0.5,
    "signed": 12,
    "infinity": math.inf,
    "minus_infinity": -math.inf,
    "word_inf": "inf",
    "quoted_int": "1",
    "quoted_bool": "true",
    "quoted_null": "null",
    "plain": "中文 text, with:colon and a#hash",
    "flow": ["yes", 1, "2", "on", "中文"],
    "block": "line one\nline two\n",
    "folded": "one two",
}


def _same(a: Any, b: Any) -> bool:
    """Equal, with equal types (True is not 1) and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_both_readers_give_the_same_yaml_1_2_core_data() -> None:
    fast = load_fast(TRICKY)
    _, reference = load_reference(TRICKY)
    assert fast is not None  # nothing here needs the reference
    assert _same(fast, reference)
    nan = reference.pop("not_a_number")
    assert math.isnan(nan)
    assert _same(reference, EXPECTED)


@pytest.mark.parametrize(
    "text",
    [
        "k: 1_000\n",  # yaml-rs: 1000; core schema: text
        "k: 0b101\n",
        "k: 0X1F\n",
        "k: -0x1\n",
        "k: .Nan\n",
        "k: [a?]\n",  # YAML 1.1 and 1.2 split flow text at '?' differently
        "k: {: a}\n",
        "k: [a:]\n",  # libyaml: syntax error; yaml-rs: a mapping
        "k: a\tb\n",  # libyaml refuses tabs in plain text
        "k: a\x07\n",  # control characters are not allowed in YAML
        "k: a\u2028b\n",  # a line break in YAML 1.1 only
        "k: !!binary aGk=\n",
        "k: !custom x\n",
        "%YAML 1.2\n---\nk: x\n",
        "k: &a x\n",
        "a: x\n---\nb: y\n",  # several documents
        "- a\n",  # not a mapping
    ],
)
def test_fast_reader_steps_aside_where_the_readers_could_differ(text: str) -> None:
    assert load_fast(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "id: q_1\ntype: true_false\n",  # underscores in words are no numbers
        "en: 'Judicial Interpretation [2022] No. 5? (choose all)'\n",
        "en: Hang up now! Call 110.\n",
        "en: Q&A, dial*#21#\n",
        "zh: 拨打*#21#查询呼叫转移\n",
    ],
)
def test_ordinary_text_keeps_the_fast_path(text: str) -> None:
    assert not needs_reference(text)
    assert load_fast(text) == load_reference(text)[1]


def test_a_false_alarm_only_costs_speed() -> None:
    text = "en: Q&A, dial *#21# to check\n"  # ' *' could start an alias
    assert needs_reference(text)
    assert load_reference(text)[1] == {"en": "Q&A, dial *#21# to check"}


def test_clean_file_never_builds_the_pyyaml_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(text: str) -> Any:
        raise AssertionError("the reference path ran for a clean file")

    monkeypatch.setattr(loader, "compose", refuse)
    monkeypatch.setattr(loader, "load_reference", refuse)
    path = write(tmp_path, "demo.yaml", BANK.replace("        en: A scam", "        en: yes"))
    result = loader.load_content([path])
    assert result.problems == []
    assert result.catalog.questions["q1"].options[1].text.en == "yes"


def test_tree_is_built_once_and_only_for_a_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def counting_compose(text: str) -> Any:
        calls.append(text)
        return yamlnodes.compose(text)

    monkeypatch.setattr(loader, "compose", counting_compose)
    text = BANK.replace("    en: Demo\n", "")  # two warnings: no English title, description
    path = write(tmp_path, "demo.yaml", text.replace("    en: A demo bank\n", ""))
    found = [str(p) for p in loader.load_content([path]).problems]
    assert found == [
        f"{path}:5:3: warning: title: no English translation",
        f"{path}:7:3: warning: description: no English translation",
    ]
    assert len(calls) == 1


BROKEN = [
    # Each is read by the fast reader, or by the reference after it steps aside.
    BANK.replace("        en: A scam", "        en: true"),
    BANK.replace("        en: A scam", "        en: 1e3"),
    BANK.replace("        en: A scam", "        en: ~"),
    BANK.replace("type: single", "type: on"),
    BANK.replace("    type: single", "    type: single\n    difficulty: 1_0"),
    BANK.replace("    type: single", "    type: single\n    difficulty: 0x2"),
    BANK.replace("    type: single", "    type: single\n    difficulty: '2'"),
    BANK.replace("    type: single", "    type: single\n    tags: [yes, 2021-05-25, 1:30]"),
    BANK.replace("    type: single", "    type: single\n    tags: [a?]"),
    BANK.replace("    type: single", "    type: single\n    type: multiple"),
    BANK.replace("    type: single", "    type: [single"),
    BANK.replace("format: 1", "format: 2"),
    BANK.replace("  id: demo", "  id: demo\n  order: !!int 0b1"),
    BANK.replace("  id: demo", "  id: demo\n  order: !custom 1"),
    BANK.replace("        correct: true", "        correct: yes"),
    BANK.replace("自称公安要求转入安全账户，这是？", "问" * 301),
    BANK + "---\nformat: 1\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_same_problems_whichever_reader_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = write(tmp_path, "demo.yaml", text)
    with_fast = loader.load_content([path])
    monkeypatch.setattr(loader, "load_fast", lambda text: None)
    reference_only = loader.load_content([path])
    assert with_fast.problems == reference_only.problems
    assert with_fast.catalog.questions == reference_only.catalog.questions


def test_unknown_tag_is_a_positioned_problem_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("    type: single", "    type: !x single"))
    assert [str(p) for p in loader.load_content([path]).problems] == [
        f"{path}:13:11: error: YAML error: could not determine a constructor for the tag '!x'"
    ]


def test_explicit_number_tags_follow_the_core_schema() -> None:
    with pytest.raises(YamlError, match="'0b1' is not a valid whole number"):
        load_reference("k: !!int 0b1\n")
    assert load_reference("k: !!int '017'\n")[1] == {"k": 17}
    assert load_reference("k: !!str 12\n")[1] == {"k": "12"}
