"""Private quizzes: spaced repetition, question choice, grading, scoring and streaks.

Pure functions only. Dates are parameters and randomness comes from an injected
``random.Random``, so every behaviour here is reproducible in a test.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.domain.content import Question

MAX_BOX = 5
"""Highest Leitner box; box 0 means "never seen"."""

INTERVALS: Mapping[int, int] = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}
"""Days until the next review, per Leitner box: doubling keeps known cards out of the way."""

POINTS_PER_DIFFICULTY = 10

Grade = Literal["excellent", "good", "fair", "keep_going"]
"""Template keys for the end-of-quiz message."""

FILLED = "▓"
EMPTY = "░"


# --------------------------------------------------------------------------- Leitner boxes


@dataclass(frozen=True, slots=True)
class CardState:
    """What we remember about one user and one question, enough to schedule its next review."""

    box: int
    due: date
    seen: int
    wrong: int
    last_correct: bool | None

    def __post_init__(self) -> None:
        if not 0 <= self.box <= MAX_BOX:
            raise ValueError(f"box must be in 0..{MAX_BOX}, got {self.box}")
        if self.seen < 0 or not 0 <= self.wrong <= self.seen:
            raise ValueError(f"need 0 <= wrong <= seen, got wrong={self.wrong} seen={self.seen}")

    @property
    def is_new(self) -> bool:
        """Never answered: box 0 (a stored state may exist before the first answer)."""
        return self.box == 0 or self.seen == 0

    def is_due(self, today: date) -> bool:
        return self.due <= today


def review(state: CardState | None, correct: bool, today: date) -> CardState:
    """The card after one answer: up one box when right, back to box 1 when wrong.

    A wrong answer restarts the card at the shortest interval instead of box 0, because box 0
    is reserved for "never seen" and the question must come back tomorrow.
    """
    box = 0 if state is None else state.box
    seen = 0 if state is None else state.seen
    wrong = 0 if state is None else state.wrong
    new_box = min(box + 1, MAX_BOX) if correct else 1
    return CardState(
        box=new_box,
        due=today + timedelta(days=INTERVALS[new_box]),
        seen=seen + 1,
        wrong=wrong if correct else wrong + 1,
        last_correct=correct,
    )


# --------------------------------------------------------------------------- question choice


def select_questions(
    pool: Sequence[Question],
    cards: Mapping[str, CardState],
    n: int,
    today: date,
    rng: random.Random,
) -> list[str]:
    """Pick ``n`` question ids, most useful first, at most one per ``group``.

    Tiers, in order:

    1. due for review (``due <= today``) and answered wrong last time;
    2. never seen (no card, or a card in box 0);
    3. everything else, by due date, then box (weakest first).

    Within a tier the order is random (tier 3: random only among equal ``(due, box)``); a group
    takes one place in its tier's shuffle, so a fact asked three ways is not drawn three times
    as often. A group's first question in this order stands for it; the others are left out,
    even when that leaves fewer than ``n``. Duplicate ids in ``pool`` count once; ``n`` beyond
    the pool returns the whole pool. The result depends only on the arguments, so a seeded
    ``rng`` reproduces it.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    groups = _groups(pool)
    ids = list(groups)
    wrong_due: list[str] = []
    unseen: list[str] = []
    rest: list[str] = []
    for qid in ids:
        card = cards.get(qid)
        if card is None or card.is_new:
            unseen.append(qid)
        elif card.last_correct is False and card.is_due(today):
            wrong_due.append(qid)
        else:
            rest.append(qid)
    wrong_due = _shuffle_by_group(wrong_due, groups, rng)
    unseen = _shuffle_by_group(unseen, groups, rng)
    rest = _shuffle_by_group(rest, groups, rng)
    # sort is stable: the shuffle above is the tie-break among equal (due, box).
    rest.sort(key=lambda qid: (cards[qid].due, cards[qid].box))
    return _one_per_group(wrong_due + unseen + rest, groups)[:n]


def draw_questions(pool: Sequence[Question], n: int, rng: random.Random) -> list[str]:
    """``n`` question ids in random order, at most one per ``group`` (group quiz events).

    Without groups this is exactly ``rng.shuffle`` of the distinct ids, cut to ``n``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    groups = _groups(pool)
    return _one_per_group(_shuffle_by_group(list(groups), groups, rng), groups)[:n]


def _groups(pool: Sequence[Question]) -> dict[str, str | None]:
    """Distinct ids in pool order, each with its group (None: a group of its own)."""
    groups: dict[str, str | None] = {}
    for question in pool:
        groups.setdefault(question.id, question.group)
    return groups


def _shuffle_by_group(
    ids: list[str], groups: Mapping[str, str | None], rng: random.Random
) -> list[str]:
    """A random order in which each group's members sit together, in random order.

    Each group is one unit of the shuffle. Ungrouped ids are units of one, so without groups
    this consumes ``rng`` exactly like ``rng.shuffle(ids)``.
    """
    units: list[list[str]] = []
    index: dict[str, int] = {}
    for qid in ids:
        group = groups.get(qid)
        if group is None:
            units.append([qid])
        elif group in index:
            units[index[group]].append(qid)
        else:
            index[group] = len(units)
            units.append([qid])
    rng.shuffle(units)
    for unit in units:
        if len(unit) > 1:
            rng.shuffle(unit)
    return [qid for unit in units for qid in unit]


def _one_per_group(ordered: list[str], groups: Mapping[str, str | None]) -> list[str]:
    taken: set[str] = set()
    kept: list[str] = []
    for qid in ordered:
        group = groups.get(qid)
        if group is not None:
            if group in taken:
                continue
            taken.add(group)
        kept.append(qid)
    return kept


def shuffle_options(n_options: int, rng: random.Random) -> tuple[int, ...]:
    """A random display order: ``order[display_position] == bank_option_index``.

    Shuffling stops people memorising "it's always B"; storing the order lets us grade later.
    Use :func:`option_order` for a question: some questions keep their order.
    """
    if n_options < 1:
        raise ValueError(f"n_options must be >= 1, got {n_options}")
    order = list(range(n_options))
    rng.shuffle(order)
    return tuple(order)


def option_order(question: Question, rng: random.Random) -> tuple[int, ...]:
    """The display order of ``question``'s options: shuffled, except where order carries meaning.

    True/false always reads 对 then 错, and a "genuine or scam?" item 真的（正规） then 诈骗
    (``Question.fixed_order``); ``rng`` is not used for them.
    """
    if question.fixed_order:
        return tuple(range(len(question.options)))
    return shuffle_options(len(question.options), rng)


def to_bank_indices(order: Sequence[int], displayed_positions: Iterable[int]) -> frozenset[int]:
    """Translate what the user tapped (display positions) back to the bank's option indices."""
    chosen: set[int] = set()
    for position in displayed_positions:
        if not 0 <= position < len(order):
            raise ValueError(f"display position {position} out of range 0..{len(order) - 1}")
        chosen.add(order[position])
    return frozenset(chosen)


# --------------------------------------------------------------------------- grading and scoring


def grade_answer(question: Question, chosen_bank_indices: frozenset[int]) -> bool:
    """Exact set match: a multiple-answer question needs every correct option and no other.

    An empty choice is never correct, even for malformed content without a correct option.
    """
    return bool(chosen_bank_indices) and question.is_correct(chosen_bank_indices)


def points_for(question: Question, correct: bool) -> int:
    """Harder questions are worth more, so a quick run of easy ones cannot top the chart."""
    return POINTS_PER_DIFFICULTY * question.difficulty if correct else 0


@dataclass(frozen=True, slots=True)
class QuizResult:
    """The totals shown at the end of a private quiz."""

    answered: int
    correct: int
    points: int
    elapsed: timedelta

    def __post_init__(self) -> None:
        if not 0 <= self.correct <= self.answered:
            raise ValueError(f"need 0 <= correct <= answered, got {self.correct}/{self.answered}")
        if self.points < 0:
            raise ValueError(f"points must be >= 0, got {self.points}")
        if self.elapsed < timedelta(0):
            raise ValueError(f"elapsed must be >= 0, got {self.elapsed}")

    @property
    def accuracy(self) -> float:
        """Share of answered questions that were right; 0.0 when nothing was answered."""
        return self.correct / self.answered if self.answered else 0.0

    @property
    def grade_key(self) -> Grade:
        """Shortcut for ``grade(self.accuracy)``."""
        return grade(self.accuracy)


def grade(accuracy: float) -> Grade:
    """Template key for an accuracy in [0, 1]: 0.9, 0.7 and 0.5 are inclusive lower bounds."""
    if not 0.0 <= accuracy <= 1.0:  # also rejects NaN
        raise ValueError(f"accuracy must be in [0, 1], got {accuracy}")
    if accuracy >= 0.9:
        return "excellent"
    if accuracy >= 0.7:
        return "good"
    if accuracy >= 0.5:
        return "fair"
    return "keep_going"


def progress_bar(position: int, total: int, width: int = 10) -> str:
    """``position`` answered out of ``total`` as ``width`` cells, e.g. ``▓▓▓░░░░░░░``.

    Filled cells = floor(position * width / total), computed in integers: the bar never
    claims more progress than made, and it is full exactly when every question is answered.
    """
    if total < 1:
        raise ValueError(f"total must be >= 1, got {total}")
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    if not 0 <= position <= total:
        raise ValueError(f"position must be in 0..{total}, got {position}")
    filled = position * width // total
    return FILLED * filled + EMPTY * (width - filled)


# --------------------------------------------------------------------------- streaks


@dataclass(frozen=True, slots=True)
class Streak:
    """Consecutive days with at least one quiz; ``last_day`` is the user's local day."""

    current: int = 0
    best: int = 0
    last_day: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.current <= self.best:
            raise ValueError(f"need 0 <= current <= best, got {self.current}/{self.best}")


def record_activity(streak: Streak, day: date) -> Streak:
    """The streak after activity on ``day``.

    Same day: unchanged; the next day: +1; after a gap: back to 1. A day before ``last_day``
    (the user moved west across time zones) changes nothing rather than rewriting history.
    """
    last = streak.last_day
    if last is not None and day <= last:
        return streak
    current = streak.current + 1 if last is not None and day - last == timedelta(days=1) else 1
    return Streak(current=current, best=max(streak.best, current), last_day=day)


def current_streak(streak: Streak, today: date) -> int:
    """The streak to display: still alive until the end of the day after ``last_day``."""
    if streak.last_day is None or streak.last_day < today - timedelta(days=1):
        return 0
    return streak.current


# ------------------------------------------------------------------------- what an answer teaches


@dataclass(frozen=True, slots=True)
class Learned:
    """What one answered question changes for a person, whatever asked it (a quiz, a lesson's
    check, a campaign attempt): the question's card, the topic totals, points and the streak."""

    user_id: int
    question_id: str
    topic: str
    correct: bool
    points: int
    card: CardState
    streak: Streak


def learn(
    user_id: int,
    question: Question,
    correct: bool,
    points: int,
    card: CardState | None,
    streak: Streak,
    today: date,
) -> Learned:
    """The one place the rules of learning are applied to an answer."""
    return Learned(
        user_id=user_id,
        question_id=question.id,
        topic=question.topic,
        correct=correct,
        points=points,
        card=review(card, correct, today),
        streak=record_activity(streak, today),
    )


def question_version(question: Question) -> str:
    """A short fingerprint of what an answer to ``question`` means: its options and key.

    Answers are counted per version, because editors may reword or reorder options. The
    Chinese text is the authoritative one: fixing an English translation, the explanation or
    the source keeps the version, so the choices stay comparable.
    """
    shape = [question.type.value] + [
        [option.text.zh, option.correct] for option in question.options
    ]
    digest = hashlib.blake2s(json.dumps(shape, ensure_ascii=False).encode(), digest_size=5)
    return digest.hexdigest()
