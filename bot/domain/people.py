"""A person as the bot remembers them, and what their progress pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.quiz import Streak


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    language: str
    show_name: bool
    display_name: str | None
    points: int
    answered: int
    correct: int
    streak_current: int
    streak_best: int
    streak_last_day: date | None
    created_at: datetime
    timezone: str | None = None  # set with /timezone (kept with the lesson subscription)
    forget_prompt: int | None = None  # the pending /forget confirmation message

    @property
    def streak(self) -> Streak:
        return Streak(self.streak_current, self.streak_best, self.streak_last_day)


@dataclass(frozen=True, slots=True)
class TopicStat:
    topic: str
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class RankedUser:
    rank: int
    user_id: int
    points: int
    display_name: str | None  # None unless the person opted in
