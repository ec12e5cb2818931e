"""Question banks as spreadsheets: read an .xlsx or .csv safely, write a bank as .xlsx.

A workbook has a sheet of questions (one row each, columns from ``bot.content.columns``), a
bank sheet (key/value rows) and a help sheet. A CSV file is the questions sheet alone.

Reading refuses, with one line per problem naming the row and column, and before anything is
written: a file over ``MAX_FILE_BYTES``, anything that is not a spreadsheet, XML with entity
declarations (an "XML bomb"; openpyxl also parses through defusedxml, which is installed), a
zip that unpacks to more than ``MAX_UNZIPPED_BYTES``, merged cells, formulas, unknown or
missing columns, letters that name no option, and values of the wrong kind.
"""

from __future__ import annotations

import csv
import difflib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from bot.content.bankyaml import plain
from bot.content.columns import (
    LETTERS,
    OPTIONS,
    TEMPLATE_OPTIONS,
    CellError,
    CellValue,
    Column,
    Kind,
    bank_rows,
    cell_of,
    describe,
    parse_cell,
    parse_letters,
    question_columns,
    text_of,
)
from bot.content.schema import BankFileModel, BankInfoModel, QuestionModel
from bot.spreadsheet import Sheet, workbook_bytes

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 5000
QUESTIONS_SHEET = "题目 questions"
BANK_SHEET = "题库 bank"
HELP_SHEET = "说明 help"


class SheetError(Exception):
    """The file cannot be imported; one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class Grid:
    """One sheet's non-empty rows as (1-based row number, values)."""

    name: str  # the sheet's name in messages ("" for a CSV file)
    rows: list[tuple[int, list[CellValue]]] = field(default_factory=list)


# --- reading files ---------------------------------------------------------------------------


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SheetError(
            [f"{path}: the file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB"]
        )


def read_xlsx(path: Path) -> tuple[Grid, Grid | None]:
    """The questions sheet and the bank sheet (None when the workbook has none)."""
    check_size(path)
    raw = path.read_bytes()
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError([f"{path}: this is an old .xls workbook: save it as .xlsx and try again"])
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise SheetError(
            [f"{path}: not an .xlsx spreadsheet: in Excel or WPS use 另存为 / Save As → .xlsx"]
        )
    _check_zip(path, raw)
    from openpyxl import load_workbook  # openpyxl uses defusedxml when it is installed

    try:
        book = load_workbook(io.BytesIO(raw), data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        if _defused(exc):
            raise SheetError(
                [f"{path}: the file contains XML entity declarations; not read"]
            ) from None
        raise SheetError([f"{path}: cannot read the spreadsheet ({type(exc).__name__})"]) from None
    named = {ws.title.casefold(): ws for ws in book.worksheets}
    questions = _find(named, ("questions", "题目")) or book.worksheets[0]
    bank = _find(named, ("bank", "题库"))
    problems: list[str] = []
    grids = [_grid(path, ws, problems) for ws in (questions, bank) if ws is not None]
    if problems:
        raise SheetError(problems)
    return grids[0], grids[1] if len(grids) > 1 else None


def _find(named: dict[str, Any], words: tuple[str, ...]) -> Any:
    return next((ws for title, ws in named.items() if any(w in title for w in words)), None)


def _defused(exc: BaseException | None) -> bool:
    from defusedxml import DefusedXmlException

    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _check_zip(path: Path, raw: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_UNZIPPED_BYTES or len(members) > 10_000:
            raise SheetError(
                [f"{path}: the workbook unpacks to {total / 1e6:.0f} MB; the limit is "
                 f"{MAX_UNZIPPED_BYTES // 2**20} MB"]
            )  # fmt: skip
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            head = archive.read(member)[:4096].lower()
            if b"<!doctype" in head or b"<!entity" in head:
                raise SheetError(
                    [f"{path}: {member.filename} declares XML entities (an “XML bomb”?); not read"]
                )


def _grid(path: Path, ws: Any, problems: list[str]) -> Grid:
    grid = Grid(ws.title)
    if ws.max_row > MAX_ROWS + 1:
        problems.append(
            f"{path}: sheet {ws.title} has {ws.max_row} rows; the limit is {MAX_ROWS} "
            "(delete the empty rows at the bottom)"
        )
        return grid
    for merged in ws.merged_cells.ranges:
        problems.append(
            f"{path}: sheet {ws.title} row {merged.min_row}, column "
            f"{get_column_letter(merged.min_col)}: merged cells ({merged.coord}); unmerge them "
            "so every value has its own cell"
        )
    for row in ws.iter_rows():
        values: list[CellValue] = []
        for cell in row:
            value = cell.value
            if cell.data_type == "f" or type(value).__name__.endswith("Formula"):
                problems.append(
                    f"{path}: sheet {ws.title} row {cell.row}, column {cell.column_letter}: "
                    "a formula; copy the column and paste it back as values (选择性粘贴 → 数值)"
                )
                value = None
            elif value is not None and not isinstance(value, str | int | float | date):
                value = str(value)  # a time of day or a duration: as text
            values.append(value)
        if any(text_of(v) for v in values):
            grid.rows.append((row[0].row, values))
    return grid


def read_csv(path: Path) -> Grid:
    """A CSV file from Excel or WPS: UTF-8 (with or without BOM) or GB18030; , ; or tab."""
    check_size(path)
    raw = path.read_bytes()
    if b"\0" in raw[:4096]:
        raise SheetError([f"{path}: not a CSV text file (save the sheet as CSV UTF-8)"])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise SheetError([f"{path}: cannot decode the file; save it as CSV UTF-8"])
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    grid = Grid("")
    problems = []
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if number > MAX_ROWS + 1:
            raise SheetError([f"{path}: more than {MAX_ROWS} rows"])
        for index, value in enumerate(row):
            if value.startswith("="):
                problems.append(
                    f"{path}: row {number}, column {get_column_letter(index + 1)}: a formula "
                    f"({value[:20]}); paste values instead"
                )
        if any(v.strip() for v in row):
            grid.rows.append((number, [v or None for v in row]))
    if problems:
        raise SheetError(problems)
    return grid


# --- grids -> bank data ----------------------------------------------------------------------


@dataclass
class SheetBank:
    data: dict[str, Any]  # BankFileModel data, validated
    id_cells: dict[str, str]  # question id -> where it is ("row 5, column A")


class _Reader:
    def __init__(self, display: str, grid: Grid) -> None:
        self.display = display
        self.grid = grid
        self.problems: list[str] = []

    def at(self, row: int, index: int | None = None, key: str = "") -> str:
        sheet = f"sheet {self.grid.name} " if self.grid.name else ""
        if index is None:
            return f"{self.display}: {sheet}row {row}"
        named = f" ({key})" if key else ""
        return f"{self.display}: {sheet}row {row}, column {get_column_letter(index + 1)}{named}"

    def report(self, row: int, index: int | None, key: str, message: str) -> None:
        self.problems.append(f"{self.at(row, index, key)}: {message}")


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _header(reader: _Reader, known: dict[str, Column]) -> tuple[int, dict[int, Column]]:
    row, values = reader.grid.rows[0]
    columns: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        text = text_of(value)
        if not text:
            continue
        key = text.split()[-1]
        column = known.get(key)
        if column is None:
            hint = difflib.get_close_matches(key, list(known), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            reader.report(row, index, "", f"'{text}' is not a template column{suggestion}")
        elif key in seen:
            reader.report(row, index, key, f"repeats column {get_column_letter(seen[key] + 1)}")
        else:
            seen[key] = index
            columns[index] = column
    for column in known.values():
        if column.required and column.key not in seen:
            reader.problems.append(
                f"{reader.display}: missing column '{column.key}' ({column.header}): add it to "
                "the header row (see docs/import-template.xlsx)"
            )
    return row, columns


def questions_from(
    display: str, grid: Grid
) -> tuple[list[dict[str, Any]], dict[int, int], list[str]]:
    """Question data per row (not yet validated), each row's number, and the problems."""
    reader = _Reader(display, grid)
    if not grid.rows:
        return [], {}, [f"{display}: the questions sheet is empty"]
    known = {c.key: c for c in question_columns()}
    _, columns = _header(reader, known)
    if reader.problems:
        return [], {}, reader.problems
    result: list[dict[str, Any]] = []
    rows: dict[int, int] = {}
    for number, values in grid.rows[1:]:
        question = _question_row(reader, number, values, columns)
        if question is not None:
            rows[len(result)] = number
            result.append(question)
    return result, rows, reader.problems


def _question_row(
    reader: _Reader, number: int, values: list[CellValue], columns: dict[int, Column]
) -> dict[str, Any] | None:
    question: dict[str, Any] = {}
    options: dict[int, dict[str, Any]] = {}
    letters: list[tuple[int, Column, CellValue]] = []
    before = len(reader.problems)
    for index, value in enumerate(values):
        if not text_of(value):
            continue
        column = columns.get(index)
        if column is None:
            reader.report(number, index, "", "a value under an empty header")
            continue
        if column.kind is Kind.LETTERS:
            letters.append((index, column, value))
            continue
        try:
            parsed = parse_cell(column, value)
        except CellError as exc:
            reader.report(number, index, column.key, str(exc))
            continue
        if column.letter is not None:
            sub = column.key.split(".", 1)[1]
            options.setdefault(LETTERS.index(column.letter), {})[sub] = parsed
        else:
            _set(question, column.key, parsed)
    count = max(options, default=-1) + 1
    index_of = {c.key: ix for ix, c in columns.items()}
    if count == 0:
        reader.report(number, index_of["A.zh"], "A.zh", "no options: write them in A.zh, B.zh …")
    for i in range(count):
        if "zh" not in options.get(i, {}):
            key = f"{LETTERS[i]}.zh"
            reader.report(number, index_of.get(key), key, f"option {LETTERS[i]} has no text")
    question[OPTIONS] = [options.get(i, {}) for i in range(count)]
    has_key = False
    for index, column, value in letters:
        try:
            chosen = parse_letters(value, count)
        except CellError as exc:
            reader.report(number, index, column.key, str(exc))
            continue
        has_key = has_key or (column.key == "correct" and bool(chosen))
        for i in chosen:
            question[OPTIONS][i][column.key] = True
    if len(reader.problems) == before and not has_key:
        reader.report(
            number, index_of["correct"], "correct", "no correct answer: write its letter, e.g. B"
        )
    for name, info in QuestionModel.model_fields.items():  # texts the file must have
        if info.is_required() and name not in question and name not in ("id", OPTIONS):
            question[name] = {"zh": ""}
    return question


def bank_info_from(display: str, grid: Grid | None) -> tuple[dict[str, Any], list[str]]:
    """Bank data from the key/value sheet (empty without one)."""
    info: dict[str, Any] = {}
    if grid is None:
        return info, []
    reader = _Reader(display, grid)
    known = {c.key: c for c in bank_rows()}
    for number, values in grid.rows:
        key = text_of(values[0] if values else None).split()
        if not key or key[-1] in ("key", "项目"):
            continue
        column = known.get(key[-1])
        if column is None:
            hint = difflib.get_close_matches(key[-1], list(known), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            reader.report(number, 0, "", f"'{key[-1]}' is not a bank property{suggestion}")
            continue
        value = values[1] if len(values) > 1 else None
        if text_of(value):
            try:
                _set(info, column.key, parse_cell(column, value))
            except CellError as exc:
                reader.report(number, 1, column.key, str(exc))
    return info, reader.problems


def validation_problems(
    where: str, model: type[QuestionModel] | type[BankInfoModel], data: dict[str, Any]
) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [f"{where}: {_key(e['loc'])}: {e['msg']}" for e in exc.errors()]
    return []


def _key(loc: Sequence[int | str]) -> str:
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == OPTIONS and isinstance(parts[1], int):
        letter = LETTERS[parts[1]] if parts[1] < len(LETTERS) else str(parts[1])
        parts = [letter, *parts[2:]]
    return ".".join(str(p) for p in parts)


# --- bank -> workbook ------------------------------------------------------------------------


def _value(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def question_cells(columns: Sequence[Column], question: dict[str, Any]) -> list[CellValue]:
    options = question.get(OPTIONS) or []
    cells: list[CellValue] = []
    for column in columns:
        if column.kind is Kind.LETTERS:
            marked = [LETTERS[i] for i, o in enumerate(options) if o.get(column.key)]
            cells.append("".join(marked) or None)
        elif column.letter is not None:
            i = LETTERS.index(column.letter)
            sub = column.key.split(".", 1)[1]
            cells.append(cell_of(column, options[i].get(sub)) if i < len(options) else None)
        else:
            cells.append(cell_of(column, _value(question, column.key)))
    return cells


def bank_workbook(model: BankFileModel | None) -> bytes:
    """The bank as a workbook; ``None``: the empty import template."""
    most = max((len(q.options) for q in model.questions), default=0) if model else 0
    columns = question_columns(max(TEMPLATE_OPTIONS, most))
    rows = [
        question_cells(columns, plain(q.model_dump(by_alias=True)))
        for q in (model.questions if model else ())
    ]
    info = plain(model.bank.model_dump(by_alias=True)) if model else {}
    bank = [[c.header, cell_of(c, _value(info, c.key))] for c in bank_rows()]
    return workbook_bytes(
        [
            Sheet(QUESTIONS_SHEET, [c.header for c in columns], rows),
            Sheet(BANK_SHEET, ["项目 key", "值 value"], bank),
            Sheet(HELP_SHEET, ["列 column", "必填 required", "说明 meaning"], _help(columns)),
        ]
    )


def _help(columns: Sequence[Column]) -> list[list[CellValue]]:
    return [[c.header, "✓" if c.required else "", describe(c)] for c in columns]
