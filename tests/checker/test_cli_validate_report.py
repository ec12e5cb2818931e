"""`quizbot validate` reads signal files as signals; `quizbot report signals` counts them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.storage.repository import Repository
from tests.test_cli import ROOT, quizbot


def test_validate_a_signals_file_checks_it_as_signals() -> None:
    run = quizbot("validate", "content/signals/money.yaml", cwd=ROOT)
    assert run.returncode == 0, run.stdout
    assert "not a bank file" not in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "1 file checked: 0 errors, 0 warnings"


def test_validate_everything_includes_the_signals() -> None:
    run = quizbot("validate", "content", cwd=ROOT)
    assert run.returncode == 0, run.stdout
    assert "not a bank file" not in run.stdout
    files = len(list((ROOT / "content").rglob("*.yaml")))
    assert run.stdout.strip().splitlines()[-1].startswith(f"{files} files checked: 0 errors")


def test_a_bad_signal_is_reported_with_its_place_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "signals"
    folder.mkdir()
    bad = folder / "new.yaml"
    bad.write_text(
        "format: 1\n"
        "signals:\n"
        "  - id: greedy\n"
        "    kind: investment\n"
        "    weight: 3\n"
        "    patterns:\n"
        "      - regex: '(\\d+)+元'\n"
        "    explanation: {zh: 测试, en: Test}\n"
        "  - id: lost-link\n"
        "    kind: investment\n"
        "    weight: 3\n"
        "    patterns: [保本高息]\n"
        "    explanation: {zh: 测试, en: Test}\n"
        "    lesson: tf-l77\n",
        encoding="utf-8",
    )
    run = quizbot("validate", str(bad), cwd=ROOT)
    assert run.returncode == 1
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith(f"{bad}:7:16: error: nested quantifiers")
    assert lines[1].startswith(f"{bad}:14:13: error: signal 'lost-link' links lesson 'tf-l77'")
    assert lines[-1] == "1 file checked: 2 errors, 0 warnings"


def test_validating_a_bank_never_loads_the_checker_engine() -> None:
    code = (
        "import sys\nfrom bot.cli import main\n"
        "code = main(['validate', 'quizzes/card_skimming.yaml'])\n"
        "print('re2' in sys.modules, 'opencc' in sys.modules, code)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.stdout.strip().splitlines()[-1] == "False False 0"


async def counted(database: Path) -> None:
    repo = await Repository.open(database)
    try:
        for day, signals in (
            (date(2026, 3, 14), ("police-identity", "transfer-request")),
            (date(2026, 3, 15), ("police-identity",)),
            (date(2026, 3, 15), ()),
            (date(2026, 4, 1), ("link",)),
        ):
            await repo.checker.count(day, signals, flagged=bool(signals))
    finally:
        await repo.close()


def test_report_signals_counts_per_signal_per_day_in_a_range(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    asyncio.run(counted(database))
    env = {"DATABASE_PATH": str(database)}
    run = quizbot(
        "report", "signals", "--from", "2026-03-01", "--to", "2026-03-31", cwd=tmp_path, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "scam checker signals, 2026-03-01 to 2026-03-31",
        "messages checked: 3, flagged (high or medium risk): 2",
        "",
        "day         signal            hits",
        "2026-03-14  police-identity      1",
        "2026-03-14  transfer-request     1",
        "2026-03-15  police-identity      1",
        "",
        "total       signal            hits",
        "            police-identity      2",
        "            transfer-request     1",
    ]


def test_report_signals_refuses_without_a_database_or_with_days_reversed(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "none.sqlite3")}
    missing = quizbot("report", "signals", cwd=tmp_path, env=env)
    assert missing.returncode == 1
    assert "no database at" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()
    reversed_days = quizbot(
        "report", "signals", "--from", "2026-03-02", "--to", "2026-03-01", cwd=tmp_path, env=env
    )
    assert reversed_days.returncode == 2
    assert "--from 2026-03-02 is after --to 2026-03-01" in reversed_days.stderr
    bad = quizbot("report", "signals", "--from", "15/03/2026", cwd=tmp_path, env=env)
    assert bad.returncode == 2
    assert "is not a date written YYYY-MM-DD" in bad.stderr


def test_a_new_signals_file_elsewhere_uses_the_configured_kinds(tmp_path: Path) -> None:
    """Context, like banks': the kinds and cues of content/signals resolve a new file."""
    folder = tmp_path / "signals"
    folder.mkdir()
    (folder / "draft.yaml").write_text(
        "format: 1\nsignals:\n  - id: moon-land\n    kind: investment\n    weight: 4\n"
        "    patterns: [月球土地]\n    explanation: {zh: 测试, en: Test}\n",
        encoding="utf-8",
    )
    run = quizbot("validate", str(folder), cwd=ROOT)
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip().splitlines() == ["1 file checked: 0 errors, 0 warnings"]
