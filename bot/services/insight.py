"""Editors' insight: item analysis over stored answers, and reports of a problem ("纠错").

No Telegram types here. Phase 2 handlers call :class:`InsightService`; the CLI reports and the
campaign report use it too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from bot.domain.content import Catalog, Question
from bot.domain.insight import (
    DEFAULT_THRESHOLDS,
    NOTE_LIMIT,
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
from bot.services.content import ContentStore
from bot.storage.repository import Repository


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


class InsightService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        timezone: tzinfo,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.repo = repo
        self.content = content
        self.timezone = timezone
        self.thresholds = thresholds

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

    async def question_stats(self, question_id: str) -> ItemStats | None:
        """One question's figures (``/question_stats ID``); None when it is not in the content."""
        question = self.catalog.questions.get(question_id)
        if question is None:
            return None
        (stats,) = await self._analyse((question,))
        return stats

    async def question_summaries(
        self,
        question_ids: Collection[str],
        session_ids: Collection[int],
        *,
        first_only: bool = True,
    ) -> dict[str, QuestionSummary]:
        """Accuracy and the most chosen wrong option per question, over some quiz sessions.

        For the campaign report's questions sheet: ``session_ids`` are the campaign's attempts
        (quiz sessions of kind ``campaign``). ``first_only`` counts each person's first answer
        to a question among those sessions; otherwise every attempt's answer. Every id in
        ``question_ids`` gets an entry (zeros when nobody answered it).
        """
        ids = list(dict.fromkeys(question_ids))
        answers = await self.repo.insight.session_answers(ids, session_ids, first_only=first_only)
        questions = {qid: q for qid in ids if (q := self.catalog.questions.get(qid)) is not None}
        return summarize(ids, questions, answers)

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
