"""The one spreadsheet writer: every report the bot or the CLI hands out as .xlsx uses it.

openpyxl in write-only mode (rows are streamed, so 10,000 participants cost little memory);
a bold frozen header row; column widths that count a Chinese character as two; and text that a
stranger typed (names, feedback) can never run as a formula in Excel or WPS.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell = str | int | float | bool | date | datetime | None
MAX_WIDTH = 60
SHEET_TITLE = 31  # Excel's limit
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)
    percent_columns: frozenset[int] = frozenset()
    """0-based columns holding fractions (0.85) to show as percentages (85%)."""


def safe_text(text: str) -> str:
    """A cell value that Excel shows as typed, never evaluates (CSV/XLSX formula injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(value: Cell) -> Cell:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local times
    return value


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx file with one worksheet per sheet, in order."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet.title[:SHEET_TITLE]), sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet) -> None:
    widths = [display_width(h) for h in sheet.headers]
    for row in sheet.rows[:200]:  # widths from the first rows: enough, and cheap
        for i, value in enumerate(row[: len(widths)]):
            shown = f"{value:.0%}" if i in sheet.percent_columns and value is not None else value
            widths[i] = max(widths[i], display_width(str(shown if shown is not None else "")))
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = min(width + 2, MAX_WIDTH)  # type: ignore[attr-defined]
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in sheet.headers:
        cell = WriteOnlyCell(ws, value=safe_text(title))
        cell.font = bold
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    if not sheet.percent_columns:
        for row in sheet.rows:
            ws.append([_value(v) for v in row])
        return
    for row in sheet.rows:
        cells: list[Cell | XlCell] = []
        for i, value in enumerate(row):
            if i in sheet.percent_columns and isinstance(value, int | float):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "0%"
                cells.append(cell)
            else:
                cells.append(_value(value))
        ws.append(cells)
