"""quizbot report / import / export, run as an editor runs them: output, files, exit codes."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.content.loader import load_content
from bot.preview import demo
from bot.storage.db import connect
from tests.test_cli import quizbot

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def env(tmp_path: Path, database: Path | None = None) -> dict[str, str]:
    return {
        "QUIZZES_DIR": str(ROOT / "quizzes"),
        "CONTENT_DIR": str(ROOT / "content"),
        "DATABASE_PATH": str(database or tmp_path / "data" / "quizbot.sqlite3"),
    }


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The preview's demo data over the shipped content; and the question with a bad key."""
    path = tmp_path_factory.mktemp("demo") / "preview.sqlite3"

    async def migrate() -> None:
        conn = await connect(path)
        await conn.close()

    import asyncio

    asyncio.run(migrate())
    catalog = load_content([ROOT / "quizzes", ROOT / "content" / "lessons"]).catalog
    assert demo.fill(path, catalog, NOW, rng=random.Random(7)) is True
    assert demo.fill(path, catalog, NOW, rng=random.Random(7)) is False  # only once
    seeded = demo.demo_seed(catalog, random.Random(7), NOW)
    suspicious = next(f.question_id for f in seeded.feedback if f.reason == "wrong_answer")
    return path, suspicious


def test_report_questions_shows_the_suspicious_key(
    tmp_path: Path, demo_database: tuple[Path, str]
) -> None:
    database, suspicious = demo_database
    bank = load_content([ROOT / "quizzes"]).catalog.questions[suspicious].bank_id
    run = quizbot("report", "questions", "--bank", bank, cwd=tmp_path, env=env(tmp_path, database))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"== {bank} · ")
    (row,) = [line for line in lines if line.startswith(suspicious + " ")]
    assert "核对答案 check the key" in row
    assert " 3 " in row  # three reports of a wrong answer
    assert "Reading the numbers" in lines[-1]


def test_report_questions_as_a_workbook(tmp_path: Path, demo_database: tuple[Path, str]) -> None:
    database, suspicious = demo_database
    out = tmp_path / "questions.xlsx"
    run = quizbot(
        "report", "questions", "--xlsx", str(out), cwd=tmp_path, env=env(tmp_path, database)
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote {out}"
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames == ["题目 Questions", "选项 Options", "纠错 Feedback"]
    rows = {r[1]: r for r in book["题目 Questions"].iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(load_content([ROOT / "quizzes"]).catalog.questions)
    assert "check the key" in str(rows[suspicious][11])
    feedback = list(book["纠错 Feedback"].iter_rows(min_row=2, values_only=True))
    assert sum(1 for r in feedback if r[0] == suspicious) == 3


def test_report_feedback(tmp_path: Path, demo_database: tuple[Path, str]) -> None:
    database, suspicious = demo_database
    run = quizbot("report", "feedback", cwd=tmp_path, env=env(tmp_path, database))
    assert run.returncode == 0, run.stderr
    assert any(
        line.startswith(f"{suspicious} · 3 · 答案有误 wrong answer ×3")
        for line in run.stdout.splitlines()
    )


def test_report_needs_a_database_and_a_known_bank(
    tmp_path: Path, demo_database: tuple[Path, str]
) -> None:
    run = quizbot("report", "questions", cwd=tmp_path, env=env(tmp_path))
    assert run.returncode == 1
    assert "no database at" in run.stderr
    database, _ = demo_database
    unknown = quizbot(
        "report", "questions", "--bank", "nope", cwd=tmp_path, env=env(tmp_path, database)
    )
    assert unknown.returncode == 1
    assert "no bank 'nope' (known: card_skimming," in unknown.stderr


def test_export_then_import_on_the_command_line(tmp_path: Path) -> None:
    book = tmp_path / "card_skimming.xlsx"
    run = quizbot("export", "card_skimming", "--xlsx", str(book), cwd=tmp_path, env=env(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote {book} (bank card_skimming)"
    again = quizbot(
        "export", "card_skimming", "--xlsx", str(book), cwd=tmp_path, env=env(tmp_path)
    )
    assert again.returncode == 1
    assert "the file exists" in again.stderr
    imported = quizbot("import", str(book), cwd=tmp_path, env=env(tmp_path))
    assert imported.returncode == 0, imported.stderr
    lines = imported.stdout.strip().splitlines()
    count = len(load_content([ROOT / "quizzes"]).catalog.banks["card_skimming"].questions)
    assert lines[0] == (
        f"wrote {tmp_path / 'card_skimming.yaml'} (bank card_skimming, {count} questions)"
    )
    assert any(line.startswith("1 file checked: 0 errors") for line in lines)
    into_quizzes = quizbot(
        "import", str(book), "-o", str(ROOT / "quizzes" / "copy.yaml"), "--force",
        cwd=tmp_path, env=env(tmp_path),
    )  # fmt: skip
    assert into_quizzes.returncode == 1
    assert "will not write into" in into_quizzes.stderr
    assert into_quizzes.stderr.strip().endswith("quizbot import: nothing written")
    assert not (ROOT / "quizzes" / "copy.yaml").exists()


def test_import_lists_what_a_text_file_lacks(tmp_path: Path) -> None:
    source = tmp_path / "问卷.txt"
    source.write_text(
        "1. 陌生来电让你转账到安全账户？\nA. 转\nB. 挂断并拨打110\n答案：B\n", "utf-8"
    )
    run = quizbot("import", str(source), "--bank", "wjx", cwd=tmp_path, env=env(tmp_path))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith(f"wrote {tmp_path / 'wjx.yaml'} (bank wjx, 1 questions)")
    assert "source: the Chinese text is empty" in out
    assert "no English translation" in out
    assert "Fill in what is listed" in out


def test_template_export(tmp_path: Path) -> None:
    target = tmp_path / "template.xlsx"
    run = quizbot("export", "--template", "--xlsx", str(target), cwd=tmp_path, env=env(tmp_path))
    assert run.returncode == 0, run.stderr
    ws = load_workbook(target)["题目 questions"]
    assert [c.value for c in ws[1]][:2] == ["题号 id", "题型 type"]
    both = quizbot("export", "telecom_fraud", "--template", "--xlsx", str(target), cwd=tmp_path)
    assert both.returncode == 1
