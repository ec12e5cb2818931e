"""Spreadsheets <-> YAML banks: the template follows the schema, every shipped bank survives
export then import, and bad files are refused with one line per problem and nothing written."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel

from bot.content.bankyaml import bank_text
from bot.content.columns import Kind, model_columns, question_columns
from bot.content.importer import export_workbook, find_bank, import_bank
from bot.content.loader import load_content
from bot.content.schema import BankFileModel, OptionModel, QuestionModel, TextModel
from bot.content.sheets import MAX_FILE_BYTES, SheetError, bank_workbook
from bot.content.yamlnodes import load_reference
from bot.domain.content import Catalog

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = ROOT / "quizzes"
SHIPPED = load_content([QUIZZES, ROOT / "content" / "lessons"])
HEADERS = [c.header for c in question_columns(4)]


def headers_of(data: bytes, sheet: int = 0) -> list[str]:
    ws = load_workbook(io.BytesIO(data)).worksheets[sheet]
    return [str(c.value) for c in ws[1] if c.value]


def keys(headers: list[str]) -> list[str]:
    return [h.split()[-1] for h in headers]


# --- the template ----------------------------------------------------------------------------


def test_template_has_a_column_for_every_schema_property_with_zh_and_en() -> None:
    properties = set(QuestionModel.model_json_schema()["properties"])
    columns = question_columns()
    assert {c.prop for c in columns} == properties
    texts = [
        name
        for name, info in QuestionModel.model_fields.items()
        if "TextModel" in str(info.annotation)
    ]
    assert texts
    found = {c.key for c in columns}
    for name in texts:
        assert {f"{name}.zh", f"{name}.en"} <= found
    assert {"A.zh", "A.en", "L.zh", "L.en", "correct"} <= found


def test_the_template_in_docs_matches_the_schema() -> None:
    shipped = (ROOT / "docs" / "import-template.xlsx").read_bytes()
    expected = bank_workbook(None)
    assert headers_of(shipped) == headers_of(expected), (
        "docs/import-template.xlsx is out of date: run "
        "`quizbot export --template --xlsx docs/import-template.xlsx --force`"
    )
    book = load_workbook(io.BytesIO(shipped))
    assert [ws.title for ws in book.worksheets] == ["题目 questions", "题库 bank", "说明 help"]


def test_a_property_added_to_the_schema_gets_its_column_without_code() -> None:
    """What another branch adds (a tempting flag on options, a verdict, a review date, a
    scene with a list of messages) becomes columns by the same rules."""

    class Option(OptionModel):
        tempting: bool = False

    class Message(BaseModel):
        text: str

    class Scene(BaseModel):
        kind: Literal["sms", "chat"]
        messages: list[Message]

    class Question(QuestionModel):
        options: list[Option]  # type: ignore[assignment]
        verdict: Literal["genuine", "scam"] | None = None
        reviewed: date | None = None
        group: str | None = None
        scene: Scene | None = None  # type: ignore[assignment]
        rationale: TextModel | None = None

    kinds = {c.key: c.kind for c in model_columns(Question)}
    assert kinds["tempting"] is Kind.LETTERS
    assert kinds["verdict"] is Kind.TEXT
    assert kinds["reviewed"] is Kind.DATE
    assert kinds["scene.kind"] is Kind.TEXT
    assert kinds["scene.messages"] is Kind.YAML
    assert {"rationale.zh", "rationale.en", "group"} <= set(kinds)


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("bank_id", sorted(SHIPPED.catalog.banks))
def test_export_then_import_gives_back_every_shipped_bank(bank_id: str, tmp_path: Path) -> None:
    original = find_bank([QUIZZES], bank_id)
    workbook = tmp_path / f"{bank_id}.xlsx"
    export_workbook(workbook, original, force=False)
    imported = import_bank(
        workbook, catalog=SHIPPED.catalog, protected=[QUIZZES], cwd=tmp_path / "out"
    )
    assert imported.path == tmp_path / "out" / f"{bank_id}.yaml"
    back = BankFileModel.model_validate(load_reference(imported.path.read_text("utf-8"))[1])
    assert back == original
    context = [QUIZZES, ROOT / "content" / "lessons"]
    check = load_content([imported.path], context=context)
    alone = load_content([QUIZZES / f"{bank_id}.yaml"], context=context)

    def said(result: Any) -> list[tuple[str, str]]:  # what was said, wherever it points
        return sorted((p.severity.value, p.message) for p in result.problems)

    assert said(check) == said(alone)
    assert not check.errors
    assert check.catalog.banks[bank_id] == SHIPPED.catalog.banks[bank_id]


# --- a sheet written by hand ----------------------------------------------------------------

ROWS: list[list[Any]] = [
    ["hx-001", "单选", 2, "冒充客服、退款", "客服来电要你开屏幕共享，你该怎么做？", "照做",
     "挂断后自己拨官方电话核实", "先共享一下看看", "B", "屏幕共享会泄露验证码。",
     "公安部反诈提示"],
    [None, "多选", None, None, "哪些做法能防诈骗？（多选）", "核实身份", "转账到安全账户",
     "不点陌生链接", "a，c", "核实和不点链接都对。", "公安部反诈提示"],
]  # fmt: skip
HAND = ["id", "type", "difficulty", "tags", "text.zh", "A.zh", "B.zh", "C.zh", "correct",
        "explanation.zh", "source.zh"]  # fmt: skip


def workbook(
    path: Path,
    rows: list[list[Any]],
    headers: list[str] = HAND,
    bank: dict[str, str] | None = None,
) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "题目 questions"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if bank:
        info = book.create_sheet("题库 bank")
        for key, value in bank.items():
            info.append([key, value])
    book.save(path)
    return path


def test_a_hand_made_sheet_becomes_a_bank(tmp_path: Path) -> None:
    source = workbook(
        tmp_path / "我的题库.xlsx",
        ROWS,
        bank={"id": "hx", "topic": "telecom_fraud", "title.zh": "手写"},
    )
    imported = import_bank(source, catalog=SHIPPED.catalog, protected=[QUIZZES], cwd=tmp_path)
    assert imported.path == tmp_path / "hx.yaml"
    data = load_reference(imported.path.read_text("utf-8"))[1]
    first, second = data["questions"]
    assert (first["type"], first["difficulty"], first["tags"]) == (
        "single",
        2,
        ["冒充客服", "退款"],
    )
    assert [o.get("correct", False) for o in first["options"]] == [False, True, False]
    assert second["id"] == "hx-002"  # a blank id gets the next free one
    assert second["type"] == "multiple"
    assert [o.get("correct", False) for o in second["options"]] == [True, False, True]
    assert data["bank"]["description"] == {"zh": ""}
    problems = [str(p) for p in load_content([imported.path]).problems]
    assert any("description: the Chinese text is empty" in p for p in problems)
    assert any("no English translation" in p for p in problems)


def test_dates_typed_as_dates_and_numbers_as_numbers(tmp_path: Path) -> None:
    headers = [*HAND, "A.en"]
    rows = [[*ROWS[0], 110]]
    rows[0][0] = datetime(2026, 3, 15)  # noqa: DTZ001 - Excel turned an id into a date
    source = workbook(tmp_path / "b.xlsx", rows, headers, {"id": "b1", "topic": "t"})
    imported = import_bank(source, catalog=Catalog(), protected=[], cwd=tmp_path)
    data = load_reference(imported.path.read_text("utf-8"))[1]
    assert data["questions"][0]["options"][0]["en"] == "110"
    assert data["questions"][0]["id"] == "2026-03-15"


# --- bad input: one line each, nothing written ----------------------------------------------


def refused(source: Path, out: Path, catalog: Catalog = SHIPPED.catalog) -> list[str]:
    out.mkdir(exist_ok=True)
    with pytest.raises(SheetError) as caught:
        import_bank(source, catalog=catalog, protected=[QUIZZES], cwd=out)
    assert list(out.iterdir()) == [], "nothing is written"
    return caught.value.problems


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    headers = [h for h in HAND if h not in ("source.zh", "correct")] + ["explaination.en"]
    problems = refused(workbook(tmp_path / "x.xlsx", [], headers), tmp_path / "out")
    assert any("missing column 'source.zh'" in p for p in problems)
    assert any("missing column 'correct'" in p for p in problems)
    assert any(
        "row 1, column J: 'explaination.en' is not a template column (did you mean "
        "'explanation.en'?)" in p
        for p in problems
    )


def test_merged_cells_and_formulas(tmp_path: Path) -> None:
    source = tmp_path / "x.xlsx"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(HAND)
    ws.append(ROWS[0])
    ws.append(ROWS[1])
    ws["C2"] = "=1+1"
    ws.merge_cells("E3:F3")
    book.save(source)
    problems = refused(source, tmp_path / "out")
    assert any("row 3, column E: merged cells (E3:F3)" in p for p in problems)
    assert any("row 2, column C: a formula" in p and "paste" in p for p in problems)
    assert len(problems) == 2


def test_a_wrong_letter_in_the_correct_column(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:8], "D", *ROWS[0][9:]]]
    problems = refused(workbook(tmp_path / "x.xlsx", rows, bank={"id": "x"}), tmp_path / "out")
    assert problems == [
        f"{tmp_path / 'x.xlsx'}: sheet 题目 questions row 2, column I (correct): "
        "'D' is not an option letter: this question has options A–C"
    ]


def test_a_question_id_of_another_bank(tmp_path: Path) -> None:
    rows = [["tf-001", *ROWS[0][1:]]]
    problems = refused(workbook(tmp_path / "x.xlsx", rows, bank={"id": "mine"}), tmp_path / "out")
    assert problems == [
        f"{tmp_path / 'x.xlsx'}: sheet 题目 questions row 2 (id): question id 'tf-001' is "
        "already used by bank 'telecom_fraud'; give this question a new id"
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.xlsx", b"just text", "not an .xlsx spreadsheet"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + bytes(100), "old .xls workbook"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0" + bytes(100), "old .xls workbook"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\0\0\0", "not a spreadsheet"),
        ("broken.xlsx", b"PK\x03\x04" + bytes(100), "not an .xlsx spreadsheet"),
    ],
)
def test_files_that_are_not_spreadsheets(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    (problem,) = refused(source, tmp_path / "out")
    assert expected in problem


@pytest.mark.parametrize(
    ("padding", "expected"),
    [
        ("", "declares XML entities"),
        # Past the first 4 KiB our own scan reads: defusedxml, under openpyxl, refuses it.
        ("<!--" + "x" * 5000 + "-->", "contains XML entity declarations"),
    ],
)
def test_an_xml_bomb_is_not_read(tmp_path: Path, padding: str, expected: str) -> None:
    plain = workbook(tmp_path / "plain.xlsx", ROWS, bank={"id": "x"})
    bomb = tmp_path / "bomb.xlsx"
    entities = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().removeprefix('<?xml version="1.0" encoding="utf-8"?>')
                data = ('<?xml version="1.0"?>' + padding + entities + text).encode()
            out.writestr(item, data)
    (problem,) = refused(bomb, tmp_path / "out")
    assert expected in problem


def test_an_oversized_file_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"id,text.zh\n" + b"x" * MAX_FILE_BYTES)
    (problem,) = refused(big, tmp_path / "out")
    assert "the limit is 5 MB" in problem


def test_a_zip_bomb_is_not_unpacked(tmp_path: Path) -> None:
    bomb = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 2**20))
    assert bomb.stat().st_size < MAX_FILE_BYTES
    (problem,) = refused(bomb, tmp_path / "out")
    assert "unpacks to 63 MB; the limit is 50 MB" in problem


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_from_excel_or_wps(tmp_path: Path, encoding: str) -> None:
    lines = [",".join(HAND), ",".join(str(v) for v in ROWS[0]).replace("None", "")]
    source = tmp_path / "题库.csv"
    source.write_bytes("\r\n".join(lines).encode(encoding))
    imported = import_bank(
        source, catalog=SHIPPED.catalog, protected=[QUIZZES], cwd=tmp_path, bank_id="csvbank"
    )
    data = load_reference(imported.path.read_text("utf-8"))[1]
    assert data["bank"]["id"] == "csvbank"
    assert data["questions"][0]["text"]["zh"].startswith("客服来电")
    assert imported.source_format == "csv"


def test_csv_formula_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "f.csv"
    row = ",".join(str(v) for v in ROWS[0]).replace(",2,", ",=1+1,")
    source.write_text(",".join(HAND) + "\n" + row, encoding="utf-8")
    (problem,) = refused(source, tmp_path / "out")
    assert "row 2, column C: a formula (=1+1)" in problem


# --- where the file goes ----------------------------------------------------------------------


def test_never_into_quizzes_and_never_over_a_file_without_force(tmp_path: Path) -> None:
    source = workbook(tmp_path / "x.xlsx", ROWS, bank={"id": "x"})
    with pytest.raises(SheetError, match="will not write into"):
        import_bank(
            source, catalog=Catalog(), protected=[QUIZZES], output=QUIZZES / "x.yaml", force=True
        )
    assert not (QUIZZES / "x.yaml").exists()
    existing = tmp_path / "x.yaml"
    existing.write_text("keep me", encoding="utf-8")
    with pytest.raises(SheetError, match="the file exists"):
        import_bank(source, catalog=Catalog(), protected=[QUIZZES], cwd=tmp_path)
    assert existing.read_text(encoding="utf-8") == "keep me"
    import_bank(source, catalog=Catalog(), protected=[QUIZZES], cwd=tmp_path, force=True)
    assert existing.read_text(encoding="utf-8").startswith("# Imported from x.xlsx")


def test_yaml_output_quotes_what_yaml_would_misread() -> None:
    model = find_bank([QUIZZES], "telecom_fraud")
    question = model.questions[0].model_copy(
        update={"tags": ["110", "true", "yes", "1e3", "0o17", "null"]}
    )
    text = bank_text(model.model_copy(update={"questions": [question]}))
    (line,) = [line for line in text.splitlines() if "tags:" in line]
    for tag in question.tags:
        assert f'"{tag}"' in line or f"'{tag}'" in line, line
    back = BankFileModel.model_validate(load_reference(text)[1])
    assert back.questions[0].tags == ["110", "true", "yes", "1e3", "0o17", "null"]
