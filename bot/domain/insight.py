"""How each question performs, from each person's first answer to it; reports of mistakes.

Pure: the storage layer hands over first answers, this module counts. The figures follow
classical test theory, the way exam boards and survey tools report items:

- **accuracy** (difficulty index, *p*): the share of people whose first answer was right.
- **discrimination**: the point-biserial correlation between being right on this question
  (0/1) and the share right on the *rest* of the same bank (the corrected item-total
  correlation), over the people who answered at least ``min_rest`` other questions of that
  bank. A good question is answered right more often by people who do well on the others
  (r > 0); r < 0 means the people who know the topic best tend to get it "wrong": the key may
  be wrong. The rest score is a share, not a count, because a quiz draws a different subset of
  the bank for every person.
- **option counts** per content version: the options can be edited, so choices are only
  comparable within one version (a hash of the option texts and correct flags).
- **median time** to answer, in seconds.

Lesson checks count for the number of answers and accuracy only: they follow the lesson that
teaches the answer, so they say whether the lesson worked, not how the question discriminates.
No flag is raised below ``min_answers`` answers (discrimination: that many people in its sample;
a rarely chosen option: that many answers in the current version). A negative discrimination
also needs ``min_side`` people right and as many wrong in its sample: when one or two people
are on one side (a question nearly everyone gets right), one person decides the sign.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from bot.domain.content import Question
from bot.domain.quiz import question_version  # one version, written with every answer

NOTE_LIMIT = 500


class Origin(StrEnum):
    """Where an answer was given. Campaign attempts are quiz sessions, so they are QUIZ."""

    QUIZ = "quiz"
    EVENT = "event"
    LESSON = "lesson"


class Flag(StrEnum):
    CHECK_KEY = "check_key"  # negative discrimination
    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"
    RARE_DISTRACTOR = "rare_distractor"


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_answers: int = 30
    min_rest: int = 5
    too_easy: float = 0.95  # accuracy at or above
    too_hard: float = 0.25  # accuracy at or below
    rare: float = 0.03  # a wrong option chosen by fewer than this share
    negative: float = 0.0  # discrimination below this: check the key
    min_side: int = 5  # ... when at least this many in the sample were right, and as many wrong


DEFAULT_THRESHOLDS = Thresholds()


class FirstAnswer(NamedTuple):
    """A person's first answer to a question, wherever it was given.

    A named tuple, not a frozen dataclass: a report builds a million of them, five times faster.
    """

    user_id: int
    question_id: str
    origin: Origin
    chosen: frozenset[int]  # bank option indices
    correct: bool
    elapsed: float | None = None  # seconds; None where it was not recorded
    version: str | None = None  # None: answered before versions were recorded


@dataclass(frozen=True, slots=True)
class VersionCounts:
    version: str | None  # None: unknown (older answers)
    current: bool
    respondents: int
    chosen: tuple[int, ...]  # per bank option index: how many respondents chose it

    def share(self, index: int) -> float:
        return self.chosen[index] / self.respondents if self.respondents else 0.0


@dataclass(frozen=True, slots=True)
class ItemStats:
    question: Question
    version: str  # the current content version
    answers: int  # people, counting each person's first answer (all origins)
    correct: int
    lesson_answers: int  # of ``answers``, first answers given in a lesson check
    discrimination: float | None
    discrimination_n: int  # people in the discrimination sample
    median_seconds: float | None
    versions: tuple[VersionCounts, ...]  # the current version first, unknown last
    reports: int  # feedback reports ("纠错")
    flags: tuple[Flag, ...]
    rare_options: tuple[int, ...]  # wrong options of the current version chosen by few

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def current(self) -> VersionCounts | None:
        return next((v for v in self.versions if v.current), None)


def analyse(
    questions: Sequence[Question],
    answers: Iterable[FirstAnswer],
    reports: Mapping[str, int] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    only: Collection[str] | None = None,
) -> list[ItemStats]:
    """Statistics for ``questions`` (in their order) from first answers.

    Discrimination uses the answers to the other given questions of the same bank, so pass a
    whole bank to get it; ``only``: figures for these ids alone (the rest still count). Answers
    to questions not given are ignored; so is a second answer of a person to the same question
    (the first one given here wins).
    """
    known = {q.id: q for q in questions}
    by_question: dict[str, list[FirstAnswer]] = defaultdict(list)
    # (person, bank) -> [answered, right], for the rest scores (lesson checks excluded)
    scores: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    seen: set[tuple[int, str]] = set()
    for answer in answers:
        question = known.get(answer.question_id)
        key = (answer.user_id, answer.question_id)
        if question is None or key in seen:
            continue
        seen.add(key)
        by_question[answer.question_id].append(answer)
        if answer.origin is not Origin.LESSON:
            total = scores[answer.user_id, question.bank_id]
            total[0] += 1
            total[1] += answer.correct
    reports = reports or {}
    return [
        _item(q, by_question.get(q.id, []), scores, reports.get(q.id, 0), thresholds)
        for q in questions
        if only is None or q.id in only
    ]


def _item(
    question: Question,
    answers: list[FirstAnswer],
    scores: Mapping[tuple[int, str], list[int]],
    reports: int,
    t: Thresholds,
) -> ItemStats:
    version = question_version(question)
    correct = sum(a.correct for a in answers)
    tested = [a for a in answers if a.origin is not Origin.LESSON]
    times = [max(0.0, a.elapsed) for a in tested if a.elapsed is not None]
    discrimination, sample, right = _discrimination(question, tested, scores, t.min_rest)
    sided = min(right, sample - right) >= t.min_side
    versions = _versions(question, version, tested)
    current = next((v for v in versions if v.current), None)
    rare: tuple[int, ...] = ()
    if current is not None and current.respondents >= t.min_answers:
        rare = tuple(
            i
            for i, option in enumerate(question.options)
            if not option.correct and current.share(i) < t.rare
        )
    flags: list[Flag] = []
    negative = discrimination is not None and discrimination < t.negative
    if negative and sample >= t.min_answers and sided:
        flags.append(Flag.CHECK_KEY)
    if len(answers) >= t.min_answers:
        accuracy = correct / len(answers)
        if accuracy <= t.too_hard:
            flags.append(Flag.TOO_HARD)
        if accuracy >= t.too_easy:
            flags.append(Flag.TOO_EASY)
    if rare:
        flags.append(Flag.RARE_DISTRACTOR)
    return ItemStats(
        question=question,
        version=version,
        answers=len(answers),
        correct=correct,
        lesson_answers=len(answers) - len(tested),
        discrimination=discrimination,
        discrimination_n=sample,
        median_seconds=statistics.median(times) if times else None,
        versions=versions,
        reports=reports,
        flags=tuple(flags),
        rare_options=rare,
    )


def _discrimination(
    question: Question,
    answers: list[FirstAnswer],
    scores: Mapping[tuple[int, str], list[int]],
    min_rest: int,
) -> tuple[float | None, int, int]:
    """The correlation, the number of people in the sample, and how many of them were right.

    ``answers`` are this question's non-lesson first answers, each counted in ``scores``.
    """
    item: list[float] = []
    rest: list[float] = []
    for answer in answers:
        answered, right = scores[answer.user_id, question.bank_id]
        others = answered - 1
        if others >= min_rest:
            item.append(float(answer.correct))
            rest.append((right - answer.correct) / others)
    right = int(sum(item))
    if len(item) < 2:
        return None, len(item), right
    try:
        return statistics.correlation(item, rest), len(item), right
    except statistics.StatisticsError:  # everyone right (or wrong), or equal rest scores
        return None, len(item), right


def _versions(
    question: Question, current: str, answers: list[FirstAnswer]
) -> tuple[VersionCounts, ...]:
    counts: dict[str | None, Counter[int]] = defaultdict(Counter)
    respondents: Counter[str | None] = Counter()
    for answer in answers:
        respondents[answer.version] += 1
        tally = counts[answer.version]
        for index in answer.chosen:
            tally[index] += 1
    result = []
    for version, n in respondents.items():
        tally = counts[version]
        size = len(question.options) if version == current else max(tally, default=-1) + 1
        result.append(
            VersionCounts(
                version=version,
                current=version == current,
                respondents=n,
                chosen=tuple(tally[i] for i in range(size)),
            )
        )
    result.sort(key=lambda v: (not v.current, v.version is None, -v.respondents))
    return tuple(result)


# --- the campaign report's questions sheet -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionSummary:
    question_id: str
    answers: int
    correct: int
    top_wrong: int | None  # bank option index of the most chosen wrong option
    top_wrong_count: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


def summarize(
    question_ids: Sequence[str],
    questions: Mapping[str, Question],
    answers: Iterable[FirstAnswer],
) -> dict[str, QuestionSummary]:
    """Accuracy and the most chosen wrong option per question id (every id gets an entry).

    A wrong option is an option the answer chose that is not a key today; answers given to
    another content version are counted for accuracy but not for options (their letters may
    mean something else). Ties go to the earlier option.
    """
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    wrong: dict[str, Counter[int]] = defaultdict(Counter)
    versions = {qid: question_version(q) for qid, q in questions.items()}
    for answer in answers:
        totals[answer.question_id] += 1
        if answer.correct:
            right[answer.question_id] += 1
            continue
        question = questions.get(answer.question_id)
        if question is None or answer.version not in (None, versions[question.id]):
            continue
        keys = question.correct_indices
        wrong[question.id].update(
            i for i in answer.chosen if i not in keys and i < len(question.options)
        )
    result = {}
    for qid in question_ids:
        tally = wrong.get(qid, Counter())
        top = min(tally, key=lambda i: (-tally[i], i)) if tally else None
        result[qid] = QuestionSummary(
            question_id=qid,
            answers=totals[qid],
            correct=right[qid],
            top_wrong=top,
            top_wrong_count=tally[top] if top is not None else 0,
        )
    return result


# --- reports of a problem ("纠错") ---------------------------------------------------------------


class Reason(StrEnum):
    WRONG_ANSWER = "wrong_answer"
    OUT_OF_DATE = "out_of_date"
    UNCLEAR = "unclear"
    TYPO = "typo"
    OTHER = "other"


_REASON_ORDER = list(Reason)


@dataclass(frozen=True, slots=True)
class Feedback:
    question_id: str
    version: str | None
    reason: Reason
    note: str | None
    origin: Origin
    day: date


@dataclass(frozen=True, slots=True)
class FeedbackGroup:
    question_id: str
    question: Question | None  # None: no longer in the content
    reports: tuple[Feedback, ...]  # newest first
    reasons: tuple[tuple[Reason, int], ...] = field(default=())  # most frequent first

    @property
    def latest(self) -> date:
        return self.reports[0].day

    @property
    def outdated(self) -> int:
        """Reports made on another content version than today's (the question was edited)."""
        if self.question is None:
            return 0
        current = question_version(self.question)
        return sum(r.version is not None and r.version != current for r in self.reports)


def group_feedback(
    reports: Iterable[Feedback], questions: Mapping[str, Question]
) -> list[FeedbackGroup]:
    """Reports grouped by question; the group with the newest report first.

    ``reports`` must come newest first (the store's order); that order is kept inside a group.
    """
    groups: dict[str, list[Feedback]] = {}
    for report in reports:
        groups.setdefault(report.question_id, []).append(report)
    result = [
        FeedbackGroup(
            question_id=qid,
            question=questions.get(qid),
            reports=tuple(items),
            reasons=tuple(
                sorted(
                    Counter(r.reason for r in items).items(),
                    key=lambda kv: (-kv[1], _REASON_ORDER.index(kv[0])),
                )
            ),
        )
        for qid, items in groups.items()
    ]
    result.sort(key=lambda g: g.latest, reverse=True)  # stable: ties keep the store's order
    return result


def clean_note(text: str) -> str:
    """A note as plain text: control and format characters removed (line breaks kept)."""
    kept = "".join(
        ch
        for ch in text.replace("\r\n", "\n").replace("\r", "\n")
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )
    return kept.strip()


# --- which answer a report is about ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerRef:
    """One stored answer of the person who presses 纠错, by its keys.

    ``ref`` is the quiz session, the group event or the lesson delivery; ``position`` the
    question's place in the session or event (0 for a lesson's check). With the presser's id
    these are the answer tables' primary keys: one lookup, and an id of somebody else's answer
    finds nothing.
    """

    origin: Origin
    ref: int
    position: int


FEEDBACK_PREFIX = "F-"
# ``/start F-<origin>-<ref>-<position>``: a group event's result links the private chat with it.
# Bank ids are lower case, campaigns' links start with "C-", the checker's are "sos" and
# "check": an upper-case "F-" can be none of them.
_FEEDBACK_PAYLOAD = re.compile(r"F-(quiz|event|lesson)-(0|[1-9][0-9]{0,15})-(0|[1-9][0-9]?)")


def feedback_payload(answer: AnswerRef) -> str:
    """The ``/start`` payload of the 纠错 link under a group message (at most 64 characters)."""
    return f"{FEEDBACK_PREFIX}{answer.origin.value}-{answer.ref}-{answer.position}"


def parse_feedback_payload(payload: str) -> AnswerRef | None:
    """The answer a 纠错 link names, or None when ``payload`` is not one."""
    match = _FEEDBACK_PAYLOAD.fullmatch(payload)
    if match is None:
        return None
    return AnswerRef(Origin(match[1]), int(match[2]), int(match[3]))
