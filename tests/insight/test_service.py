"""The service phase 2 calls: item analysis over the database, reports of a problem, notes."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.content import Bank, Catalog, Text
from bot.domain.insight import NOTE_LIMIT, Flag, Origin, Reason, question_version
from bot.services.content import ContentStore
from bot.services.insight import InsightService, NoteOutcome, ReportOutcome, UnknownBankError
from bot.storage.demo import Seed, SeedAnswer, SeedQuiz, seed
from bot.storage.repository import Repository
from tests.domain.factories import question

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# Bank "a": a1..a6 (key A each); bank "b": b1; the mixed bank "mix" draws from both.
A = tuple(dataclasses.replace(question(f"a{i}"), bank_id="a") for i in range(1, 7))
B = (dataclasses.replace(question("b1"), bank_id="b"),)


def bank(bank_id: str, questions: tuple, draw_from: tuple[str, ...] = ()) -> Bank:
    return Bank(bank_id, bank_id, Text(bank_id), Text(""), 10, questions, draw_from)


CATALOG = Catalog(
    banks={"a": bank("a", A), "b": bank("b", B), "mix": bank("mix", (), ("a", "b"))},
    questions={q.id: q for q in (*A, *B)},
)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[InsightService]:
    path = tmp_path / "bot.sqlite3"
    repo = await Repository.open(path)
    # 40 people. Strong ones (even) get a1..a5 right; weak ones (odd) get them wrong.
    # a6 has a suspicious key: the weak ones "get it right". Everybody gets b1 right.
    quizzes = []
    for person in range(1, 41):
        strong = person % 2 == 0
        answers = []
        for n, q in enumerate((*A, *B)):
            right = strong != (q.id == "a6") if q.bank_id == "a" else True
            answers.append(
                SeedAnswer(
                    q.id,
                    (0 if right else 1,),
                    right,
                    T0 + timedelta(minutes=person * 10 + n),
                    elapsed=4.0 + n,
                    version=question_version(q),
                )
            )
        quizzes.append(SeedQuiz(person, "mix", answers))
    seed(path, Seed(users={p: "zh" for p in range(1, 41)}, quizzes=quizzes))
    try:
        yield InsightService(repo, ContentStore([], CATALOG), SHANGHAI)
    finally:
        await repo.close()


async def test_item_analysis_of_a_bank_flags_the_suspicious_key(service: InsightService) -> None:
    stats = await service.item_analysis("a")
    assert [s.question.id for s in stats] == ["a1", "a2", "a3", "a4", "a5", "a6"]
    a6 = stats[-1]
    assert (a6.answers, a6.accuracy, a6.discrimination_n) == (40, 0.5, 40)
    assert a6.discrimination == pytest.approx(-1.0)
    assert a6.flags == (Flag.CHECK_KEY, Flag.RARE_DISTRACTOR)
    assert stats[0].discrimination == pytest.approx(1.0)
    assert Flag.CHECK_KEY not in stats[0].flags
    assert a6.median_seconds == 9.0


async def test_mixed_bank_reports_its_sources_and_unknown_bank_is_refused(
    service: InsightService,
) -> None:
    stats = await service.item_analysis("mix")
    assert [s.question.id for s in stats] == ["a1", "a2", "a3", "a4", "a5", "a6", "b1"]
    assert stats[-1].flags == (Flag.TOO_EASY, Flag.RARE_DISTRACTOR)
    assert len(await service.item_analysis()) == 7
    with pytest.raises(UnknownBankError):
        await service.item_analysis("nope")


async def test_question_stats_for_one_question(service: InsightService) -> None:
    one = await service.question_stats("a6")
    assert one is not None
    assert one.discrimination == pytest.approx(-1.0)  # computed against the rest of bank a
    assert await service.question_stats("missing") is None


async def test_question_summaries_over_a_set_of_sessions(service: InsightService) -> None:
    summaries = await service.question_summaries(["a1", "b1", "gone"], [1, 2, 3, 4])
    assert (summaries["a1"].answers, summaries["a1"].correct) == (4, 2)
    assert (summaries["a1"].top_wrong, summaries["a1"].top_wrong_count) == (1, 2)
    assert summaries["b1"].accuracy == 1.0
    assert summaries["b1"].top_wrong is None
    assert summaries["gone"].answers == 0


async def test_a_report_is_recorded_once_with_the_local_day(service: InsightService) -> None:
    late = datetime(2026, 3, 14, 17, 30, tzinfo=UTC)  # already 15 March in Shanghai
    outcome = await service.report_problem(7, "a6", Reason.WRONG_ANSWER, late, origin=Origin.EVENT)
    assert outcome is ReportOutcome.RECORDED
    again = await service.report_problem(7, "a6", Reason.TYPO, late)
    assert again is ReportOutcome.ALREADY_REPORTED
    gone = await service.report_problem(7, "removed", Reason.TYPO, late)
    assert gone is ReportOutcome.UNKNOWN_QUESTION
    assert await service.has_reported(7, "a6") is True
    assert await service.has_reported(8, "a6") is False
    stored = await service.repo.insight.feedback_of(7, "a6")
    assert stored is not None
    assert (stored.day.isoformat(), stored.reason, stored.origin) == (
        "2026-03-15",
        Reason.WRONG_ANSWER,
        Origin.EVENT,
    )
    assert stored.version == question_version(A[5])
    assert (await service.item_analysis("a"))[-1].reports == 1


async def test_notes_are_cleaned_limited_and_need_a_report(service: InsightService) -> None:
    now = datetime(2026, 3, 15, tzinfo=UTC)
    await service.report_problem(7, "a1", Reason.UNCLEAR, now, version="old12345")
    assert (await service.add_note(7, "a1", " \u200b\n ")).outcome is NoteOutcome.EMPTY
    too_long = await service.add_note(7, "a1", "长" * (NOTE_LIMIT + 1))
    assert (too_long.outcome, too_long.length, too_long.limit) == (NoteOutcome.TOO_LONG, 501, 500)
    saved = await service.add_note(7, "a1", "  第二个选项也对\u202e  ")
    assert saved.outcome is NoteOutcome.SAVED
    exactly = await service.add_note(7, "a1", "长" * NOTE_LIMIT)
    assert exactly.outcome is NoteOutcome.SAVED
    assert (await service.add_note(8, "a1", "no report")).outcome is NoteOutcome.NO_REPORT
    stored = await service.repo.insight.feedback_of(7, "a1")
    assert stored is not None
    assert stored.note == "长" * NOTE_LIMIT
    assert stored.version == "old12345"


async def test_feedback_grouped_newest_first_and_by_bank(service: InsightService) -> None:
    day = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
    await service.report_problem(1, "a1", Reason.TYPO, day)
    await service.report_problem(2, "b1", Reason.OUT_OF_DATE, day + timedelta(days=2))
    await service.report_problem(3, "a1", Reason.WRONG_ANSWER, day + timedelta(days=1))
    groups = await service.feedback()
    assert [(g.question_id, [r.reason for r in g.reports]) for g in groups] == [
        ("b1", [Reason.OUT_OF_DATE]),
        ("a1", [Reason.WRONG_ANSWER, Reason.TYPO]),
    ]
    assert [g.question_id for g in await service.feedback("a")] == ["a1"]
