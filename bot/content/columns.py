"""The spreadsheet columns of a question bank, derived from the pydantic models in ``schema``.

Every property of ``QuestionModel`` gets a column, so a property added to the schema gets one
without a change here: a text (``TextModel``) becomes ``<name>.zh`` and ``<name>.en``; a
number, date, flag or word list one column; the options become ``A.zh``, ``A.en``, ``B.zh`` …
with one column of letters per true/false option property (``correct``: ``B`` or ``AC``);
anything else one column holding YAML. Bank properties are key/value rows of their own sheet.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, Union

from pydantic import BaseModel

from bot.content.bankyaml import dump_value
from bot.content.schema import BankInfoModel, OptionModel, QuestionModel
from bot.content.yamlnodes import YamlError, load_reference
from bot.domain import limits

LETTERS = "ABCDEFGHIJKL"[: limits.POLL_OPTIONS_MAX]
_LETTER_SET = frozenset(LETTERS)
OPTIONS = "options"
TEMPLATE_OPTIONS = 6  # option columns in the empty template (more can be added up to L)

# Chinese names for the header row; a property without one is shown by its key alone.
LABELS = {
    "id": "题号",
    "type": "题型",
    "difficulty": "难度",
    "tags": "标签",
    "scenario": "情景",
    "text": "题干",
    "explanation": "解析",
    "detail": "详解",
    "source": "来源",
    "reviewed": "核对日期",
    "expires": "到期日期",
    "correct": "正确答案",
    "tempting": "似是而非的选项",
    "verdict": "真假",
    "group": "同组",
    "topic": "主题",
    "title": "标题",
    "description": "简介",
    "questions_per_quiz": "每次题数",
    "order": "菜单顺序",
    "draw_from": "抽题题库",
    "review_every_days": "核对周期（天）",
    "zh": "中文",
    "en": "英文",
}
TYPE_ALIASES = {"单选": "single", "多选": "multiple", "判断": "true_false"}


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    LIST = "list"  # several words in one cell
    LETTERS = "letters"  # option letters: which options have a true/false property set
    YAML = "yaml"  # a structure with no flat form


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # "text.zh", "A.en", "correct", "tags"
    prop: str  # the model property it fills ("text", "options")
    kind: Kind
    required: bool = False  # a header every sheet must have

    @property
    def header(self) -> str:
        parts = self.key.split(".")
        names = [
            f"选项{part}" if i == 0 and part in _LETTER_SET else LABELS.get(part, "")
            for i, part in enumerate(parts)
        ]
        if not all(names):
            return self.key
        label = names[0] + (f"（{names[1]}）" if len(names) > 1 else "")
        return f"{label} {self.key}"

    @property
    def letter(self) -> str | None:
        """The option letter of an option column (``A`` of ``A.zh``)."""
        head = self.key.split(".")[0]
        return head if self.prop == OPTIONS and head in _LETTER_SET else None


def _unwrap(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def kind_of(annotation: Any) -> Kind:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is Literal:
        values = typing.get_args(annotation)
        return Kind.INT if all(isinstance(v, int) for v in values) else Kind.TEXT
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return Kind.LIST if kind_of(item) in (Kind.TEXT, Kind.INT) else Kind.YAML
    simple = {str: Kind.TEXT, bool: Kind.BOOL, int: Kind.INT, float: Kind.FLOAT}
    if annotation in simple:
        return simple[annotation]
    if isinstance(annotation, type) and issubclass(annotation, date):
        return Kind.DATE
    return Kind.YAML


def list_item(annotation: Any) -> Any:
    """The item type of ``list[X]`` (or None)."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is list:
        return _unwrap(typing.get_args(annotation)[0])
    return None


def model_columns(model: type[BaseModel]) -> list[Column]:
    """The columns of any model: nested models flattened, ``options`` lettered."""
    return list(_flatten(model, "", "", True))


def _flatten(model: type[BaseModel], prefix: str, prop: str, required: bool) -> Iterator[Column]:
    for name, info in model.model_fields.items():
        key = f"{prefix}.{name}" if prefix else name
        inner = _unwrap(info.annotation)
        needed = required and info.is_required()
        item = list_item(info.annotation)
        if _is_model(inner):
            yield from _flatten(inner, key, prop or name, needed)
        elif prop == "" and name == OPTIONS and _is_model(item):
            yield from option_columns(len(LETTERS), item)
        else:
            yield Column(key, prop or name, kind_of(info.annotation), needed)


def option_columns(count: int, model: type[BaseModel] = OptionModel) -> Iterator[Column]:
    """``A.zh``, ``A.en`` … for ``count`` options, then one letters column per flag."""
    flags = []
    for letter_index, letter in enumerate(LETTERS[:count]):
        for name, info in model.model_fields.items():
            kind = kind_of(info.annotation)
            if kind is Kind.BOOL:
                if letter_index == 0:
                    flags.append(Column(name, OPTIONS, Kind.LETTERS, name == "correct"))
                continue
            needed = letter_index < 2 and info.is_required()
            yield Column(f"{letter}.{name}", OPTIONS, kind, needed)
    yield from flags


def question_columns(options: int = len(LETTERS)) -> list[Column]:
    """Every question column, in the schema's order, with ``options`` option columns."""
    columns = model_columns(QuestionModel)
    return [c for c in columns if c.letter is None or LETTERS.index(c.letter) < options]


def bank_rows() -> list[Column]:
    """The bank sheet's keys (``id``, ``title.zh`` …), in the schema's order."""
    return model_columns(BankInfoModel)


def option_flags() -> list[str]:
    """Option properties written as letters (``correct``, and any flag added later)."""
    return [c.key for c in option_columns(1) if c.kind is Kind.LETTERS]


# --- one cell <-> one value ------------------------------------------------------------------

CellValue = str | int | float | bool | date | datetime | None
_SEPARATORS = ",，、;；\n"
_TRUE = {"true", "yes", "y", "1", "是", "对", "✓", "√"}
_FALSE = {"false", "no", "n", "0", "否", "错", "×"}


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message says what to write."""


def text_of(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # bot.spreadsheet writes text that starts like a formula behind an apostrophe.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]
    return text.strip()


def parse_letters(value: CellValue, count: int) -> frozenset[int]:
    """``B``, ``AC``, ``A,C``, ``a、c``, full-width ``Ｂ``: option indices (must exist)."""
    text = text_of(value).upper()
    found: set[int] = set()
    for ch in text:
        if ch in _SEPARATORS or ch.isspace():
            continue
        letter = chr(ord(ch) - 0xFEE0) if "Ａ" <= ch <= "Ｚ" else ch
        if letter not in LETTERS[:count]:
            last = LETTERS[count - 1] if count else "A"
            raise CellError(f"'{ch}' is not an option letter: this question has options A–{last}")
        found.add(LETTERS.index(letter))
    return frozenset(found)


def parse_cell(column: Column, value: CellValue) -> Any:
    """The YAML value for a non-empty cell; raises CellError."""
    text = text_of(value)
    if column.kind is Kind.TEXT:
        return TYPE_ALIASES.get(text, text) if column.key == "type" else text
    if column.kind is Kind.INT:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if float(value).is_integer():
                return int(value)
        elif text.lstrip("-").isdigit():
            return int(text)
        raise CellError(f"must be a whole number, not '{text}'")
    if column.kind is Kind.FLOAT:
        try:
            return float(text)
        except ValueError:
            raise CellError(f"must be a number, not '{text}'") from None
    if column.kind is Kind.BOOL:
        if text.lower() in _TRUE or text.lower() in _FALSE:
            return text.lower() in _TRUE
        raise CellError(f"must be TRUE or FALSE, not '{text}'")
    if column.kind is Kind.DATE:
        return text  # written YYYY-MM-DD; a date cell is read as one
    if column.kind is Kind.LIST:
        for sep in _SEPARATORS[1:]:
            text = text.replace(sep, ",")
        return [part.strip() for part in text.split(",") if part.strip()]
    return _yaml_cell(text)


def _yaml_cell(text: str) -> Any:
    try:
        return load_reference(text)[1]
    except YamlError as exc:
        raise CellError(f"cannot read this cell as YAML: {exc.message}") from None


def cell_of(column: Column, value: Any) -> CellValue:
    """The cell for a value of the model (``plain(model_dump())``)."""
    if value is None:
        return None
    if column.kind is Kind.LIST:
        return "、".join(str(v) for v in value) or None
    if column.kind is Kind.YAML:
        return dump_value(value)
    if isinstance(value, bool | int | float):
        return value
    return str(value)


_HINTS = {
    Kind.LIST: "several values separated by 、 or a comma",
    Kind.DATE: "a date, YYYY-MM-DD",
    Kind.BOOL: "TRUE or FALSE",
    Kind.INT: "a whole number",
    Kind.YAML: "written as YAML",
}


def describe(column: Column) -> str:
    """One line for the template's help sheet, from the schema's own descriptions."""
    if column.kind is Kind.LETTERS:
        return f"letters of the options that are '{column.key}' (B, or AC for several)"
    lang = {"zh": "Chinese", "en": "English"}
    if column.letter is not None:
        sub = column.key.split(".", 1)[1]
        return f"option {column.letter}: {lang.get(sub, sub)}"
    info = QuestionModel.model_fields[column.prop]
    parts = [info.description or ""]
    if "." in column.key:
        sub = column.key.split(".", 1)[1]
        parts.append(lang.get(sub, sub))
    if column.key == "type":
        parts.append("single / multiple / true_false (or 单选 / 多选 / 判断)")
    if column.kind in _HINTS:
        parts.append(_HINTS[column.kind])
    return "; ".join(p for p in parts if p)
