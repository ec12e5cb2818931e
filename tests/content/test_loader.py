"""The validator names file:line:col of every mistake; each check is proven by a broken file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.domain.content import QuestionType

BANK = """\
format: 1
bank:
  id: demo
  topic: telecom_fraud
  title:
    zh: 演示
    en: Demo
  description:
    zh: 演示题库
    en: A demo bank
questions:
  - id: q1
    type: single
    text:
      zh: 自称公安要求转入安全账户，这是？
      en: Police ask you to move money to a safe account. This is?
    options:
      - zh: 正常办案
        en: A real case
      - zh: 诈骗
        en: A scam
        correct: true
    explanation:
      zh: 公安机关不会让人把钱转到安全账户。
      en: Police never ask for a transfer to a safe account.
    source:
      zh: 公安部刑侦局
      en: MPS criminal investigation bureau
"""

LESSONS = """\
format: 1
lessons:
  - id: l1
    topic: telecom_fraud
    order: 1
    title:
      zh: 标题
      en: Title
    body:
      zh: 正文
      en: Body
    action:
      zh: 拨打110
      en: Call 110
    check: q1
    source:
      zh: 来源
      en: Source
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(*paths: Path) -> list[str]:
    return [str(p) for p in load_content(list(paths)).problems]


def test_valid_bank_and_lesson_load_into_domain_models(tmp_path: Path) -> None:
    write(tmp_path, "demo.yaml", BANK)
    write(tmp_path, "lessons/a.yaml", LESSONS)
    result = load_content([tmp_path])
    assert result.problems == []
    assert result.ok
    assert result.files == 2
    question = result.catalog.questions["q1"]
    assert question.type is QuestionType.SINGLE
    assert question.bank_id == "demo"
    assert question.correct_indices == frozenset({1})
    assert question.text.get("en").startswith("Police ask")
    assert result.catalog.banks["demo"].questions == (question,)
    assert result.catalog.lessons[0].check == "q1"
    assert len(result.catalog.version) == 12


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("    type: single", "    type: [single"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}:14:")
    assert ": error: YAML syntax error" in problem


def test_unknown_key_names_its_line_and_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("    type: single", "    typ: single"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}:13:5: error: unknown key 'typ' (did you mean 'type'?)")


def test_missing_key_points_at_the_question(tmp_path: Path) -> None:
    text = BANK.replace(
        "    source:\n      zh: 公安部刑侦局\n      en: MPS criminal investigation bureau\n", ""
    )
    path = write(tmp_path, "demo.yaml", text)
    assert problems(path) == [f"{path}:12:5: error: missing key 'source'"]


def test_mistyped_value_explains_yaml_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("        en: A scam", "        en: true"))
    [problem] = problems(path)
    assert problem == (
        f"{path}:21:13: error: 'en' must be text, not true/false "
        "(YAML read it as true/false; put the text in quotes)"
    )


def test_yes_is_text_under_yaml_1_2(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("        en: A scam", "        en: yes"))
    result = load_content([path])
    assert result.problems == []
    assert result.catalog.questions["q1"].options[1].text.en == "yes"


def test_wrong_type_value_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("type: single", "type: singel"))
    [problem] = problems(path)
    assert f"{path}:13:11: error: 'type' must be 'single', 'multiple' or 'true_false'" in problem


def test_duplicate_question_id_within_a_file(tmp_path: Path) -> None:
    question = BANK[BANK.index("  - id: q1") :]
    path = write(tmp_path, "demo.yaml", BANK + question)
    [problem] = problems(path)
    assert problem == (
        f"{path}:29:9: error: duplicate question id 'q1' (first defined at {path}:12)"
    )


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "demo.yaml", BANK)
    second = write(tmp_path, "other.yaml", BANK.replace("id: demo", "id: other"))
    found = problems(tmp_path)
    assert f"{second}:12:9: error: duplicate question id 'q1' (first defined at {first}:12)" in (
        found
    )


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "demo.yaml",
        BANK.replace("    type: single", "    type: single\n    type: multiple"),
    )
    [problem] = problems(path)
    assert problem == f"{path}:14:5: error: duplicate key 'type'"


@pytest.mark.parametrize(
    ("qtype", "marks", "expected"),
    [
        (
            "single",
            (False, False),
            "is single and needs exactly one option with 'correct: true' (found 0)",
        ),
        (
            "single",
            (True, True),
            "is single and needs exactly one option with 'correct: true' (found 2)",
        ),
        ("true_false", (True, True), "is true_false and needs exactly one option"),
        ("multiple", (False, False), "is multiple and has no correct option"),
    ],
)
def test_answer_counts(
    tmp_path: Path, qtype: str, marks: tuple[bool, bool], expected: str
) -> None:
    text = BANK.replace("type: single", f"type: {qtype}").replace("        correct: true\n", "")
    text = text.replace(
        "        en: A real case",
        f"        en: A real case\n        correct: {str(marks[0]).lower()}",
    )
    text = text.replace(
        "        en: A scam", f"        en: A scam\n        correct: {str(marks[1]).lower()}"
    )
    path = write(tmp_path, "demo.yaml", text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:17:5: error: question 'q1' {expected}")


def test_true_false_needs_two_options(tmp_path: Path) -> None:
    text = BANK.replace("type: single", "type: true_false").replace(
        "        correct: true\n",
        "        correct: true\n      - zh: 不确定\n        en: Not sure\n",
    )
    path = write(tmp_path, "demo.yaml", text)
    assert problems(path) == [
        f"{path}:17:5: error: question 'q1' is true_false and needs exactly two options"
    ]


def test_too_many_and_too_few_options(tmp_path: Path) -> None:
    extra = "".join(f"      - zh: 选项{i}\n        en: Option {i}\n" for i in range(11))
    path = write(
        tmp_path,
        "demo.yaml",
        BANK.replace("        correct: true\n", "        correct: true\n" + extra),
    )
    assert problems(path) == [
        f"{path}:17:5: error: question 'q1' has 13 options; Telegram allows 2 to 12"
    ]


def test_poll_text_limits_are_counted_in_utf16(tmp_path: Path) -> None:
    long_question = "问" * 301
    long_option = "😀" * 51  # 102 UTF-16 units
    text = BANK.replace("自称公安要求转入安全账户，这是？", long_question)
    text = text.replace("        en: A scam", f"        en: '{long_option}'")
    text = text.replace("公安机关不会让人把钱转到安全账户。", "解" * 201)
    path = write(tmp_path, "demo.yaml", text)
    assert problems(path) == [
        f"{path}:15:11: error: text (zh) is 301 characters; the limit is 300",
        f"{path}:21:13: error: option 2 (en) is 102 characters; the limit is 100",
        f"{path}:24:11: error: explanation (zh) is 201 characters; the limit is 200",
    ]


def test_explanation_allows_two_line_feeds_only(tmp_path: Path) -> None:
    text = BANK.replace(
        "      zh: 公安机关不会让人把钱转到安全账户。",
        '      zh: "一\\n二\\n三\\n四"',
    )
    path = write(tmp_path, "demo.yaml", text)
    assert problems(path) == [
        f"{path}:24:11: error: explanation (zh) has 3 line breaks; a quiz poll allows 2"
    ]


def test_missing_chinese_is_an_error_and_missing_english_a_warning(tmp_path: Path) -> None:
    text = BANK.replace("    zh: 演示\n", "    zh: ''\n").replace(
        "      en: Police never ask for a transfer to a safe account.\n", ""
    )
    path = write(tmp_path, "demo.yaml", text)
    assert problems(path) == [
        f"{path}:6:9: error: title: the Chinese text is empty",
        f"{path}:23:5: warning: explanation: no English translation",
    ]
    result = load_content([path])
    assert not result.ok


def test_missing_english_alone_is_only_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("    en: Demo\n", ""))
    result = load_content([path])
    assert [str(p) for p in result.problems] == [
        f"{path}:5:3: warning: title: no English translation"
    ]
    assert result.ok


def test_lesson_with_unknown_check_question(tmp_path: Path) -> None:
    write(tmp_path, "demo.yaml", BANK)
    lessons = write(tmp_path, "lessons/a.yaml", LESSONS.replace("check: q1", "check: q2"))
    assert problems(tmp_path) == [
        f"{lessons}:15:12: error: lesson 'l1' checks with question 'q2', which does not exist"
    ]


def test_lesson_validated_alone_resolves_against_context(tmp_path: Path) -> None:
    bank = write(tmp_path / "quizzes", "demo.yaml", BANK)
    lessons = write(tmp_path, "lessons/a.yaml", LESSONS)
    assert load_content([lessons], context=[bank.parent]).problems == []
    assert load_content([lessons]).ok is False


def test_anchors_and_aliases_are_refused(tmp_path: Path) -> None:
    bomb = "format: 1\na: &a [x, x]\nb: [*a, *a]\nbank: {}\n"
    path = write(tmp_path, "bomb.yaml", bomb)
    assert problems(path) == [
        f"{path}:2:4: error: YAML anchors are not allowed (&a): write the value out in full"
    ]


def test_file_over_one_mebibyte_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (1024 * 1024 + 1))
    assert problems(path) == [f"{path}:1:1: error: file is 1,048,577 bytes; the limit is 1 MiB"]


def test_non_utf8_file_names_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("format: 1\nbank:\n  id: 演示\n".encode("gbk"))
    assert problems(path) == [
        f"{path}:3:7: error: the file is not UTF-8 text: save it with UTF-8 encoding"
    ]


def test_empty_and_unknown_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.yaml", "")
    other = write(tmp_path, "other.yaml", "hello: world\n")
    assert problems(empty, other) == [
        f"{empty}:1:1: error: the file is empty",
        f"{other}:1:1: error: not a bank file (needs 'bank:' and 'questions:') "
        "nor a lesson file (needs 'lessons:')",
    ]


def test_newer_format_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK.replace("format: 1", "format: 2"))
    assert problems(path) == [
        f"{path}:1:9: error: format 2 is newer than this bot understands (1): update the bot"
    ]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert problems(missing) == [f"{missing}:1:1: error: no such file or folder"]


def test_mixed_bank_draws_from_known_banks(tmp_path: Path) -> None:
    write(tmp_path, "demo.yaml", BANK)
    mixed = write(
        tmp_path,
        "mix.yaml",
        """\
        format: 1
        bank:
          id: mix
          topic: challenge
          title:
            zh: 挑战
            en: Challenge
          description:
            zh: 综合
            en: Mixed
          draw_from: [demo, nowhere]
        """,
    )
    result = load_content([tmp_path])
    assert [str(p) for p in result.problems] == [
        f"{mixed}:11:14: error: draw_from names an unknown bank 'nowhere'"
    ]
    assert [q.id for q in result.catalog.bank_questions("mix")] == ["q1"]


def test_one_bad_question_does_not_hide_problems_in_the_others(tmp_path: Path) -> None:
    second = (
        BANK[BANK.index("  - id: q1") :]
        .replace("id: q1", "id: q2")
        .replace("        correct: true\n", "")
    )
    text = BANK.replace("type: single", "type: wrong") + second
    path = write(tmp_path, "demo.yaml", text)
    found = problems(path)
    assert len(found) == 2
    assert "'type' must be" in found[0]
    assert "question 'q2' is single and needs exactly one option" in found[1]
