"""Group quiz events run with native quiz polls: scoring, message budget, leaderboard, summary.

Pure functions only: the caller passes times in; nothing here reads a clock or talks to Telegram.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Literal, NamedTuple

from bot.domain.limits import GROUP_MESSAGES_PER_MINUTE

# --------------------------------------------------------------------------- argument ranges

MIN_QUESTIONS = 1
MAX_QUESTIONS = 50
MIN_SECONDS = 10
"""Telegram allows ``open_period`` from 5 s; under 10 s people cannot read a Chinese question."""
MAX_SECONDS = 300
MAX_PAUSE = 60

ArgsError = Literal["questions_out_of_range", "seconds_out_of_range"]
BudgetReason = Literal["too_fast", "limit_too_low"]

# --------------------------------------------------------------------------- message plan
# Every send *and every edit* counts toward the ~20 messages/minute group limit; we assume
# the worst (edits count) so a running event never meets a 429 in the middle of a question.

LOBBY_EDITS = 1
"""The lobby message is edited to "started" (join button removed)."""
COUNTDOWN_MESSAGES = 3
"""One "3" message, then edits to "2" and "1", one per second."""
LEADERBOARD_MESSAGES = 1
"""The live leaderboard: the countdown message becomes it (one edit), then only edited."""
PER_QUESTION_MESSAGES = 3
"""Quiz poll + one result message (explanation, source, top 5) + one leaderboard edit."""
CLOSING_MESSAGES = 2
"""Podium message + results picture."""
FIXED_MESSAGES = LOBBY_EDITS + COUNTDOWN_MESSAGES + LEADERBOARD_MESSAGES + CLOSING_MESSAGES
WINDOW_SECONDS = 60


def event_points(
    correct: bool,
    elapsed: float,
    open_period: float,
    *,
    base: int = 1000,
    speed_bonus: bool = True,
) -> int:
    """Kahoot-style points for one answer.

    Wrong or late (``elapsed > open_period``) scores 0. Without the speed bonus a right
    answer scores ``base``. With it, ``base * (1 - elapsed / open_period / 2)`` rounded half
    up: an instant answer gets ``base`` and one exactly at the deadline gets half (``base``
    odd: half rounded up). Negative ``elapsed`` (clock skew) counts as instant. Exact
    arithmetic keeps the result identical on every platform.
    """
    if not math.isfinite(open_period) or open_period <= 0:
        raise ValueError(f"open_period must be > 0, got {open_period}")
    if math.isnan(elapsed):
        raise ValueError("elapsed must be a number")
    if base < 0:
        raise ValueError(f"base must be >= 0, got {base}")
    if not correct or elapsed > open_period:
        return 0
    if not speed_bonus:
        return base
    share = Fraction(max(elapsed, 0.0)) / Fraction(open_period)
    return math.floor(base * (1 - share / 2) + Fraction(1, 2))


def elapsed_seconds(answered_at: datetime, opened_at: datetime) -> float:
    """Seconds from poll open to answer, never negative (server clocks may disagree)."""
    return max((answered_at - opened_at).total_seconds(), 0.0)


def is_late(
    answered_at: datetime,
    opened_at: datetime,
    open_period: int,
    closes_at: datetime | None = None,
) -> bool:
    """An answer after the poll's ``open_period`` — or after ``closes_at``, when the question
    was closed early (/event_next, /event_stop); exactly at the deadline still counts."""
    if closes_at is not None and answered_at > closes_at:
        return True
    return answered_at - opened_at > timedelta(seconds=open_period)


def event_args_error(questions: int, seconds: int) -> ArgsError | None:
    """A reason code for out-of-range command arguments (a template key), or None."""
    if not MIN_QUESTIONS <= questions <= MAX_QUESTIONS:
        return "questions_out_of_range"
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return "seconds_out_of_range"
    return None


@dataclass(frozen=True, slots=True)
class EventPlan:
    """How many messages an event sends and how densely.

    ``send_times`` are seconds from the start (lobby close) of every send or edit, assuming
    each poll opens right after the previous one closed plus ``pause_between``.
    """

    questions: int
    seconds: int
    pause_between: int
    countdown_messages: int
    fixed_messages: int
    per_question_messages: int
    total_messages: int
    duration_seconds: int
    peak_per_minute: int
    send_times: tuple[int, ...]


def _send_times(
    questions: int, seconds: int, pause_between: int, scenarios: Collection[int] = ()
) -> list[int]:
    times = [0] * LOBBY_EDITS + list(range(COUNTDOWN_MESSAGES))
    first_poll = COUNTDOWN_MESSAGES  # the poll replaces the countdown's last second
    times += [first_poll] * LEADERBOARD_MESSAGES
    close = first_poll
    for i in range(questions):
        opened = first_poll + i * (seconds + pause_between)
        close = opened + seconds
        if i in scenarios:
            times.append(opened)  # the scenario message sent right before the poll
        times.append(opened)  # the poll
        times += [close] * (PER_QUESTION_MESSAGES - 1)  # result message + leaderboard edit
    times += [close + pause_between] * CLOSING_MESSAGES
    return times


def _peak(times: Sequence[int], window: int) -> int:
    """Most sends in any closed window ``[t, t + window]`` (closed: conservative)."""
    ordered = sorted(times)
    best = 0
    lo = 0
    for hi, t in enumerate(ordered):
        while ordered[lo] < t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def plan_messages(
    questions: int,
    seconds: int,
    *,
    pause_between: int = 5,
    scenario_positions: Collection[int] = (),
) -> EventPlan:
    """The message plan of an event; raises ValueError on out-of-range arguments.

    ``scenario_positions`` are the question indexes whose scenario is too long for the poll
    and goes out as its own message right before it: one more send each.
    """
    error = event_args_error(questions, seconds)
    if error is not None:
        raise ValueError(f"{error}: questions={questions} seconds={seconds}")
    if not 0 <= pause_between <= MAX_PAUSE:
        raise ValueError(f"pause_between must be in 0..{MAX_PAUSE}, got {pause_between}")
    times = _send_times(questions, seconds, pause_between, scenario_positions)
    return EventPlan(
        questions=questions,
        seconds=seconds,
        pause_between=pause_between,
        countdown_messages=COUNTDOWN_MESSAGES,
        fixed_messages=FIXED_MESSAGES,
        per_question_messages=PER_QUESTION_MESSAGES,
        total_messages=len(times),
        duration_seconds=max(times),
        peak_per_minute=_peak(times, WINDOW_SECONDS),
        send_times=tuple(times),
    )


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """Whether an event fits the group rate limit, and what would.

    ``min_seconds`` is the smallest seconds-per-question from which every longer setting up to
    ``MAX_SECONDS`` fits (same questions and pause); None when even ``MAX_SECONDS`` does not.
    """

    ok: bool
    reason: BudgetReason | None
    peak_per_minute: int
    min_seconds: int | None


def check_budget(
    questions: int,
    seconds: int,
    limit_per_minute: int = GROUP_MESSAGES_PER_MINUTE,
    *,
    pause_between: int = 5,
    scenario_positions: Collection[int] = (),
) -> BudgetCheck:
    """Check an event against the per-group limit before it starts, never half-way through.

    Raises ValueError on out-of-range arguments: call ``event_args_error`` first to get a
    reason code for the user.
    """
    if limit_per_minute < 1:
        raise ValueError(f"limit_per_minute must be >= 1, got {limit_per_minute}")
    scenarios = frozenset(scenario_positions)
    peak = plan_messages(
        questions, seconds, pause_between=pause_between, scenario_positions=scenarios
    ).peak_per_minute
    min_seconds: int | None = None
    for candidate in range(MAX_SECONDS, MIN_SECONDS - 1, -1):
        plan = plan_messages(
            questions, candidate, pause_between=pause_between, scenario_positions=scenarios
        )
        if plan.peak_per_minute > limit_per_minute:
            break
        min_seconds = candidate
    ok = peak <= limit_per_minute
    reason: BudgetReason | None = None
    if not ok:
        reason = "too_fast" if min_seconds is not None else "limit_too_low"
    return BudgetCheck(ok=ok, reason=reason, peak_per_minute=peak, min_seconds=min_seconds)


# --------------------------------------------------------------------------- leaderboard


class Standing(NamedTuple):
    """One leaderboard row; a plain ``(rank, user_id, points)`` tuple."""

    rank: int
    user_id: int
    points: int


def leaderboard(
    scores: Mapping[int, int],
    times: Mapping[int, float] | None = None,
    *,
    limit: int | None = None,
) -> list[Standing]:
    """Rows sorted by points (desc), then total answer time (asc), then user id (asc).

    Ranks use competition ranking ("1224"): equal points share a rank, whatever their times;
    time and id only fix the display order. A user missing from ``times`` sorts as slowest.
    ``limit`` keeps the first ``limit`` rows.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    spent = times or {}
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], spent.get(kv[0], math.inf), kv[0]))
    rows: list[Standing] = []
    for position, (user_id, points) in enumerate(ordered, start=1):
        rank = rows[-1].rank if rows and rows[-1].points == points else position
        rows.append(Standing(rank, user_id, points))
    return rows if limit is None else rows[:limit]


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True, slots=True)
class EventAnswer:
    """One user's first answer to one event question (storage keeps only the first)."""

    user_id: int
    question_index: int
    correct: bool
    points: int
    elapsed: float

    def __post_init__(self) -> None:
        if self.question_index < 0:
            raise ValueError(f"question_index must be >= 0, got {self.question_index}")
        if self.points < 0:
            raise ValueError(f"points must be >= 0, got {self.points}")
        if not self.elapsed >= 0:  # also rejects NaN
            raise ValueError(f"elapsed must be >= 0, got {self.elapsed}")


@dataclass(frozen=True, slots=True)
class EventSummary:
    """The results report of an event.

    Accuracies are over answers given: a question nobody answered has accuracy None and cannot
    be the hardest; ``average_accuracy`` is all correct answers / all answers (0.0 if none).
    ``podium`` is every standing with rank <= 3, so ties may put more than three people on it.
    """

    question_ids: tuple[str, ...]
    participants: int
    answers: int
    average_accuracy: float
    question_accuracy: tuple[float | None, ...]
    hardest_index: int | None
    standings: tuple[Standing, ...]
    podium: tuple[Standing, ...]

    @property
    def hardest_question(self) -> str | None:
        return None if self.hardest_index is None else self.question_ids[self.hardest_index]


PODIUM_RANKS = 3


def summarize(answers: Sequence[EventAnswer], questions: Sequence[str]) -> EventSummary:
    """Totals, per-question accuracy, hardest question (lowest accuracy; ties: first) and podium.

    Raises ValueError for an answer to an unknown question index or a second answer by the same
    user to the same question: storage guarantees neither happens, so either is a bug.
    """
    n = len(questions)
    answered = [0] * n
    right = [0] * n
    scores: dict[int, int] = {}
    spent: dict[int, float] = {}
    seen: set[tuple[int, int]] = set()
    for answer in answers:
        if answer.question_index >= n:
            raise ValueError(f"question_index {answer.question_index} out of range 0..{n - 1}")
        key = (answer.user_id, answer.question_index)
        if key in seen:
            raise ValueError(f"duplicate answer by user {key[0]} to question {key[1]}")
        seen.add(key)
        answered[answer.question_index] += 1
        right[answer.question_index] += answer.correct
        scores[answer.user_id] = scores.get(answer.user_id, 0) + answer.points
        spent[answer.user_id] = spent.get(answer.user_id, 0.0) + answer.elapsed
    accuracy = tuple(r / a if a else None for r, a in zip(right, answered, strict=True))
    hardest: int | None = None
    for index, value in enumerate(accuracy):
        if value is None:
            continue
        current = None if hardest is None else accuracy[hardest]
        if current is None or value < current:
            hardest = index
    total = sum(answered)
    standings = tuple(leaderboard(scores, spent))
    return EventSummary(
        question_ids=tuple(questions),
        participants=len(scores),
        answers=total,
        average_accuracy=sum(right) / total if total else 0.0,
        question_accuracy=accuracy,
        hardest_index=hardest,
        standings=standings,
        podium=tuple(row for row in standings if row.rank <= PODIUM_RANKS),
    )


# --------------------------------------------------------------------------- stored state


class EventStatus(StrEnum):
    LOBBY = "lobby"
    COUNTDOWN = "countdown"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"
    CANCELLED = "cancelled"

    @property
    def is_live(self) -> bool:
        return self in LIVE_STATUSES

    @property
    def is_started(self) -> bool:
        """Past the lobby: questions run (or ran)."""
        return self in (EventStatus.COUNTDOWN, EventStatus.RUNNING, EventStatus.PAUSED)


LIVE_STATUSES = frozenset(
    {EventStatus.LOBBY, EventStatus.COUNTDOWN, EventStatus.RUNNING, EventStatus.PAUSED}
)
ENDED_STATUSES = frozenset({EventStatus.FINISHED, EventStatus.STOPPED})
"""Events that have results (a cancelled lobby has none)."""

COUNTDOWN_SECONDS = COUNTDOWN_MESSAGES
"""3, 2, 1: one number per second, then the first poll."""


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    chat_id: int
    host_id: int
    bank_id: str
    language: str
    question_count: int
    seconds: int
    pause_between: int
    speed_bonus: bool
    status: EventStatus
    next_at: datetime | None  # when the next question opens (or the countdown ends)
    lobby_message_id: int | None
    lobby_edited_at: datetime | None
    countdown_message_id: int | None
    board_message_id: int | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventQuestion:
    """One question of an event; ``option_order[display position] == bank option index``."""

    event_id: int
    position: int
    question_id: str
    option_order: tuple[int, ...]
    scenario_message: bool
    poll_id: str | None
    poll_message_id: int | None
    opened_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None


@dataclass(frozen=True, slots=True)
class Participant:
    user_id: int
    display_name: str
    joined_at: datetime


POLL_PREFIX_ROOM = 16
"""Characters kept free in a poll question for its number, e.g. ``【10/50】``."""


def scenario_fits_poll(scenario_len: int, text_len: int, limit: int = 300) -> bool:
    """Whether a scenario can go inside the poll question (saving a message) or needs its own.

    Lengths are in Telegram's units (UTF-16); two line feeds separate scenario and question.
    """
    return scenario_len + 2 + text_len + POLL_PREFIX_ROOM <= limit


def wait_before_skip(opened_at: datetime, now: datetime, min_seconds: int) -> int:
    """Seconds still to wait before ``/event_next`` may close a poll early (0: now).

    Skipping faster than the shortest budget-safe question length could break the group's
    message budget, so a question stays open at least ``min_seconds``.
    """
    left = min_seconds - (now - opened_at).total_seconds()
    return max(math.ceil(left), 0)


# --------------------------------------------------------------------------- set-up by buttons
# ``/event_new`` without arguments: a bank, then how many questions, then seconds per question.
# Only settings that fit the group's message budget are offered.

SETUP_QUESTIONS = (5, 10, 15, 20)
SETUP_SECONDS = (10, 15, 20, 30, 45, 60)
SETUP_MINUTES = 30
"""A set-up left half-way is dropped after this long: a press on it then changes nothing."""


class SetupStep(StrEnum):
    BANK = "bank"
    QUESTIONS = "questions"
    SECONDS = "seconds"


@dataclass(frozen=True, slots=True)
class EventSetup:
    """A ``/event_new`` in progress, tied to the one message that shows its buttons."""

    chat_id: int
    message_id: int
    host_id: int
    step: SetupStep
    bank_id: str | None
    questions: int | None
    created_at: datetime

    def expired(self, now: datetime) -> bool:
        return now - self.created_at > timedelta(minutes=SETUP_MINUTES)


def fits_budget(
    questions: int,
    seconds: int,
    long_scenarios: int,
    *,
    pause_between: int = 5,
    limit_per_minute: int = GROUP_MESSAGES_PER_MINUTE,
) -> bool:
    """Whether an event fits the budget wherever its ``long_scenarios`` questions are drawn.

    A scenario too long for its poll is one more message; placed next to each other they make
    the densest minute, so every run of ``k`` neighbouring positions is tried.
    """
    k = min(long_scenarios, questions)
    return all(
        plan_messages(
            questions, seconds, pause_between=pause_between, scenario_positions=range(i, i + k)
        ).peak_per_minute
        <= limit_per_minute
        for i in range(questions - k + 1)
    )


def seconds_choices(
    questions: int, long_scenarios: int, *, pause_between: int = 5
) -> tuple[int, ...]:
    """The seconds per question the set-up offers for ``questions`` questions."""
    return tuple(
        s
        for s in SETUP_SECONDS
        if fits_budget(questions, s, long_scenarios, pause_between=pause_between)
    )


def question_choices(
    available: int, long_scenarios: int, *, pause_between: int = 5
) -> tuple[int, ...]:
    """The question counts the set-up offers: the usual ones the bank can fill (or all it has,
    when that is fewer), each with at least one time per question that fits the budget."""
    counts = [n for n in SETUP_QUESTIONS if n <= available]
    if not counts and available >= MIN_QUESTIONS:
        counts = [min(available, MAX_QUESTIONS)]
    return tuple(
        n for n in counts if seconds_choices(n, long_scenarios, pause_between=pause_between)
    )
