"""`quizbot validate` flags for freshness and strictness, run as an editor runs them."""

from __future__ import annotations

from pathlib import Path

from tests.content.test_loader import BANK
from tests.test_cli import quizbot

OLD = BANK.replace("- id: q1\n", "- id: q1\n    reviewed: 2000-01-01\n")


def test_overdue_review_is_a_warning_by_default_and_an_error_with_strict(tmp_path: Path) -> None:
    bank = tmp_path / "demo.yaml"
    bank.write_text(OLD, encoding="utf-8")
    expected = (
        f"{bank}:13:15: {{}}: question 'q1' is overdue for review: reviewed 2000-01-01, "
        "due by 2000-12-31 (every 365 days)"
    )
    lenient = quizbot("validate", str(bank), cwd=tmp_path)  # today from the clock and TIMEZONE
    assert lenient.returncode == 0
    assert lenient.stdout.splitlines() == [
        expected.format("warning"),
        "1 file checked: 0 errors, 1 warning",
    ]
    strict = quizbot("validate", "--strict", str(bank), cwd=tmp_path)
    assert strict.returncode == 1
    assert strict.stdout.splitlines() == [
        expected.format("error"),
        "1 file checked: 1 error, 0 warnings",
    ]


def test_today_can_be_set_to_see_the_content_on_another_day(tmp_path: Path) -> None:
    bank = tmp_path / "demo.yaml"
    bank.write_text(
        OLD.replace("reviewed: 2000-01-01\n", "reviewed: 2026-11-27\n    expires: 2027-03-15\n"),
        encoding="utf-8",
    )
    before = quizbot("validate", "--today", "2027-03-15", str(bank), cwd=tmp_path)
    assert before.stdout.splitlines() == ["1 file checked: 0 errors, 0 warnings"]
    after = quizbot("validate", "--today", "2027-03-16", str(bank), cwd=tmp_path)
    assert after.returncode == 0
    assert f"{bank}:14:14: warning: question 'q1' expired on 2027-03-15 and is not served" in (
        after.stdout.splitlines()
    )


def test_a_malformed_today_is_a_usage_error(tmp_path: Path) -> None:
    run = quizbot("validate", "--today", "tomorrow", cwd=tmp_path)
    assert run.returncode == 2
    assert "argument --today: 'tomorrow' is not a date written YYYY-MM-DD" in run.stderr


def test_guess_prints_the_figures_of_the_banks_checked(tmp_path: Path) -> None:
    bank = tmp_path / "demo.yaml"
    bank.write_text(OLD.replace("reviewed: 2000-01-01", "reviewed: 2026-11-27"), encoding="utf-8")
    run = quizbot("validate", "--guess", "--today", "2026-12-01", str(bank), cwd=tmp_path)
    assert run.returncode == 0
    # q1: 正常办案 (4) or 诈骗 (2, the key): the shortest; no caution word in either option.
    assert run.stdout.splitlines() == [
        "Guessability: the share a no-knowledge strategy gets right ('!': over the limit).",
        "Limits: longest, second, third, shortest <= 40%; caution <= 50% on scenario "
        "questions, <= 45% on all single-choice; true/false 对 40-60%; always 诈骗 <= 60%.",
        "bank                      questions            longest  second   third shortest  caution",
        "demo                      single-choice (1)         0%    100%      0%     100%     100%",
        "                          scenario (0)               –       –       –        –        –",
        "1 file checked: 0 errors, 0 warnings",
    ]
