"""A group event's results as a workbook, in the reader's language.

Sheet one: the standings (rank, name, points, correct, answered, then each question's points);
sheet two: each question's text, correct answer and accuracy. Headers come from ``labels.j2``;
the file is written by ``bot.spreadsheet`` (the one writer: names typed by strangers never run
as formulas). No Telegram here.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from bot.render import Renderer
from bot.services.events import FinalResults
from bot.spreadsheet import Cell, Sheet, workbook_bytes


def results_workbook(results: FinalResults, render: Renderer, lang: str) -> bytes:
    def label(key: str, *args: object) -> str:
        return html.unescape(render.label(lang, key, *args))

    count = len(results.questions)
    standings = Sheet(
        title=label("report_sheet_results"),
        headers=[
            label("report_col_rank"),
            label("report_col_name"),
            label("report_col_points"),
            label("report_col_correct"),
            label("report_col_answered"),
            *(label("report_col_question_n", i + 1) for i in range(count)),
        ],
        rows=[
            _standing_row(results, row.user_id, row.rank, row.points) for row in results.standings
        ],
    )
    return workbook_bytes([standings, _questions_sheet(results, lang, label)])


def _standing_row(results: FinalResults, user_id: int, rank: int, points: int) -> list[Cell]:
    cells = [results.cells.get((user_id, i)) for i in range(len(results.questions))]
    given = [c for c in cells if c is not None]
    return [
        rank,
        results.names.get(user_id, str(user_id)),
        points,
        sum(1 for correct, _ in given if correct),
        len(given),
        *(None if c is None else c[1] for c in cells),
    ]


def _questions_sheet(results: FinalResults, lang: str, label: Callable[..., str]) -> Sheet:
    rows: list[list[Cell]] = []
    for index, question in enumerate(results.questions):
        answers = [c for (_, q), c in results.cells.items() if q == index]
        right = sum(1 for correct, _ in answers if correct)
        rows.append(
            [
                index + 1,
                question.text.get(lang) if question else "—",
                ("；" if lang == "zh" else "; ").join(
                    o.text.get(lang) for o in question.options if o.correct
                )
                if question
                else "—",
                len(answers),
                right,
                right / len(answers) if answers else None,
            ]
        )
    return Sheet(
        title=label("report_sheet_questions"),
        headers=[
            label("report_col_number"),
            label("report_col_question"),
            label("report_col_answer"),
            label("report_col_answers"),
            label("report_col_right"),
            label("report_col_accuracy"),
        ],
        rows=rows,
        percent_columns=frozenset({5}),
    )
