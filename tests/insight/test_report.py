"""The report on paper: the campaign's questions sheet, typed notes in a workbook, the table."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

from openpyxl import load_workbook

from bot.domain.content import Option, Text
from bot.domain.insight import (
    Feedback,
    FirstAnswer,
    Origin,
    QuestionSummary,
    Reason,
    analyse,
    group_feedback,
    question_version,
)
from bot.insight_report import feedback_sheet, questions_sheet, questions_table
from bot.spreadsheet import display_width, workbook_bytes
from tests.domain.factories import question

Q = dataclasses.replace(
    question("q1", n_options=3, correct=(1,)),
    text=Text("一道很长很长的题目" * 10, "A long question"),
    options=(Option(Text("甲", "first")), Option(Text("乙", "second"), True), Option(Text("丙"))),
)


def test_campaign_questions_sheet_in_the_organizers_language() -> None:
    summaries = {
        "q1": QuestionSummary("q1", answers=4, correct=1, top_wrong=0, top_wrong_count=2),
        "gone": QuestionSummary("gone", answers=0, correct=0, top_wrong=None, top_wrong_count=0),
    }
    headers = ["id", "question", "answers", "accuracy", "most chosen wrong option", "chose it"]
    sheet = questions_sheet("Questions", headers, summaries, {"q1": Q}, "en")
    assert list(sheet.rows) == [
        ["q1", "A long question", 4, 0.25, "A. first", 2],
        ["gone", None, 0, None, None, None],
    ]
    assert sheet.percent_columns == frozenset({3})
    ws = load_workbook(io.BytesIO(workbook_bytes([sheet])))["Questions"]
    assert ws["D2"].number_format == "0%"


def test_a_note_never_runs_as_a_formula_in_the_workbook() -> None:
    hostile = '=HYPERLINK("http://x","点我")'
    groups = group_feedback(
        [Feedback("q1", None, Reason.OTHER, hostile, Origin.QUIZ, date(2026, 3, 15))], {"q1": Q}
    )
    ws = load_workbook(io.BytesIO(workbook_bytes([feedback_sheet(groups)])))["纠错 Feedback"]
    assert ws["E2"].value == "'" + hostile
    assert ws["E2"].data_type == "s"
    assert ws["D2"].value == "其他 other"


def test_the_table_clips_long_questions_and_shows_option_shares() -> None:
    answers = [
        FirstAnswer(p, "q1", Origin.QUIZ, frozenset({1 if p % 4 else 0}), p % 4 != 0, 3.0,
                    question_version(Q))
        for p in range(40)
    ]  # fmt: skip
    answers.append(FirstAnswer(99, "q1", Origin.QUIZ, frozenset({2}), False, None, None))
    text = questions_table(analyse([Q], answers), {"bank": "测试题库"})
    lines = text.splitlines()
    assert lines[0] == "== bank · 测试题库: 1 questions, 1 answered, 1 flagged · 1 题，1 题有标记"
    row = lines[2]
    assert row.startswith("q1  41  73%")
    assert "A 25% B 75%✓ C 0% (+1 older)" in row
    assert "冷门选项 rare option C" in row
    assert row.endswith("…")
    assert display_width(row.split("  ")[-1]) <= 30
