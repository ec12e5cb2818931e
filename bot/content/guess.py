"""How far a bank can be passed without knowing anything: no-knowledge guessing strategies.

Pure functions over domain questions. Each strategy picks an option from the look of the
options alone; its score is the expected share of questions it gets right. Ties are broken at
random, so a key tied with ``t - 1`` other options counts ``1/t`` for the strategy.

Statistics count **single-choice** questions: ``type: single``, except "genuine or scam?" items,
whose two fixed options are a judgement like true/false. Lengths are the Chinese text's, in
UTF-16 code units (as Telegram counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.domain.content import Question, QuestionType
from bot.domain.limits import tg_len

RANK_LIMIT = Fraction(2, 5)
"""At most 40% of a bank's single-choice keys at any one length rank."""
TRUE_SHARE_RANGE = (Fraction(2, 5), Fraction(3, 5))
"""True/false keys are 对 in 40-60% of a bank's true/false questions."""
MIN_SAMPLE = 4
"""Bank-level rates are judged from this many questions of the kind up; fewer are noise."""

POSITIONS: tuple[str, ...] = ("longest", "second", "third", "shortest")
"""The length ranks judged: the first three from the top, and the last."""


def is_single_choice(question: Question) -> bool:
    return question.type is QuestionType.SINGLE and not question.asks_verdict


def is_scenario(question: Question) -> bool:
    return question.scenario is not None or question.scene is not None


def _lengths(question: Question) -> list[int]:
    return [tg_len(option.text.zh) for option in question.options]


def _position_chance(question: Question, key: int, position: int) -> Fraction:
    """Chance that option ``key`` sits at 1-based ``position`` when sorted longest first."""
    lengths = _lengths(question)
    longer = sum(length > lengths[key] for length in lengths)
    tied = sum(length == lengths[key] for length in lengths)
    return Fraction(1, tied) if longer < position <= longer + tied else Fraction(0)


def key_position_chances(question: Question) -> dict[str, Fraction]:
    """For a single-choice question: the chance its key is the longest, second, … shortest."""
    [key] = question.correct_indices
    count = len(question.options)
    at = {"longest": 1, "second": 2, "third": 3, "shortest": count}
    return {
        name: _position_chance(question, key, place) if place <= count else Fraction(0)
        for name, place in at.items()
    }


@dataclass(frozen=True, slots=True)
class Rate:
    """An expected score over ``total`` questions (``hits`` may be fractional: ties)."""

    hits: Fraction
    total: int

    @property
    def share(self) -> float:
        return float(self.hits / self.total) if self.total else 0.0

    def over(self, limit: Fraction) -> bool:
        return self.total >= MIN_SAMPLE and self.hits > limit * self.total

    def __str__(self) -> str:
        return f"{self.share:.0%}" if self.total else "–"


def position_rates(questions: Iterable[Question]) -> dict[str, Rate]:
    """What "always pick the longest / second / third / shortest option" scores."""
    chosen = [q for q in questions if is_single_choice(q)]
    totals = dict.fromkeys(POSITIONS, Fraction(0))
    for question in chosen:
        for name, chance in key_position_chances(question).items():
            totals[name] += chance
    return {name: Rate(hits, len(chosen)) for name, hits in totals.items()}


def true_share(questions: Iterable[Question]) -> Rate:
    """The share of true/false questions whose key is 对 (the first option)."""
    chosen = [q for q in questions if q.type is QuestionType.TRUE_FALSE]
    hits = sum(q.correct_indices == frozenset({0}) for q in chosen)
    return Rate(Fraction(hits), len(chosen))


def describe_position(name: str) -> str:
    return {
        "longest": "the longest option",
        "second": "the second-longest option",
        "third": "the third-longest option",
        "shortest": "the shortest option",
    }[name]


def bank_findings(bank_id: str, questions: Sequence[Question]) -> list[str]:
    """Bank-level content-quality warnings: key length ranks, true/false balance."""
    found: list[str] = []
    for name, rate in position_rates(questions).items():
        if rate.over(RANK_LIMIT):
            found.append(
                f"bank '{bank_id}': the key is {describe_position(name)} in {rate} of "
                f"{rate.total} single-choice questions; keep each length rank at most "
                f"{float(RANK_LIMIT):.0%}"
            )
    true = true_share(questions)
    low, high = TRUE_SHARE_RANGE
    if true.total >= MIN_SAMPLE and not low * true.total <= true.hits <= high * true.total:
        found.append(
            f"bank '{bank_id}': 对 is the key of {true.hits} of {true.total} true/false "
            f"questions ({true}); keep it between {float(low):.0%} and {float(high):.0%}"
        )
    return found
