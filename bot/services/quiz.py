"""Private quizzes: start, present, answer, review. No Telegram types here."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.content import Bank, Question
from bot.domain.quiz import (
    QuizResult,
    Streak,
    current_streak,
    grade_answer,
    points_for,
    record_activity,
    review,
    select_questions,
    shuffle_options,
    to_bank_indices,
)
from bot.domain.session import AnswerRecord, QuizSession, SessionKind
from bot.services.content import ContentStore
from bot.storage.repository import AnswerWrite, Repository, User


class Refusal(StrEnum):
    """Why a button press changed nothing; each has a short toast template."""

    NOT_YOURS = "not_yours"
    ALREADY_ANSWERED = "already_answered"
    STALE = "stale"
    INVALID = "invalid"
    NOTHING_SELECTED = "nothing_selected"


@dataclass(frozen=True, slots=True)
class Presentation:
    session: QuizSession
    bank: Bank | None
    question: Question
    order: tuple[int, ...]  # display position -> bank option index
    skipped: int = 0  # questions passed over because the content changed


@dataclass(frozen=True, slots=True)
class Answered:
    session: QuizSession  # after the answer
    bank: Bank | None
    question: Question
    order: tuple[int, ...]
    position: int
    chosen_display: frozenset[int]
    correct: bool
    points: int


@dataclass(frozen=True, slots=True)
class Mistake:
    question: Question
    answer: AnswerRecord


class QuizService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        timezone: tzinfo,
        rng_factory: Callable[[], random.Random] = random.Random,
    ) -> None:
        self.repo = repo
        self.content = content
        self.timezone = timezone
        self.rng_factory = rng_factory

    def bank(self, bank_id: str) -> Bank | None:
        return self.content.catalog.banks.get(bank_id)

    async def start(
        self,
        user_id: int,
        bank_id: str,
        now: datetime,
        *,
        kind: SessionKind = SessionKind.QUIZ,
        question_ids: list[str] | None = None,
    ) -> QuizSession | None:
        """A new quiz, replacing any open one; None when the bank is unknown or empty."""
        catalog = self.content.catalog
        bank = catalog.banks.get(bank_id)
        if bank is None:
            return None
        rng = self.rng_factory()
        if question_ids is None:
            pool = catalog.bank_questions(bank_id)
            cards = await self.repo.learning.cards(user_id)
            question_ids = select_questions(
                pool, cards, bank.questions_per_quiz, self.today(now), rng
            )
        question_ids = [qid for qid in question_ids if qid in catalog.questions]
        if not question_ids:
            return None
        orders = [
            shuffle_options(len(catalog.questions[qid].options), rng) for qid in question_ids
        ]
        return await self.repo.quizzes.create_session(
            user_id, bank_id, kind, question_ids, orders, now
        )

    def today(self, now: datetime, user: User | None = None) -> date:
        """The person's local day (their /timezone, else the bot's): streaks count these."""
        zone = self.timezone
        if user is not None and user.timezone:
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                zone = ZoneInfo(user.timezone)
        return now.astimezone(zone).date()

    async def present(self, session: QuizSession, now: datetime) -> Presentation | None:
        """The current question; questions removed or reshaped since the start are skipped."""
        skipped = 0
        while session.is_open and session.current_question_id is not None:
            question = self.content.catalog.questions.get(session.current_question_id)
            order = session.option_orders[session.position]
            if question is not None and len(order) == len(question.options):
                return Presentation(session, self.bank(session.bank_id), question, order, skipped)
            await self.repo.quizzes.skip_question(session.id, session.position, now)
            skipped += 1
            refreshed = await self.repo.quizzes.get_session(session.id)
            if refreshed is None:
                return None
            session = refreshed
        return None

    async def _on_screen(
        self, user_id: int, session_id: int, position: int, now: datetime
    ) -> Presentation | Refusal:
        """The question a button belongs to, if it is this person's current question."""
        session = await self.repo.quizzes.get_session(session_id)
        if session is None:
            return Refusal.INVALID
        if session.user_id != user_id:
            return Refusal.NOT_YOURS
        if position < session.position or session.is_finished:
            return Refusal.ALREADY_ANSWERED
        if not session.is_open or position != session.position:
            return Refusal.STALE
        shown = await self.present(session, now)
        if shown is None or shown.session.position != position:
            return Refusal.STALE  # the question was removed from the content meanwhile
        return shown

    async def toggle(
        self, user_id: int, session_id: int, position: int, display_index: int, now: datetime
    ) -> Presentation | Refusal:
        """Select or unselect one option of a multiple-answer question."""
        shown = await self._on_screen(user_id, session_id, position, now)
        if isinstance(shown, Refusal):
            return shown
        if not 0 <= display_index < len(shown.order):
            return Refusal.INVALID
        selected = shown.session.selected ^ {display_index}
        if not await self.repo.quizzes.set_selected(session_id, position, selected):
            return Refusal.STALE
        updated = await self.repo.quizzes.get_session(session_id)
        assert updated is not None
        return Presentation(updated, shown.bank, shown.question, shown.order)

    async def answer(
        self,
        user: User,
        session_id: int,
        position: int,
        display_choice: frozenset[int] | None,
        now: datetime,
    ) -> Answered | Refusal:
        """Grade and store one answer, at most once. ``None`` submits the toggled options.

        ``user`` is the stored person as the handler read it; only its streak is used, and
        a stale streak cannot double-count because the answer itself is guarded by position.
        """
        shown = await self._on_screen(user.user_id, session_id, position, now)
        if isinstance(shown, Refusal):
            return shown
        choice = shown.session.selected if display_choice is None else display_choice
        if not choice:
            return Refusal.NOTHING_SELECTED
        if any(not 0 <= i < len(shown.order) for i in choice):
            return Refusal.INVALID
        question = shown.question
        chosen = to_bank_indices(shown.order, choice)
        correct = grade_answer(question, chosen)
        points = points_for(question, correct)
        today = self.today(now, user)
        streak = record_activity(
            Streak(user.streak_current, user.streak_best, user.streak_last_day), today
        )
        card = review(await self.repo.learning.card(user.user_id, question.id), correct, today)
        after = await self.repo.quizzes.record_answer(
            AnswerWrite(
                session_id=session_id,
                position=position,
                question_id=question.id,
                topic=question.topic,
                chosen=chosen,
                correct=correct,
                points=points,
                answered_at=now,
                card=card,
                streak_current=streak.current,
                streak_best=streak.best,
                streak_day=streak.last_day or today,
            )
        )
        if after is None:
            return Refusal.ALREADY_ANSWERED
        return Answered(
            after, shown.bank, question, shown.order, position, choice, correct, points
        )

    async def recorded(self, user_id: int, session_id: int, position: int) -> Answered | None:
        """The stored answer to one question of this person's quiz, as it was shown."""
        session = await self.repo.quizzes.get_session(session_id)
        if session is None or session.user_id != user_id or position >= session.total:
            return None
        record = next(
            (
                a
                for a in await self.repo.quizzes.session_answers(session_id)
                if a.position == position
            ),
            None,
        )
        question = self.content.catalog.questions.get(record.question_id) if record else None
        order = session.option_orders[position]
        if record is None or question is None or len(order) != len(question.options):
            return None
        shown = frozenset(p for p, bank_index in enumerate(order) if bank_index in record.chosen)
        return Answered(
            session,
            self.bank(session.bank_id),
            question,
            order,
            position,
            shown,
            record.correct,
            record.points,
        )

    async def result(self, session: QuizSession, now: datetime) -> QuizResult:
        answers = await self.repo.quizzes.session_answers(session.id)
        return QuizResult(
            answered=len(answers),
            correct=sum(a.correct for a in answers),
            points=sum(a.points for a in answers),
            elapsed=session.elapsed(now),
        )

    async def owned_session(self, user_id: int, session_id: int) -> QuizSession | Refusal:
        session = await self.repo.quizzes.get_session(session_id)
        if session is None:
            return Refusal.INVALID
        if session.user_id != user_id:
            return Refusal.NOT_YOURS
        return session

    async def mistakes(self, session: QuizSession) -> list[Mistake]:
        catalog = self.content.catalog
        return [
            Mistake(catalog.questions[a.question_id], a)
            for a in await self.repo.quizzes.session_answers(session.id)
            if not a.correct and a.question_id in catalog.questions
        ]

    async def retry_missed(self, session: QuizSession, now: datetime) -> QuizSession | None:
        missed = [m.question.id for m in await self.mistakes(session)]
        if not missed:
            return None
        return await self.start(
            session.user_id, session.bank_id, now, kind=SessionKind.RETRY, question_ids=missed
        )

    def streak_today(self, user: User, now: datetime) -> int:
        """The streak to show today: 0 once a whole day has passed without activity."""
        streak = Streak(user.streak_current, user.streak_best, user.streak_last_day)
        return current_streak(streak, self.today(now, user))
