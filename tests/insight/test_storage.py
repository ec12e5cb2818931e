"""First answers across quizzes, events and lesson checks; reports: once, exported, forgotten.

TEMP at merge: the answer columns (elapsed, qversion) come from
``bot/storage/migrations/0004_answer_columns_TEMP.sql`` on this branch; the lead's 0004 adds the
same names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.insight import Origin, Reason
from bot.storage.demo import (
    Seed,
    SeedAnswer,
    SeedEvent,
    SeedEventAnswer,
    SeedLessonCheck,
    SeedQuiz,
    has_demo_data,
    seed,
)
from bot.storage.repository import Repository

DB = "bot.sqlite3"
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def ans(qid: str, chosen: int, correct: bool, minutes: int, **kw) -> SeedAnswer:
    return SeedAnswer(qid, (chosen,), correct, T0 + timedelta(minutes=minutes), **kw)


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await Repository.open(tmp_path / DB)
    try:
        yield repo
    finally:
        await repo.close()


async def test_first_answer_wins_across_quiz_event_and_lesson(
    repo: Repository, tmp_path: Path
) -> None:
    data = Seed(
        users={1: "zh", 2: "zh", 3: "en"},
        quizzes=[
            # person 1: q1 in a quiz first (right), again in a retry later (wrong).
            SeedQuiz(1, "bank", [ans("q1", 0, True, 10, elapsed=7.5, version="v1")]),
            SeedQuiz(1, "bank", [ans("q1", 2, False, 50)], kind="retry"),
            # person 2's quiz answer comes after their event answer.
            SeedQuiz(2, "bank", [ans("q1", 0, True, 40), ans("q2", 1, True, 41)]),
            SeedQuiz(3, "bank", [ans("q2", 0, False, 5)], kind="campaign"),
        ],
        events=[
            SeedEvent(
                chat_id=-100,
                host_id=1,
                bank_id="bank",
                question_ids=["q2", "q1"],
                started_at=T0,
                answers=[
                    SeedEventAnswer(2, 1, ans("q1", 1, False, 20, elapsed=12.0)),
                    SeedEventAnswer(1, 0, ans("q2", 1, True, 30, elapsed=3.0, version="v2")),
                ],
            )
        ],
        lesson_checks=[
            # person 3 meets q1 first in a lesson check; person 1's check comes last.
            SeedLessonCheck(3, "l1", date(2026, 3, 10), ans("q1", 0, True, 1)),
            SeedLessonCheck(1, "l2", date(2026, 3, 11), ans("q1", 0, True, 60)),
        ],
    )
    seed(tmp_path / DB, data)
    found = {(a.user_id, a.question_id): a for a in await repo.insight.first_answers()}
    assert set(found) == {(1, "q1"), (2, "q1"), (3, "q1"), (2, "q2"), (1, "q2"), (3, "q2")}
    one = found[(1, "q1")]
    assert (one.origin, one.correct, one.elapsed, one.version) == (Origin.QUIZ, True, 7.5, "v1")
    two = found[(2, "q1")]
    assert (two.origin, two.chosen, two.correct, two.elapsed) == (
        Origin.EVENT,
        frozenset({1}),
        False,
        12.0,
    )
    three = found[(3, "q1")]
    assert (three.origin, three.elapsed, three.version) == (Origin.LESSON, None, None)
    assert found[(1, "q2")].version == "v2"
    assert found[(3, "q2")].origin is Origin.QUIZ  # a campaign attempt is a quiz session
    only_q2 = await repo.insight.first_answers({"q2"})
    assert sorted(a.user_id for a in only_q2) == [1, 2, 3]
    assert await repo.insight.first_answers(set()) == []


async def test_late_event_answers_count_nowhere(repo: Repository, tmp_path: Path) -> None:
    seed(
        tmp_path / DB,
        Seed(
            events=[
                SeedEvent(
                    -1, 1, "bank", ["q1"], T0, [SeedEventAnswer(5, 0, ans("q1", 0, True, 1))]
                )
            ]
        ),
    )
    await repo.db.write("UPDATE event_answers SET late = 1")
    assert await repo.insight.first_answers() == []


async def test_session_answers_for_a_campaign(repo: Repository, tmp_path: Path) -> None:
    seed(
        tmp_path / DB,
        Seed(
            users={1: "zh", 2: "zh"},
            quizzes=[
                SeedQuiz(1, "c", [ans("q1", 1, False, 1), ans("q2", 0, True, 2)], "campaign"),
                SeedQuiz(1, "c", [ans("q1", 0, True, 9)], "campaign"),
                SeedQuiz(2, "c", [ans("q1", 0, True, 3)], "campaign"),
                SeedQuiz(2, "bank", [ans("q1", 2, False, 0)]),  # not one of the campaign's
            ],
        ),
    )
    firsts = await repo.insight.session_answers(["q1"], [1, 2, 3])
    assert sorted((a.user_id, a.correct) for a in firsts) == [(1, False), (2, True)]
    every = await repo.insight.session_answers(["q1"], [1, 2, 3], first_only=False)
    assert sorted((a.user_id, a.correct) for a in every) == [(1, False), (1, True), (2, True)]


async def test_a_person_reports_a_question_once_and_adds_a_note(repo: Repository) -> None:
    day = date(2026, 3, 15)
    store = repo.insight
    for reason, added in ((Reason.WRONG_ANSWER, True), (Reason.TYPO, False)):
        stored = await store.add_feedback(
            user_id=7, question_id="q1", version="abcd1234", reason=reason, origin=Origin.EVENT,
            day=day,
        )  # fmt: skip
        assert stored is added
    assert await store.set_feedback_note(7, "q1", "答案应为 <B>") is True
    assert await store.set_feedback_note(7, "q2", "no report") is False
    saved = await store.feedback_of(7, "q1")
    assert saved is not None
    assert (saved.reason, saved.note, saved.version, saved.origin, saved.day) == (
        Reason.WRONG_ANSWER,
        "答案应为 <B>",
        "abcd1234",
        Origin.EVENT,
        day,
    )
    await store.add_feedback(
        user_id=8, question_id="q1", version=None, reason=Reason.UNCLEAR, origin=Origin.QUIZ,
        day=day + timedelta(days=1),
    )  # fmt: skip
    assert [f.reason for f in await store.all_feedback()] == [Reason.UNCLEAR, Reason.WRONG_ANSWER]
    assert await store.feedback_counts() == {"q1": 2}
    assert await store.all_feedback({"q2"}) == []


async def test_the_database_refuses_a_long_note_or_an_unknown_reason(repo: Repository) -> None:
    import sqlite3

    await repo.insight.add_feedback(
        user_id=1, question_id="q", version=None, reason=Reason.OTHER, origin=Origin.QUIZ,
        day=date(2026, 3, 15),
    )  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError):
        await repo.insight.set_feedback_note(1, "q", "长" * 501)
    with pytest.raises(sqlite3.IntegrityError):
        await repo.db.write(
            "INSERT INTO feedback (user_id, question_id, reason, day) VALUES (2, 'q', 'x', 'd')"
        )


async def test_mydata_includes_reports_and_forget_deletes_them(repo: Repository) -> None:
    await repo.people.ensure_user(7, "zh", T0)
    for uid in (7, 8):
        await repo.insight.add_feedback(
            user_id=uid, question_id="q1", version="v", reason=Reason.TYPO, origin=Origin.QUIZ,
            day=date(2026, 3, 15),
        )  # fmt: skip
    await repo.insight.set_feedback_note(7, "q1", "错别字：帐户")
    exported = await repo.privacy.export_user(7)
    assert exported["feedback"] == [
        {
            "question_id": "q1",
            "qversion": "v",
            "reason": "typo",
            "note": "错别字：帐户",
            "origin": "quiz",
            "day": "2026-03-15",
        }
    ]
    assert await repo.privacy.delete_user(7, -(2**52)) is True
    assert (await repo.privacy.export_user(7))["feedback"] == []
    assert await repo.insight.feedback_counts() == {"q1": 1}  # person 8's report stays
    # A group player who never started the bot: only a report, and /forget still finds it.
    assert await repo.privacy.delete_user(8, -(2**52)) is True
    assert await repo.insight.feedback_counts() == {}


async def test_demo_data_is_recognised(repo: Repository, tmp_path: Path) -> None:
    path = tmp_path / DB
    assert has_demo_data(path) is False
    seed(path, Seed(users={900_000_001: "zh"}))
    assert has_demo_data(path) is True


async def test_an_answer_at_the_same_instant_goes_to_the_quiz(
    repo: Repository, tmp_path: Path
) -> None:
    seed(
        tmp_path / DB,
        Seed(
            users={4: "zh"},
            quizzes=[SeedQuiz(4, "bank", [ans("q1", 0, True, 5)])],
            events=[
                SeedEvent(
                    -1, 1, "bank", ["q1"], T0, [SeedEventAnswer(4, 0, ans("q1", 1, False, 5))]
                )
            ],
            lesson_checks=[SeedLessonCheck(4, "l1", date(2026, 3, 10), ans("q1", 2, False, 5))],
        ),
    )
    (first,) = await repo.insight.first_answers()
    assert (first.origin, first.correct) == (Origin.QUIZ, True)
