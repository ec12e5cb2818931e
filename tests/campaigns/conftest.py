"""A repository on a fresh SQLite file and the shipped content with the demo campaign."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.quiz import Streak, learn, question_version
from bot.services.campaigns import AttemptStarted, CampaignService
from bot.services.content import ContentStore
from bot.storage.repository import AnswerWrite, Repository
from tests.conftest import DATA
from tests.harness import ROOT, Clock, Harness
from tests.lessons.conftest import LESSON_DATA

CONTENT = [ROOT / "quizzes", ROOT / "content" / "lessons", ROOT / "content" / "campaigns"]
CAMPAIGN_DATA = Path(__file__).parent / "data"  # spring.yaml, on the test banks and lessons
DEMO = "demo-315"
# 10:00 in Shanghai on 15 March 2026, inside the demo campaign.
T0 = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def content() -> ContentStore:
    store = ContentStore(CONTENT)
    assert store.reload().ok
    return store


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[Repository]:
    repository = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        yield repository
    finally:
        await repository.close()


@pytest.fixture
def service(repo: Repository, content: ContentStore) -> CampaignService:
    codes = count(1)
    return CampaignService(
        repo,
        content,
        operators={1},
        rng_factory=lambda: random.Random(315),
        code_source=lambda: 0x12345_67890 + next(codes),
    )


async def person(repo: Repository, user_id: int, now: datetime = T0) -> None:
    await repo.people.ensure_user(user_id, "zh", now)


async def answer_all(
    service: CampaignService,
    started: AttemptStarted,
    right: int,
    now: datetime,
    *,
    step_seconds: float = 10,
    stop_after: int | None = None,
) -> datetime:
    """Answer the attempt's questions like the answer path would: the first ``right`` ones
    correctly, the rest wrongly. Returns the time of the last answer."""
    catalog = service.content.catalog
    session = started.session
    at = now
    for position, qid in enumerate(session.question_ids):
        if stop_after is not None and position >= stop_after:
            break
        question = catalog.questions[qid]
        correct = position < right
        key = question.correct_indices
        wrong = frozenset({next(i for i in range(len(question.options)) if i not in key)})
        from datetime import timedelta

        at = at + timedelta(seconds=step_seconds)
        await service.repo.people.ensure_user(session.user_id, "zh", at)
        points = 10 if correct else 0
        learned = learn(session.user_id, question, correct, points, None, Streak(), at.date())
        await service.repo.quizzes.record_answer(
            AnswerWrite(
                session_id=session.id,
                position=position,
                chosen=key if correct else wrong,
                answered_at=at,
                elapsed=step_seconds,
                qversion=question_version(question),
                learned=learned,
            )
        )
    return at


@pytest.fixture
async def cbot(settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    """The real bot with the test banks, the test lessons and the "spring" campaign."""
    harness = Harness(
        settings, clock, content_paths=[DATA / "quizzes", LESSON_DATA, CAMPAIGN_DATA]
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
