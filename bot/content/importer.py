"""``quizbot import`` and ``quizbot export``: spreadsheets and text files <-> YAML banks.

An import reads the whole file, checks it, and writes one new YAML bank only when there is no
problem; it never writes into the bot's own content folders, nor over a file without
``force``. What the format cannot carry (sources, English, a bank description) is left empty
for the validator to list. Export writes the bank's own YAML data, so export then import gives
back the same bank.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.content.bankyaml import bank_text
from bot.content.loader import find_files
from bot.content.schema import BankFileModel, BankInfoModel, QuestionModel
from bot.content.sheets import (
    MAX_FILE_BYTES,
    SheetError,
    bank_info_from,
    bank_workbook,
    check_size,
    questions_from,
    read_csv,
    read_xlsx,
    validation_problems,
)
from bot.content.textformats import parse_text
from bot.content.yamlnodes import YamlError, load_reference
from bot.domain.content import Catalog

SHEET_SUFFIXES = (".xlsx", ".xlsm")
ID_LIMIT = 40


@dataclass(frozen=True, slots=True)
class Imported:
    path: Path
    bank_id: str
    questions: int
    source_format: str  # xlsx | csv | text


def slug(name: str) -> str:
    """A bank id from a file name: ``反诈题库 2026.xlsx`` -> ``2026``; nothing usable: imported."""
    text = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_-")
    return text[:ID_LIMIT] or "imported"


def import_bank(
    source: Path,
    *,
    catalog: Catalog,
    protected: Sequence[Path],
    output: Path | None = None,
    force: bool = False,
    bank_id: str | None = None,
    cwd: Path | None = None,
) -> Imported:
    """Read ``source``, check it, write ``<bank-id>.yaml``; raises SheetError, writes nothing."""
    if not source.is_file():
        raise SheetError([f"{source}: no such file"])
    display = str(source)
    questions, where, info, fmt = _read(source, display)
    info = dict(info)
    if bank_id is not None:
        info["id"] = bank_id
    info.setdefault("id", slug(source.stem))
    info.setdefault("topic", info["id"])
    info.setdefault("title", {"zh": source.stem[:64]})
    info.setdefault("description", {"zh": ""})
    problems = validation_problems(f"{display}: bank", BankInfoModel, info)
    if not questions and not info.get("draw_from"):
        problems.append(f"{display}: no questions below the header row")
    if problems:
        raise SheetError(problems)
    problems = _check_ids(questions, where, info["id"], catalog)
    for question, place in zip(questions, where, strict=True):
        problems += validation_problems(place, QuestionModel, question)
    if problems:
        raise SheetError(problems)
    model = BankFileModel.model_validate({"format": 1, "bank": info, "questions": questions})
    target = output or (cwd or Path.cwd()) / f"{model.bank.id}.yaml"
    _check_target(target, protected, force)
    header = (
        f"Imported from {source.name} by `quizbot import`. Review every question against its\n"
        "source before moving this file into quizzes/ (docs/content-guide.md)."
    )
    _write_atomically(target, bank_text(model, header))
    return Imported(target, model.bank.id, len(model.questions), fmt)


def _read(
    source: Path, display: str
) -> tuple[list[dict[str, Any]], list[str], dict[str, Any], str]:
    """Questions, where each is (for messages), bank info, and the format's name."""
    suffix = source.suffix.lower()
    if suffix == ".xls":
        raise SheetError([f"{display}: this is an old .xls workbook: save it as .xlsx"])
    if suffix in SHEET_SUFFIXES or suffix == ".csv":
        if suffix == ".csv":
            grid, bank_grid, fmt = read_csv(source), None, "csv"
        else:
            (grid, bank_grid), fmt = read_xlsx(source), "xlsx"
        questions, rows, problems = questions_from(display, grid)
        info, bank_problems = bank_info_from(display, bank_grid)
        if problems or bank_problems:
            raise SheetError(problems + bank_problems)
        sheet = f"sheet {grid.name} " if grid.name else ""
        where = [f"{display}: {sheet}row {rows[i]}" for i in range(len(questions))]
        return questions, where, info, fmt
    check_size(source)
    raw = source.read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise SheetError([f"{display}: a zip or spreadsheet file: name it .xlsx to import it"])
    if b"\0" in raw[:4096]:
        raise SheetError(
            [f"{display}: not a spreadsheet (.xlsx, .csv) nor a text file (.txt) of questions"]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    parsed = parse_text(text, display)
    if parsed.problems:
        raise SheetError(parsed.problems)
    if not parsed.questions:
        raise SheetError([f"{display}: no questions found (see docs/content-guide.md, section 7)"])
    return parsed.questions, [f"{display}:{n}" for n in parsed.lines], {}, "text"


def _check_ids(
    questions: list[dict[str, Any]], where: list[str], bank_id: str, catalog: Catalog
) -> list[str]:
    problems = []
    first: dict[str, str] = {}
    for question, place in zip(questions, where, strict=True):
        qid = question.get("id")
        if not qid:
            continue
        owner = catalog.questions.get(qid)
        if owner is not None and owner.bank_id != bank_id:
            problems.append(
                f"{place} (id): question id '{qid}' is already used by bank '{owner.bank_id}'; "
                "give this question a new id"
            )
        elif qid in first:
            problems.append(f"{place} (id): question id '{qid}' repeats {first[qid]}")
        first.setdefault(qid, place)
    prefix = bank_id[: ID_LIMIT - 4]
    used = set(first) | set(catalog.questions)
    number = 0
    for question in questions:
        if not question.get("id"):
            number += 1
            while f"{prefix}-{number:03d}" in used:
                number += 1
            question["id"] = f"{prefix}-{number:03d}"
            used.add(question["id"])
    for index, question in enumerate(questions):  # id first, as editors write it
        questions[index] = {"id": question.pop("id"), **question}
    return problems


def _check_target(target: Path, protected: Sequence[Path], force: bool) -> None:
    resolved = target.resolve()
    for folder in protected:
        if resolved.is_relative_to(folder.resolve()):
            raise SheetError(
                [f"{target}: will not write into {folder}/: write it elsewhere (-o), review it, "
                 "then move it in"]
            )  # fmt: skip
    if target.exists() and not force:
        raise SheetError([f"{target}: the file exists; choose another name (-o) or use --force"])


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- export ----------------------------------------------------------------------------------


def find_bank(folders: Sequence[Path], bank_id: str) -> BankFileModel:
    """The bank file model of ``bank_id`` in ``folders``; raises SheetError."""
    files, _ = find_files(folders)
    for path in files:
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        try:
            _, data = load_reference(path.read_text(encoding="utf-8-sig"))
        except (YamlError, UnicodeDecodeError):
            continue
        bank = data.get("bank") if isinstance(data, dict) else None
        if not isinstance(bank, dict) or bank.get("id") != bank_id:
            continue
        try:
            return BankFileModel.model_validate(data)
        except ValidationError:
            raise SheetError(
                [f"{path}: the bank has errors; run `quizbot validate {path}` first"]
            ) from None
    raise SheetError([f"no bank '{bank_id}' in {', '.join(str(f) for f in folders)}"])


def export_workbook(target: Path, model: BankFileModel | None, *, force: bool) -> None:
    """Write the bank (or, with ``None``, the empty template) as .xlsx."""
    if target.exists() and not force:
        raise SheetError([f"{target}: the file exists; choose another name or use --force"])
    data = bank_workbook(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
