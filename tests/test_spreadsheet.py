"""The one .xlsx writer, read back with openpyxl as Excel would open it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.spreadsheet import Sheet, display_width, safe_text, workbook_bytes


def test_sheets_headers_rows_and_percentages_read_back() -> None:
    data = workbook_bytes(
        [
            Sheet(
                "汇总 Summary",
                ["单位", "参与人数", "参与率"],
                [["一支行", 12, 0.25]],
                frozenset({2}),
            ),
            Sheet("空表", ["题号", "正确率"]),
        ]
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["汇总 Summary", "空表"]
    first = book["汇总 Summary"]
    assert [c.value for c in first[1]] == ["单位", "参与人数", "参与率"]
    assert first["A1"].font.bold
    assert first.freeze_panes == "A2"
    assert [c.value for c in first[2]] == ["一支行", 12, 0.25]
    assert first["C2"].number_format == "0%"
    assert first.column_dimensions["A"].width >= display_width("一支行")
    assert [[c.value for c in row] for row in book["空表"].iter_rows()] == [["题号", "正确率"]]


def test_typed_text_never_becomes_a_formula() -> None:
    hostile = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain"]
    data = workbook_bytes([Sheet("s", ["name"], [[h] for h in hostile])])
    ws = load_workbook(io.BytesIO(data))["s"]
    values = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert values == [safe_text(h) for h in hostile]
    assert all(not str(v).startswith("=") for v in values)
    assert ws["A2"].data_type == "s"


def test_aware_datetimes_are_written_as_given_local_times() -> None:
    when = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)
    ws = load_workbook(io.BytesIO(workbook_bytes([Sheet("s", ["at"], [[when]])])))["s"]
    assert ws["A2"].value == when.replace(tzinfo=None)


def test_a_workbook_needs_a_sheet() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        workbook_bytes([])
