"""Private quizzes: start, present, answer, review. No Telegram types here.

Every press is checked against where it came from (:class:`Origin`): the person who owns the
quiz, in their own private chat, and — for the buttons of a question — on the message that
currently shows it. Anything else is a :class:`Refusal` and changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from enum import StrEnum

from bot import metrics
from bot.domain.content import Bank, Question, QuestionType
from bot.domain.quiz import (
    CardState,
    QuizResult,
    grade_answer,
    learn,
    option_order,
    points_for,
    question_version,
    select_questions,
    to_bank_indices,
)
from bot.domain.session import AnswerRecord, QuizSession, SessionKind
from bot.services.campaigns import AttemptClosed, AttemptRefused, AttemptStarted, CampaignService
from bot.services.common import Origin, local_today
from bot.services.content import ContentStore
from bot.storage.quizzes import AnswerContext, AnswerRefused, AnswerWrite
from bot.storage.repository import Repository, User


class Refusal(StrEnum):
    """Why a button press changed nothing; each has a short toast template."""

    NOT_YOURS = "not_yours"
    ALREADY_ANSWERED = "already_answered"
    STALE = "stale"
    INVALID = "invalid"
    NOTHING_SELECTED = "nothing_selected"
    UNKNOWN_PERSON = "start"  # never started the bot, or asked to be forgotten
    TIME_UP = "time_up"


@dataclass(frozen=True, slots=True)
class Presentation:
    session: QuizSession
    bank: Bank | None
    question: Question
    order: tuple[int, ...]  # display position -> bank option index
    skipped: int = 0  # questions passed over because the content changed
    selected: frozenset[int] = frozenset()  # display positions ticked (multiple answers)
    picture: bool = False  # send the scene's picture right before this question's message


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
    language: str
    replay: bool = False  # shown again from storage (the first edit never reached the person)
    closed: AttemptClosed | None = None  # the campaign attempt this answer finished


@dataclass(frozen=True, slots=True)
class TimeUp:
    """An answer to a campaign attempt after its deadline: nothing stored, the attempt is
    closed (``closed`` is None when something else closed it first)."""

    closed: AttemptClosed | None


@dataclass(frozen=True, slots=True)
class AttemptShown:
    """A campaign attempt started (or resumed), and its current question."""

    started: AttemptStarted
    shown: Shown


@dataclass(frozen=True, slots=True)
class ResumeOffer:
    """A quiz is open; the person chooses to go on with it or to replace it with ``wanted``."""

    session: QuizSession
    bank: Bank | None
    wanted: Bank | None


@dataclass(frozen=True, slots=True)
class ResultView:
    session: QuizSession
    bank: Bank | None
    result: QuizResult


@dataclass(frozen=True, slots=True)
class Mistake:
    question: Question
    answer: AnswerRecord


@dataclass(frozen=True, slots=True)
class MistakesView:
    session: QuizSession
    mistakes: tuple[Mistake, ...]


@dataclass(frozen=True, slots=True)
class _Checked:
    """An answer that passed every check, with what grading it needs."""

    user: User
    session: QuizSession
    question: Question
    order: tuple[int, ...]
    card: CardState | None


Shown = Presentation | ResultView
"""What moving on in a quiz shows: the next question, or the result when none is left."""


class QuizService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        timezone: tzinfo,
        rng_factory: Callable[[], random.Random] = random.Random,
        campaigns: CampaignService | None = None,
    ) -> None:
        self.repo = repo
        self.content = content
        self.timezone = timezone
        self.rng_factory = rng_factory
        self.campaigns = campaigns  # campaign attempts: their start and end follow its rules

    def bank(self, bank_id: str) -> Bank | None:
        return self.content.catalog.banks.get(bank_id)

    def today(self, now: datetime, user: User | None = None) -> date:
        return local_today(now, user.timezone if user else None, self.timezone)

    # --- starting ---------------------------------------------------------------------------

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
        orders = [option_order(catalog.questions[qid], rng) for qid in question_ids]
        return await self.repo.quizzes.create_session(
            user_id, bank_id, kind, question_ids, orders, now
        )

    async def choose(
        self, user: User, bank_id: str, now: datetime
    ) -> Presentation | ResumeOffer | ResultView | None:
        """A bank chosen from the menu or a deep link: its first question, or — with a quiz
        open — the offer to go on or replace it. None when the bank is not available."""
        wanted = self.bank(bank_id)
        if wanted is None:
            return None
        open_session = await self.repo.quizzes.open_session(user.user_id)
        if open_session is not None:
            return ResumeOffer(open_session, self.bank(open_session.bank_id), wanted)
        return await self._begin(user.user_id, bank_id, now)

    async def start_attempt(
        self, user_id: int, campaign_id: str, now: datetime
    ) -> AttemptShown | AttemptRefused:
        """A campaign attempt (or the one already running) and its current question."""
        assert self.campaigns is not None, "campaign attempts need the CampaignService"
        started = await self.campaigns.start_attempt(user_id, campaign_id, now)
        if isinstance(started, AttemptRefused):
            return started
        return AttemptShown(started, await self.show(started.session, now))

    async def open_quiz(self, user: User) -> ResumeOffer | None:
        """/quiz: the open quiz to resume, if any (else the menu)."""
        open_session = await self.repo.quizzes.open_session(user.user_id)
        if open_session is None:
            return None
        return ResumeOffer(open_session, self.bank(open_session.bank_id), None)

    async def _begin(
        self,
        user_id: int,
        bank_id: str,
        now: datetime,
        question_ids: list[str] | None = None,
        kind: SessionKind = SessionKind.QUIZ,
    ) -> Presentation | ResultView | None:
        session = await self.start(user_id, bank_id, now, kind=kind, question_ids=question_ids)
        return None if session is None else await self.show(session, now)

    async def show(
        self, session: QuizSession, now: datetime, *, pressed_on: int | None = None
    ) -> Shown:
        """The current question as a new message, or the result when the quiz is over.

        A scene question comes with its picture, unless that picture is already on screen
        waiting for its question (``pressed_on``: the message whose button asked, if any).
        """
        shown = await self.present(session, now)
        if shown is not None:
            current = shown.session
            picture = shown.question.scene is not None
            return replace(shown, picture=picture and not current.picture_on_screen(pressed_on))
        refreshed = await self.repo.quizzes.get_session(session.id) or session
        return ResultView(
            refreshed, self.bank(refreshed.bank_id), await self._result(refreshed, now)
        )

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

    async def shown(self, session_id: int, message_id: int, now: datetime) -> None:
        """The message that now shows the current question: only its buttons count."""
        await self.repo.quizzes.set_session_message(session_id, message_id, now)

    async def pictured(self, session_id: int, position: int, message_id: int) -> None:
        """The photo just sent for question ``position``: its question message comes next."""
        await self.repo.quizzes.set_picture_message(session_id, position, message_id)

    async def scenario_of(
        self, origin: Origin, session_id: int, position: int
    ) -> Question | Refusal:
        """A scene question of this person's quiz, for its "show as text" button."""
        session = await self._owned(origin, session_id)
        if isinstance(session, Refusal):
            return session
        if position >= session.total:
            return Refusal.INVALID
        question = self.content.catalog.questions.get(session.question_ids[position])
        if question is None or (question.scene is None and question.scenario is None):
            return Refusal.STALE  # changed in the content since
        return question

    # --- presses that move through a quiz ---------------------------------------------------

    async def _owned(
        self, origin: Origin, session_id: int, *, on_message: bool = False
    ) -> QuizSession | Refusal:
        """This person's quiz, pressed in their own private chat (and on the message that
        shows it, for the buttons tied to the current question)."""
        if await self.repo.people.get_user(origin.user_id) is None:
            return Refusal.UNKNOWN_PERSON
        if not origin.own_private_chat:
            return Refusal.NOT_YOURS
        session = await self.repo.quizzes.get_session(session_id)
        if session is None:
            return Refusal.INVALID
        if session.user_id != origin.user_id:
            return Refusal.NOT_YOURS
        if on_message and session.message_id != origin.message_id:
            return Refusal.STALE
        return session

    async def go_on(self, origin: Origin, session_id: int, now: datetime) -> Shown | Refusal:
        """ "Continue" on a resume offer: the current question again, as a new message."""
        session = await self._owned(origin, session_id)
        if isinstance(session, Refusal):
            return session
        if not session.is_open and not session.is_finished:
            return Refusal.STALE  # replaced by another quiz meanwhile
        return await self.show(session, now, pressed_on=origin.message_id)

    async def next(self, origin: Origin, session_id: int, now: datetime) -> Shown | Refusal:
        """ "Next" under an answered question; a second press finds the next one on screen."""
        session = await self._owned(origin, session_id, on_message=True)
        if isinstance(session, Refusal):
            return session
        if not session.is_open and not session.is_finished:
            return _closed(session, now)
        return await self.show(session, now, pressed_on=origin.message_id)

    async def replace(
        self, origin: Origin, session_id: int, bank_id: str, now: datetime
    ) -> Shown | Refusal:
        """Abandon the open quiz ``session_id`` and start ``bank_id`` instead."""
        session = await self._owned(origin, session_id)
        if isinstance(session, Refusal):
            return session
        if not session.is_open or self.bank(bank_id) is None:
            return Refusal.STALE
        started = await self._begin(origin.user_id, bank_id, now)
        return Refusal.STALE if started is None else started

    async def result(self, origin: Origin, session_id: int, now: datetime) -> ResultView | Refusal:
        session = await self._owned(origin, session_id)
        if isinstance(session, Refusal):
            return session
        return ResultView(session, self.bank(session.bank_id), await self._result(session, now))

    async def _result(self, session: QuizSession, now: datetime) -> QuizResult:
        answers = await self.repo.quizzes.session_answers(session.id)
        return QuizResult(
            answered=len(answers),
            correct=sum(a.correct for a in answers),
            points=sum(a.points for a in answers),
            elapsed=session.elapsed(now),
        )

    async def mistakes(self, origin: Origin, session_id: int) -> MistakesView | Refusal:
        session = await self._owned(origin, session_id)
        if isinstance(session, Refusal):
            return session
        return MistakesView(session, tuple(await self._mistakes(session)))

    async def _mistakes(self, session: QuizSession) -> list[Mistake]:
        catalog = self.content.catalog
        return [
            Mistake(catalog.questions[a.question_id], a)
            for a in await self.repo.quizzes.session_answers(session.id)
            if not a.correct and a.question_id in catalog.questions
        ]

    async def retry_missed(
        self, origin: Origin, session_id: int, now: datetime
    ) -> Shown | Refusal | None:
        """A quiz of the questions missed in ``session_id``; None when none was missed."""
        session = await self._owned(origin, session_id)
        if isinstance(session, Refusal):
            return session
        missed = [m.question.id for m in await self._mistakes(session)]
        if not missed:
            return None
        return await self._begin(
            session.user_id, session.bank_id, now, question_ids=missed, kind=SessionKind.RETRY
        )

    # --- answering ------------------------------------------------------------------------

    async def toggle(
        self, origin: Origin, session_id: int, position: int, selected: int, now: datetime
    ) -> Presentation | Refusal:
        """Show a multiple-answer question with the options of the bit mask ``selected``
        ticked. Nothing is stored: the selection lives in the message's buttons."""
        session = await self._owned(origin, session_id, on_message=True)
        if isinstance(session, Refusal):
            return session
        if session.position != position or not session.is_open:
            return Refusal.ALREADY_ANSWERED if position < session.position else Refusal.STALE
        shown = await self.present(session, now)
        if shown is None or shown.session.position != position:
            return Refusal.STALE
        if shown.question.type is not QuestionType.MULTIPLE or selected >> len(shown.order):
            return Refusal.INVALID
        ticked = frozenset(i for i in range(len(shown.order)) if selected & (1 << i))
        return Presentation(shown.session, shown.bank, shown.question, shown.order, 0, ticked)

    async def answer(
        self,
        origin: Origin,
        session_id: int,
        position: int,
        choice: frozenset[int],
        now: datetime,
        *,
        submitted: bool,
    ) -> Answered | TimeUp | Refusal:
        """Grade and store one answer, at most once: one read and one write.

        ``submitted`` says which button sent it: a multiple-answer submit (any number of
        options) or a single option (single-choice and true/false questions only). A campaign
        attempt's last answer, or one after its deadline, also closes the attempt.
        """
        context = await self.repo.quizzes.answer_context(origin.user_id, session_id)
        checked = self._check_answer(origin, context, position, choice, submitted)
        if checked is Refusal.STALE and context is not None and context.session is not None:
            checked = _closed(context.session, now)  # a campaign attempt's time may be up
        if isinstance(checked, Refusal):
            if checked is Refusal.ALREADY_ANSWERED and context is not None:
                replay = await self._replay(origin, context, position)
                return replay if replay is not None else checked
            return checked
        session, question, order = checked.session, checked.question, checked.order
        chosen = to_bank_indices(order, choice)
        correct = grade_answer(question, chosen)
        points = points_for(question, correct)
        user = checked.user
        today = self.today(now, user)
        learned = learn(user.user_id, question, correct, points, checked.card, user.streak, today)
        shown_at = session.shown_at
        try:
            await self.repo.quizzes.record_answer(
                AnswerWrite(
                    session_id=session_id,
                    position=position,
                    chosen=chosen,
                    answered_at=now,
                    elapsed=(now - shown_at).total_seconds() if shown_at else None,
                    qversion=question_version(question),
                    learned=learned,
                )
            )
        except AnswerRefused as refused:
            if refused.reason == Refusal.TIME_UP and session.kind is SessionKind.CAMPAIGN:
                return TimeUp(await self._finish_attempt(session_id, now))
            return Refusal(refused.reason)
        metrics.answer_stored("quiz")
        after = session.after_answer(correct, points, now)
        bank = self.bank(session.bank_id)
        closed = None
        if after.is_finished and after.kind is SessionKind.CAMPAIGN:
            closed = await self._finish_attempt(session_id, now)  # the attempt's last answer
        return Answered(
            after, bank, question, order, position, choice, correct, points, user.language,
            closed=closed,
        )  # fmt: skip

    async def _finish_attempt(self, session_id: int, now: datetime) -> AttemptClosed | None:
        """Close a campaign attempt that is over (all answered, or its time is up). Only a
        finished or refused answer asks, so the answer path stays one read and one write."""
        if self.campaigns is None:
            return None
        return await self.campaigns.finish_session(session_id, now)

    def _check_answer(
        self,
        origin: Origin,
        context: AnswerContext | None,
        position: int,
        choice: frozenset[int],
        submitted: bool,
    ) -> _Checked | Refusal:
        if context is None:
            return Refusal.UNKNOWN_PERSON
        session = context.session
        if not origin.own_private_chat or (session and session.user_id != origin.user_id):
            return Refusal.NOT_YOURS
        if session is None:
            return Refusal.INVALID
        if session.message_id != origin.message_id:
            return Refusal.STALE  # an older message, or a copy of it
        if position < session.position or session.is_finished:
            return Refusal.ALREADY_ANSWERED
        if not session.is_open or position != session.position:
            return Refusal.STALE
        question = self.content.catalog.questions.get(session.question_ids[position])
        order = session.option_orders[position]
        if question is None or len(order) != len(question.options):
            return Refusal.STALE  # removed from the content meanwhile: "next" skips it
        if submitted != (question.type is QuestionType.MULTIPLE):
            return Refusal.INVALID  # a single-choice question answered with a submit, or
        if any(not 0 <= i < len(order) for i in choice):  # the reverse
            return Refusal.INVALID
        if not choice:
            return Refusal.NOTHING_SELECTED
        if not submitted and len(choice) != 1:
            return Refusal.INVALID
        return _Checked(context.user, session, question, order, context.card)

    async def _replay(
        self, origin: Origin, context: AnswerContext, position: int
    ) -> Answered | None:
        """The stored answer to the question this message still shows: the edit that showed
        it never reached the person (Telegram timed out), so show it now."""
        session = context.session
        if session is None or session.message_id != origin.message_id:
            return None
        if position != session.position - 1:
            return None
        record = next(
            (
                a
                for a in await self.repo.quizzes.session_answers(session.id)
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
            context.user.language,
            replay=True,
        )


def _closed(session: QuizSession, now: datetime) -> Refusal:
    """Why a press on a quiz that no longer takes answers changes nothing: a campaign
    attempt whose time is up says so; anything else is simply stale."""
    if session.deadline is not None and now >= session.deadline:
        return Refusal.TIME_UP
    return Refusal.STALE
