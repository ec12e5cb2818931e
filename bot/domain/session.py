"""A private quiz in progress, as stored: the question order is fixed when it starts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class SessionKind(StrEnum):
    QUIZ = "quiz"
    RETRY = "retry"  # only the questions missed in an earlier quiz
    CAMPAIGN = "campaign"  # a timed campaign attempt (bot.domain.campaigns)


@dataclass(frozen=True, slots=True)
class QuizSession:
    id: int
    user_id: int
    bank_id: str
    kind: SessionKind
    question_ids: tuple[str, ...]
    option_orders: tuple[tuple[int, ...], ...]  # per question: display position -> bank index
    position: int  # index of the next question to answer
    message_id: int | None  # the message that shows the current question
    points: int
    correct: int
    started_at: datetime
    finished_at: datetime | None = None
    abandoned_at: datetime | None = None
    shown_at: datetime | None = None  # when the current question was sent
    deadline: datetime | None = None  # a timed attempt: no answer counts after it
    picture_position: int | None = None  # the question whose scene picture was sent last
    picture_message_id: int | None = None  # and the photo message that shows it

    @property
    def total(self) -> int:
        return len(self.question_ids)

    @property
    def is_open(self) -> bool:
        return self.finished_at is None and self.abandoned_at is None

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def current_question_id(self) -> str | None:
        return self.question_ids[self.position] if self.position < self.total else None

    def picture_on_screen(self, pressed_on: int | None) -> bool:
        """Whether the current question's picture is the last thing sent and still waits for
        its question right below it: sent for this question, after the message that last
        showed a question, and after the message whose button asked to show it.

        ``pressed_on`` is None for a command or a start without a button: the question is
        shown anew, with its picture. (Message ids in a chat only grow.)
        """
        photo = self.picture_message_id
        return (
            photo is not None
            and pressed_on is not None
            and self.picture_position == self.position
            and photo > (self.message_id or 0)
            and photo > pressed_on
        )

    def elapsed(self, now: datetime) -> timedelta:
        return (self.finished_at or now) - self.started_at

    def after_answer(self, correct: bool, points: int, now: datetime) -> QuizSession:
        """The session as storage leaves it after one answer to the current question."""
        finished = self.position + 1 >= self.total
        return replace(
            self,
            position=self.position + 1,
            points=self.points + points,
            correct=self.correct + int(correct),
            finished_at=now if finished else None,
            shown_at=None,
        )


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    position: int
    question_id: str
    chosen: frozenset[int]  # bank option indices
    correct: bool
    points: int
    answered_at: datetime
