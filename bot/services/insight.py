"""Editors' insight: item analysis over stored answers, and reports of a problem ("纠错").

No Telegram types here. Phase 2 handlers call :class:`InsightService`; the CLI reports and the
campaign report use it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path

from bot.domain.content import Catalog, Question
from bot.domain.insight import (
    DEFAULT_THRESHOLDS,
    NOTE_LIMIT,
    AnswerRef,
    FeedbackGroup,
    ItemStats,
    Origin,
    QuestionSummary,
    Reason,
    Thresholds,
    analyse,
    clean_note,
    group_feedback,
    question_version,
    summarize,
)
from bot.services.common import Origin as Pressed
from bot.services.content import ContentStore
from bot.storage.insight import read_item_inputs
from bot.storage.repository import Repository

FEEDBACK_PROMPT = "feedback"
"""The reply prompt's kind for a report's note; its payload is the question id."""
STATS_TTL = timedelta(minutes=2)
"""How long ``/question_stats`` reuses a bank's figures (new answers barely move them)."""


class UnknownBankError(LookupError):
    """No bank with this id in the current content."""


class ReportOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_REPORTED = "already_reported"  # one report per person and question
    UNKNOWN_QUESTION = "unknown_question"  # not in the current content (removed, stale button)


class NoteOutcome(StrEnum):
    SAVED = "saved"
    EMPTY = "empty"  # nothing left after removing control characters and spaces
    TOO_LONG = "too_long"  # more than NOTE_LIMIT characters: nothing stored, ask again
    NO_REPORT = "no_report"  # the person has not reported this question


@dataclass(frozen=True, slots=True)
class NoteResult:
    outcome: NoteOutcome
    length: int  # characters after cleaning, to say how much to cut
    limit: int = NOTE_LIMIT


class FeedbackRefusal(StrEnum):
    """Why a 纠错 press changed nothing; the toast is ``feedback_toast_<value>``."""

    NOT_YOURS = "not_yours"  # not in the presser's own private chat
    START = "start"  # a person the bot does not know (a press never creates one)
    NOT_ANSWERED = "not_answered"  # no such answer of theirs: a forged id, or forgotten
    UNKNOWN_QUESTION = "unknown_question"  # the question left the content since
    ALREADY = "already"  # reported before: once per person and question


@dataclass(frozen=True, slots=True)
class ReportStart:
    """The person may report this answer's question: show the reasons."""

    answer: AnswerRef
    question: Question
    language: str


@dataclass(frozen=True, slots=True)
class Reported:
    """The report is stored; ask for the optional note."""

    question: Question
    reason: Reason
    language: str


@dataclass(frozen=True, slots=True)
class _BankStats:
    computed_at: datetime
    stats: dict[str, ItemStats]


class InsightService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        timezone: tzinfo,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        *,
        database_path: Path | None = None,
        stats_ttl: timedelta = STATS_TTL,
    ) -> None:
        """``database_path``: read ``question_stats``' figures there, on a connection and in a
        thread of their own, and keep them ``stats_ttl`` per bank and content version."""
        self.repo = repo
        self.content = content
        self.timezone = timezone
        self.thresholds = thresholds
        self.database_path = database_path
        self.stats_ttl = stats_ttl
        self._bank_stats: dict[tuple[str, str], _BankStats] = {}
        self._stats_lock = asyncio.Lock()

    @property
    def catalog(self) -> Catalog:
        return self.content.catalog

    # --- item analysis ----------------------------------------------------------------------

    def questions_of(self, bank_id: str | None) -> tuple[Question, ...]:
        """The questions a report covers: one bank's pool (a mixed bank's sources), or all."""
        catalog = self.catalog
        if bank_id is None:
            return tuple(catalog.questions.values())
        if bank_id not in catalog.banks:
            raise UnknownBankError(bank_id)
        return catalog.bank_questions(bank_id)

    async def item_analysis(self, bank_id: str | None = None) -> list[ItemStats]:
        """Per question, in content order; discrimination within each question's own bank.

        Raises :class:`UnknownBankError` for a bank id that is not in the content.
        """
        return await self._analyse(self.questions_of(bank_id))

    async def _analyse(self, questions: tuple[Question, ...]) -> list[ItemStats]:
        # The rest of each home bank is needed for discrimination, even for a mixed bank.
        banks = {q.bank_id for q in questions}
        pool = [q for q in self.catalog.questions.values() if q.bank_id in banks]
        answers = await self.repo.insight.first_answers({q.id for q in pool})
        reports = await self.repo.insight.feedback_counts()
        order = {q.id: i for i, q in enumerate(questions)}
        stats = analyse(pool, answers, reports, self.thresholds, only=order)
        return sorted(stats, key=lambda s: order[s.question.id])

    async def question_stats(
        self, question_id: str, now: datetime | None = None
    ) -> ItemStats | None:
        """One question's figures (``/question_stats ID``); None when it is not in the content.

        With a ``database_path`` and ``now``, the whole bank is analysed off the event loop and
        kept ``stats_ttl`` for its content version: the next question of that bank is instant.
        """
        catalog = self.catalog
        question = catalog.questions.get(question_id)
        if question is None:
            return None
        if self.database_path is None or now is None:
            (stats,) = await self._analyse((question,))
            return stats
        key = (question.bank_id, catalog.version)
        async with self._stats_lock:  # a second request for the bank waits, then reuses it
            cached = self._bank_stats.get(key)
            if cached is None or now - cached.computed_at >= self.stats_ttl:
                pool = [q for q in catalog.questions.values() if q.bank_id == question.bank_id]
                found = await asyncio.to_thread(self._analyse_alone, self.database_path, pool)
                cached = _BankStats(now, {s.question.id: s for s in found})
                self._bank_stats = {
                    k: v
                    for k, v in self._bank_stats.items()
                    if k[1] == catalog.version and now - v.computed_at < self.stats_ttl
                }
                self._bank_stats[key] = cached
        return cached.stats.get(question_id)

    def _analyse_alone(self, path: Path, pool: list[Question]) -> list[ItemStats]:
        """In a worker thread: read on a connection of its own, then count."""
        answers, reports = read_item_inputs(path, {q.id for q in pool})
        return analyse(pool, answers, reports, self.thresholds)

    async def question_summaries(
        self,
        question_ids: Collection[str],
        session_ids: Collection[int],
        *,
        first_only: bool = True,
    ) -> dict[str, QuestionSummary]:
        """Accuracy and the most chosen wrong option per question, over some quiz sessions
        (``question_summaries`` below; the campaign report calls it too)."""
        return await question_summaries(
            self.repo, self.catalog, question_ids, session_ids, first_only=first_only
        )

    # --- reports of a problem ---------------------------------------------------------------

    async def report_problem(
        self,
        user_id: int,
        question_id: str,
        reason: Reason,
        now: datetime,
        *,
        origin: Origin = Origin.QUIZ,
        version: str | None = None,
    ) -> ReportOutcome:
        """Record a person's report, once per question.

        ``version``: the content version the person answered (from the stored answer); by
        default the current one. Only the day is kept, in the bot's time zone.
        """
        question = self.catalog.questions.get(question_id)
        if question is None:
            return ReportOutcome.UNKNOWN_QUESTION
        added = await self.repo.insight.add_feedback(
            user_id=user_id,
            question_id=question_id,
            version=version or question_version(question),
            reason=reason,
            origin=origin,
            day=now.astimezone(self.timezone).date(),
        )
        return ReportOutcome.RECORDED if added else ReportOutcome.ALREADY_REPORTED

    async def add_note(self, user_id: int, question_id: str, text: str) -> NoteResult:
        """Attach the person's line of text to their report (a later reply replaces it)."""
        note = clean_note(text)
        if not note:
            return NoteResult(NoteOutcome.EMPTY, 0)
        if len(note) > NOTE_LIMIT:
            return NoteResult(NoteOutcome.TOO_LONG, len(note))
        saved = await self.repo.insight.set_feedback_note(user_id, question_id, note)
        return NoteResult(NoteOutcome.SAVED if saved else NoteOutcome.NO_REPORT, len(note))

    async def has_reported(self, user_id: int, question_id: str) -> bool:
        """Whether to offer the 纠错 button again (it is offered once per person and question)."""
        return await self.repo.insight.feedback_of(user_id, question_id) is not None

    async def feedback(self, bank_id: str | None = None) -> list[FeedbackGroup]:
        """Reports for operators, grouped by question, the newest report's group first."""
        ids = None if bank_id is None else {q.id for q in self.questions_of(bank_id)}
        reports = await self.repo.insight.all_feedback(ids)
        return group_feedback(reports, self.catalog.questions)

    # --- the 纠错 buttons: every press checked against the person and their answer -----------

    async def _answered(
        self, origin: Pressed, answer: AnswerRef
    ) -> tuple[str, Question, str | None] | FeedbackRefusal:
        """(language, question, version answered) when ``origin``'s person gave ``answer``."""
        if not origin.own_private_chat:
            return FeedbackRefusal.NOT_YOURS
        user = await self.repo.people.get_user(origin.user_id)
        if user is None:
            return FeedbackRefusal.START
        found = await self.repo.insight.answer_of(origin.user_id, answer)
        if found is None:
            return FeedbackRefusal.NOT_ANSWERED
        question = self.catalog.questions.get(found[0])
        if question is None:
            return FeedbackRefusal.UNKNOWN_QUESTION
        return user.language, question, found[1]

    async def start_report(
        self, origin: Pressed, answer: AnswerRef
    ) -> ReportStart | FeedbackRefusal:
        """纠错 pressed (or its link opened): whether to show the reasons."""
        found = await self._answered(origin, answer)
        if isinstance(found, FeedbackRefusal):
            return found
        language, question, _ = found
        if await self.has_reported(origin.user_id, question.id):
            return FeedbackRefusal.ALREADY
        return ReportStart(answer, question, language)

    async def report(
        self, origin: Pressed, answer: AnswerRef, reason: Reason, now: datetime
    ) -> Reported | FeedbackRefusal:
        """A reason pressed: the report, with the version the person answered."""
        found = await self._answered(origin, answer)
        if isinstance(found, FeedbackRefusal):
            return found
        language, question, version = found
        outcome = await self.report_problem(
            origin.user_id, question.id, reason, now, origin=answer.origin, version=version
        )
        if outcome is not ReportOutcome.RECORDED:
            return FeedbackRefusal.ALREADY
        return Reported(question, reason, language)

    async def skip_note(self, origin: Pressed, question_id: str) -> bool | FeedbackRefusal:
        """ "Skip" under a recorded report: close the note's prompt (False: none was open)."""
        if not origin.own_private_chat:
            return FeedbackRefusal.NOT_YOURS
        if await self.repo.people.get_user(origin.user_id) is None:
            return FeedbackRefusal.START
        closed = await self.repo.prompts.withdraw(
            origin.chat_id, origin.user_id, FEEDBACK_PROMPT, question_id
        )
        return closed > 0


async def question_summaries(
    repo: Repository,
    catalog: Catalog,
    question_ids: Collection[str],
    session_ids: Collection[int],
    *,
    first_only: bool = True,
) -> dict[str, QuestionSummary]:
    """Accuracy and the most chosen wrong option per question, over some quiz sessions: the
    editors' figures (``bot.domain.insight.summarize``) for the campaign report's questions
    sheet, where ``session_ids`` are the campaign's attempts.

    ``first_only`` counts each person's first answer to a question among those sessions, as
    the editors' report does; otherwise every attempt's answer. Every id in ``question_ids``
    gets an entry, in that order (zeros when nobody answered it).
    """
    ids = list(dict.fromkeys(question_ids))
    answers = await repo.insight.session_answers(ids, session_ids, first_only=first_only)
    questions = {qid: q for qid in ids if (q := catalog.questions.get(qid)) is not None}
    return summarize(ids, questions, answers)
