"""The quizbot command, run as a person runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.content.test_loader import BANK

ROOT = Path(__file__).resolve().parent.parent


def quizbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_validate_shipped_content_is_clean() -> None:
    run = quizbot("validate", "--strict", cwd=ROOT)
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip().splitlines()[-1].endswith(": 0 errors, 0 warnings")


def test_documented_examples_are_clean() -> None:
    run = quizbot("validate", "--today", "2026-12-01", "docs/examples", cwd=ROOT)
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip().splitlines() == ["2 files checked: 0 errors, 0 warnings"]


def test_validate_reports_like_a_compiler_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "demo.yaml"
    bad.write_text(BANK.replace("    type: single", "    typ: single"), encoding="utf-8")
    run = quizbot("validate", str(bad), cwd=tmp_path)
    assert run.returncode == 1
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith(f"{bad}:13:5: error: unknown key 'typ'")
    assert lines[-1] == "1 file checked: 1 error, 0 warnings"
    assert run.stderr == ""


def test_validate_warnings_alone_exit_0(tmp_path: Path) -> None:
    bank = tmp_path / "demo.yaml"
    text = BANK.replace("    en: Demo\n", "").replace(
        "- id: q1\n", "- id: q1\n    reviewed: 2026-11-27\n"
    )
    bank.write_text(text, encoding="utf-8")
    run = quizbot("validate", "--today", "2026-12-01", str(bank), cwd=tmp_path)
    assert run.returncode == 0
    assert "warning: title: no English translation" in run.stdout
    assert run.stdout.strip().endswith("1 file checked: 0 errors, 1 warning")


def test_validate_default_folders_come_from_config(tmp_path: Path) -> None:
    (tmp_path / "qs").mkdir()
    (tmp_path / "qs" / "demo.yaml").write_text(BANK, encoding="utf-8")
    run = quizbot("validate", cwd=tmp_path, env={"QUIZZES_DIR": "qs", "CONTENT_DIR": "none"})
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "quizbot: configuration error: CONTENT_DIR='none' does not exist: point it at the "
        "folder with lessons/ and templates/ (the default is content)"
    )
    (tmp_path / "c" / "templates").mkdir(parents=True)  # a bot without lessons is fine
    run = quizbot("validate", cwd=tmp_path, env={"QUIZZES_DIR": "qs", "CONTENT_DIR": "c"})
    assert run.stdout.strip().splitlines()[-1].startswith("1 file checked: 0 errors")


def test_schema_is_json_schema_of_a_bank_file(tmp_path: Path) -> None:
    run = quizbot("schema", cwd=tmp_path)
    assert run.returncode == 0
    schema = json.loads(run.stdout)
    assert schema["title"] == "Quiz bank file (format 1)"
    assert set(schema["properties"]) == {"format", "bank", "questions"}
    lessons = json.loads(quizbot("schema", "--lessons", cwd=tmp_path).stdout)
    assert "lessons" in lessons["properties"]


def test_committed_schema_files_are_current(tmp_path: Path) -> None:
    for args, name in (((), "bank.schema.json"), (("--lessons",), "lesson.schema.json")):
        run = quizbot("schema", *args, cwd=tmp_path)
        assert (ROOT / "schema" / name).read_text(encoding="utf-8") == run.stdout, (
            f"schema/{name} is stale: run `quizbot schema {' '.join(args)} > schema/{name}`"
        )


def test_run_without_token_explains_botfather_and_starts_the_preview(tmp_path: Path) -> None:
    # The preview's port is held here (or by someone else), so the preview stops at once;
    # tests/e2e/test_cli_preview.py runs a preview that serves.
    with socket.socket() as holder:
        with contextlib.suppress(OSError):  # already taken by another program: fine too
            holder.bind(("127.0.0.1", 8080))
            holder.listen(1)
        run = quizbot("run", cwd=tmp_path, env={"DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    assert run.returncode == 1
    assert "@BotFather" in run.stderr
    assert "TELEGRAM_BOT_TOKEN" in run.stderr
    assert "starting the local preview at http://127.0.0.1:8080" in run.stderr
    assert "port 8080 on 127.0.0.1 is already in use" in run.stderr
    assert "Traceback" not in run.stderr


def test_bad_config_is_one_sentence_without_traceback(tmp_path: Path) -> None:
    run = quizbot("validate", cwd=tmp_path, env={"TIMEZONE": "Nowhere/Land"})
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "quizbot: configuration error: TIMEZONE='Nowhere/Land' is not an IANA time zone name "
        "such as Asia/Shanghai"
    )


def test_run_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 999")
    env = {
        "TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTestsOnly_abcdefghij",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "DATABASE_PATH": str(db),
        "QUIZZES_DIR": str(ROOT / "quizzes"),
        "CONTENT_DIR": str(ROOT / "content"),
    }
    run = quizbot("run", cwd=tmp_path, env=env)
    assert run.returncode == 1
    assert "quizbot: database error:" in run.stderr
    assert "schema version 999, newer than this bot" in run.stderr
    assert "Traceback" not in run.stderr
    assert env["TELEGRAM_BOT_TOKEN"] not in run.stderr


def test_run_refuses_invalid_content_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "demo.yaml").write_text("format: 1\nbank: [\n", encoding="utf-8")
    env = {
        "TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTestsOnly_abcdefghij",
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "CONTENT_DIR": str(ROOT / "content"),
    }
    run = quizbot("run", cwd=tmp_path, env=env)
    assert run.returncode == 1
    assert "quizzes/demo.yaml:3:1: error: YAML syntax error" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_missing_or_empty_quizzes_dir_is_one_sentence_naming_it(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for folder, said in [("nowhere", "does not exist"), ("empty", "has no question banks")]:
        env = {"QUIZZES_DIR": str(tmp_path / folder), "CONTENT_DIR": str(ROOT / "content")}
        for args in (["validate"], ["run"]):
            run = quizbot(
                *args, cwd=tmp_path, env={**env, "TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35}
            )
            output = (run.stdout + run.stderr).strip().splitlines()
            assert run.returncode == 2, output
            assert len(output) == 1, output
            assert output[0].startswith(f"quizbot: configuration error: QUIZZES_DIR='{tmp_path}")
            assert said in output[0]


def test_one_misspelled_key_is_one_error_and_it_comes_first(tmp_path: Path) -> None:
    """Before: 26 errors, misleading "did you mean 'if-020'?" first and the real one last."""
    shutil.copytree(ROOT / "quizzes", tmp_path / "quizzes")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    bank = tmp_path / "quizzes" / "illegal_fundraising.yaml"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace("correct: true", "corect: true", 1), encoding="utf-8")
    run = quizbot("validate", cwd=tmp_path)
    errors = [line for line in run.stdout.splitlines() if ": error: " in line]
    assert run.returncode == 1
    assert len(errors) == 1, errors
    assert "unknown key 'corect' (did you mean 'correct'?)" in errors[0]
    assert errors[0].startswith("quizzes/illegal_fundraising.yaml:")
