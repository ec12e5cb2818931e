"""Freshness: review dates, review intervals and expiry, as the validator and the bot see them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.domain.content import Catalog, Lesson, Text, is_expired, is_overdue, review_due
from tests.content.test_loader import BANK, LESSONS, write

TODAY = date(2026, 12, 1)


def question(qid: str, extra: str = "") -> str:
    """One question of BANK under another id, with extra lines after its id (4-space keys)."""
    body = BANK[BANK.index("  - id: q1") :].replace("id: q1", f"id: {qid}")
    return body.replace(f"  - id: {qid}\n", f"  - id: {qid}\n{extra}", 1)


def bank(*questions: str, header: str = "") -> str:
    return BANK[: BANK.index("  - id: q1")].replace("questions:\n", header + "questions:\n") + (
        "".join(questions)
    )


def found(*paths: Path, today: date | None = TODAY, strict: bool = False) -> list[str]:
    return [str(p) for p in load_content(list(paths), today=today, strict=strict).problems]


# --------------------------------------------------------------------------- the dates


def test_a_reviewed_question_within_its_interval_is_clean(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", bank(question("q1", "    reviewed: 2026-11-27\n")))
    result = load_content([path], today=TODAY)
    assert result.problems == []
    assert result.catalog.questions["q1"].reviewed == date(2026, 11, 27)


def test_missing_reviewed_is_a_warning_only_when_freshness_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", BANK)
    assert found(path) == [
        f"{path}:12:9: warning: question 'q1' has no 'reviewed' date: add "
        "'reviewed: YYYY-MM-DD' once it has been checked against its source"
    ]
    assert found(path, today=None) == []


def test_overdue_review_names_the_due_date_and_the_interval(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", bank(question("q1", "    reviewed: 2025-11-30\n")))
    assert found(path) == [
        f"{path}:13:15: warning: question 'q1' is overdue for review: reviewed 2025-11-30, "
        "due by 2026-11-30 (every 365 days)"
    ]
    # The due day itself still counts as reviewed.
    assert found(path, today=date(2026, 11, 30)) == []


def test_the_bank_sets_its_own_review_interval(tmp_path: Path) -> None:
    text = bank(question("q1", "    reviewed: 2026-09-01\n"), header="  review_every_days: 60\n")
    path = write(tmp_path, "demo.yaml", text)
    result = load_content([path], today=TODAY)
    assert [str(p) for p in result.problems] == [
        f"{path}:14:15: warning: question 'q1' is overdue for review: reviewed 2026-09-01, "
        "due by 2026-10-31 (every 60 days)"
    ]
    assert result.catalog.banks["demo"].review_every_days == 60


def test_a_review_date_in_the_future_is_a_slip(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", bank(question("q1", "    reviewed: 2062-11-27\n")))
    assert found(path) == [
        f"{path}:13:15: warning: question 'q1': reviewed 2062-11-27 is after today (2026-12-01)"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "'reviewed' '2026-13-01' is not a real date"),
        ("20261127", "'reviewed' must be a date written YYYY-MM-DD, not 20261127"),
        ("27.11.2026", "'reviewed' must be a date written YYYY-MM-DD, not '27.11.2026'"),
    ],
)
def test_a_malformed_date_is_an_error_at_its_value(
    tmp_path: Path, value: str, message: str
) -> None:
    path = write(tmp_path, "demo.yaml", bank(question("q1", f"    reviewed: {value}\n")))
    assert found(path, today=None) == [f"{path}:13:15: error: {message}"]


def test_strict_makes_freshness_warnings_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "demo.yaml", bank(question("q1", "    reviewed: 2024-01-01\n")))
    result = load_content([path], today=TODAY, strict=True)
    assert [str(p) for p in result.problems] == [
        f"{path}:13:15: error: question 'q1' is overdue for review: reviewed 2024-01-01, "
        "due by 2024-12-31 (every 365 days)"
    ]
    assert not result.ok


# --------------------------------------------------------------------------- expiry


def test_an_expired_question_is_not_served_and_the_validator_says_so(tmp_path: Path) -> None:
    text = bank(
        question("q1", "    reviewed: 2026-11-27\n    expires: 2026-11-30\n"),
        question("q2", "    reviewed: 2026-11-27\n    expires: 2026-12-01\n"),
    )
    path = write(tmp_path, "demo.yaml", text)
    result = load_content([path], today=TODAY)
    assert [str(p) for p in result.problems] == [
        f"{path}:3:7: warning: bank 'demo' has 1 question left to serve after 1 expired; "
        "one quiz needs 10",
        f"{path}:14:14: warning: question 'q1' expired on 2026-11-30 and is not served",
    ]
    assert result.ok  # expiry is never an error: the rest is served
    # The last day (expires == today) is still served.
    assert set(result.catalog.questions) == {"q2"}
    assert [q.id for q in result.catalog.banks["demo"].questions] == ["q2"]
    # Without a date nothing expires (tools that read the content, tests).
    assert set(load_content([path]).catalog.questions) == {"q1", "q2"}


def test_expiry_that_leaves_a_full_quiz_does_not_warn_about_the_bank(tmp_path: Path) -> None:
    text = bank(
        question("q1", "    reviewed: 2026-11-27\n    expires: 2026-01-01\n"),
        question("q2", "    reviewed: 2026-11-27\n"),
        header="  questions_per_quiz: 1\n",
    )
    path = write(tmp_path, "demo.yaml", text)
    assert found(path) == [
        f"{path}:15:14: warning: question 'q1' expired on 2026-01-01 and is not served"
    ]


def test_a_mixed_bank_counts_what_its_sources_still_serve(tmp_path: Path) -> None:
    write(
        tmp_path,
        "demo.yaml",
        bank(
            question("q1", "    reviewed: 2026-11-27\n    expires: 2026-01-01\n"),
            question("q2", "    reviewed: 2026-11-27\n"),
            header="  questions_per_quiz: 1\n",
        ),
    )
    mixed = write(
        tmp_path,
        "mix.yaml",
        """\
        format: 1
        bank:
          id: mix
          topic: challenge
          title:
            zh: 挑战
            en: Challenge
          description:
            zh: 综合
            en: Mixed
          questions_per_quiz: 2
          draw_from: [demo]
        """,
    )
    expected = (
        f"{mixed}:3:7: warning: bank 'mix' has 1 question left to serve after 1 expired; "
        "one quiz needs 2"
    )
    assert expected in found(tmp_path)


def test_a_lesson_whose_check_expired_is_sent_without_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        "demo.yaml",
        bank(
            question("q1", "    reviewed: 2026-11-27\n    expires: 2026-11-01\n"),
            question("q2", "    reviewed: 2026-11-27\n"),
            header="  questions_per_quiz: 1\n",
        ),
    )
    lessons = write(
        tmp_path,
        "lessons/a.yaml",
        LESSONS.replace("    check: q1\n", "    check: q1\n    reviewed: 2026-11-27\n"),
    )
    result = load_content([tmp_path], today=TODAY)
    assert (
        f"{lessons}:15:12: warning: lesson 'l1': its check question 'q1' expired on "
        "2026-11-01, so the lesson is sent without a check"
    ) in [str(p) for p in result.problems]
    assert result.ok
    assert [(lesson.id, lesson.check) for lesson in result.catalog.lessons] == [("l1", None)]


def test_an_expired_lesson_is_not_served(tmp_path: Path) -> None:
    write(tmp_path, "demo.yaml", bank(question("q1", "    reviewed: 2026-11-27\n")))
    lessons = write(
        tmp_path,
        "lessons/a.yaml",
        LESSONS.replace(
            "    check: q1\n", "    check: q1\n    reviewed: 2026-11-27\n    expires: 2026-11-15\n"
        ),
    )
    result = load_content([tmp_path], today=TODAY)
    assert [str(p) for p in result.problems] == [
        f"{lessons}:17:14: warning: lesson 'l1' expired on 2026-11-15 and is not served"
    ]
    assert result.catalog.lessons == ()


def test_strict_leaves_the_expiry_notice_a_warning(tmp_path: Path) -> None:
    text = bank(
        question("q1", "    reviewed: 2026-11-27\n    expires: 2026-01-01\n"),
        question("q2", "    reviewed: 2026-11-27\n"),
        header="  questions_per_quiz: 1\n",
    )
    path = write(tmp_path, "demo.yaml", text)
    result = load_content([path], today=TODAY, strict=True)
    assert [p.severity.value for p in result.problems] == ["warning"]
    assert result.ok


# --------------------------------------------------------------------------- the domain


def _lesson(lid: str, check: str | None, expires: date | None = None) -> Lesson:
    text = Text("正文")
    return Lesson(lid, "t", 1, text, text, (), text, text, check=check, expires=expires)


def test_served_on_drops_what_expired_and_nothing_else() -> None:
    loaded = load_content([Path(__file__).parents[1] / "data" / "quizzes"])
    catalog = loaded.catalog
    assert catalog.served_on(TODAY) is catalog  # nothing expires: the same object
    first, *rest = next(iter(catalog.banks.values())).questions
    expiring = replace(first, expires=date(2026, 11, 30))
    questions = {**catalog.questions, first.id: expiring}
    banks = {
        bank_id: replace(b, questions=tuple(questions[q.id] for q in b.questions))
        for bank_id, b in catalog.banks.items()
    }
    lessons = (
        _lesson("a", first.id),
        _lesson("b", rest[0].id),
        _lesson("c", None, expires=date(2026, 11, 30)),
    )
    full = Catalog(banks=banks, lessons=lessons, questions=questions, version="v1")
    served = full.served_on(TODAY)
    assert first.id not in served.questions
    assert first.id not in {q.id for b in served.banks.values() for q in b.questions}
    assert len(served.questions) == len(full.questions) - 1
    assert [(lesson.id, lesson.check) for lesson in served.lessons] == [
        ("a", None),
        ("b", rest[0].id),
    ]
    assert served.version == "v1"
    assert full.served_on(date(2026, 11, 30)).questions == full.questions


def test_review_arithmetic() -> None:
    assert review_due(date(2026, 1, 1), 365) == date(2027, 1, 1)
    assert not is_overdue(date(2026, 1, 1), 365, date(2027, 1, 1))
    assert is_overdue(date(2026, 1, 1), 365, date(2027, 1, 2))
    assert not is_expired(None, TODAY)
    assert not is_expired(TODAY, TODAY)
    assert is_expired(date(2026, 11, 30), TODAY)
