"""Plausible answers for ``quizbot preview --demo-data``, so an editor sees the reports at once.

A few hundred synthetic people answer private quizzes, three group events and some lesson
checks over the last 30 days. Each person has an ability and each question a difficulty and a
discrimination (a three-parameter logistic model, the usual model of test answers): accuracy
falls with the question's ``difficulty``, some distractors are never chosen, and one question
has a suspicious key (the people who do best on the rest of the bank pick another option), as
``quizbot report questions`` and ``/question_stats`` then show. A fifth of the answers predate
content versions (unknown version), as in a database from before they were recorded.

None of it is real: the question given a suspicious key is chosen at random, and its actual key
is fine (the demo reports on it say "demo data").
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.domain.content import Catalog, Question, QuestionType
from bot.domain.insight import Reason, question_version
from bot.storage.demo import (
    DEMO_USER_BASE,
    Seed,
    SeedAnswer,
    SeedEvent,
    SeedEventAnswer,
    SeedFeedback,
    SeedLessonCheck,
    SeedQuiz,
    has_demo_data,
    seed,
)

PEOPLE = 900
DAYS = 30
EVENTS = 3
EVENT_PLAYERS = 45
BASE_DIFFICULTY = {1: -1.6, 2: -0.5, 3: 0.5}  # logit location per editor's difficulty
GUESS = {QuestionType.SINGLE: 0.2, QuestionType.TRUE_FALSE: 0.5, QuestionType.MULTIPLE: 0.05}
# The suspicious key is made up: the notes say so, so nobody "fixes" a sound question.
KEY_NOTES = (
    "（演示数据）我觉得正确答案应该是另一个选项，请核对。",
    "(demo data) The answer marked correct looks wrong to me.",
    None,
)


@dataclass(frozen=True, slots=True)
class _Item:
    question: Question
    location: float
    slope: float
    guess: float
    lures: tuple[float, ...]  # choice weight per option when wrong (0 for a key)
    suspicious: bool = False


def fill(path: Path, catalog: Catalog, now: datetime, *, rng: random.Random | None = None) -> bool:
    """Add demo answers to an already migrated database, once; False when already there."""
    if not catalog.questions or has_demo_data(path):
        return False
    seed(path, demo_seed(catalog, rng or random.Random(315), now))  # noqa: S311 - not secret
    return True


def demo_seed(catalog: Catalog, rng: random.Random, now: datetime, people: int = PEOPLE) -> Seed:
    items = _items(catalog, rng)
    start = now - timedelta(days=DAYS)
    cutover = start + timedelta(days=DAYS // 5)  # before it, answers have no version
    ability = {DEMO_USER_BASE + n: rng.gauss(0.0, 1.0) for n in range(1, people + 1)}
    data = Seed(
        users={uid: "en" if rng.random() < 0.15 else "zh" for uid in ability}, created_at=start
    )

    def answer(uid: int, item: _Item, when: datetime, boost: float = 0.0) -> SeedAnswer:
        chosen, correct = _choose(item, ability[uid] + boost, rng)
        q = item.question
        median = 5.0 + 0.04 * len(q.text.zh) + 3.0 * q.difficulty
        elapsed = round(median * math.exp(rng.gauss(0.0, 0.45)) * (1.0 if correct else 1.2), 1)
        version = None if when < cutover else question_version(q)
        return SeedAnswer(q.id, chosen, correct, when, elapsed, version)

    banks = sorted(catalog.banks.values(), key=lambda b: (b.order, b.id))
    weights = [0.6 if bank.is_mixed else 1.0 for bank in banks]
    for uid in ability:
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            bank = rng.choices(banks, weights)[0]
            pool = [items[q.id] for q in catalog.bank_questions(bank.id) if q.id in items]
            if not pool:
                continue
            when = start + timedelta(seconds=rng.uniform(0, DAYS * 86400 - 3600))
            answers = []
            for item in rng.sample(pool, min(bank.questions_per_quiz, len(pool))):
                answers.append(answer(uid, item, when))
                when += timedelta(seconds=(answers[-1].elapsed or 0.0) + 2.0)
            data.quizzes.append(SeedQuiz(uid, bank.id, answers))
    own = [bank for bank in banks if not bank.is_mixed and bank.questions]
    for n in range(min(EVENTS, len(own))):
        bank = own[n]
        started = start + timedelta(days=7 * (n + 1), hours=10)
        chosen_items = rng.sample(list(bank.questions), min(10, len(bank.questions)))
        players = rng.sample(sorted(ability), min(EVENT_PLAYERS, len(ability)))
        event_answers = []
        for position, q in enumerate(chosen_items):
            opened = started + timedelta(seconds=35 * position)
            for uid in players:
                if rng.random() < 0.9:
                    a = answer(uid, items[q.id], opened)
                    elapsed = min(a.elapsed or 0.0, 29.0)
                    event_answers.append(
                        SeedEventAnswer(
                            uid,
                            position,
                            SeedAnswer(
                                q.id,
                                a.chosen,
                                a.correct,
                                opened + timedelta(seconds=elapsed),
                                elapsed,
                                a.version,
                            ),
                        )
                    )
        data.events.append(
            SeedEvent(-1_000_315, DEMO_USER_BASE + 1, bank.id, [q.id for q in chosen_items],
                      started, event_answers)
        )  # fmt: skip
    checks = [lesson for lesson in catalog.lessons if lesson.check in items]
    for uid in rng.sample(sorted(ability), len(ability) // 4) if checks else ():
        lessons = rng.sample(checks, min(len(checks), rng.randint(1, 3)))
        for offset, lesson in zip(
            sorted(rng.sample(range(1, DAYS), len(lessons))), lessons, strict=True
        ):
            day = (start + timedelta(days=offset)).date()
            when = datetime.combine(day, now.timetz()).replace(hour=20)
            item = items[lesson.check or ""]
            data.lesson_checks.append(
                SeedLessonCheck(uid, lesson.id, day, answer(uid, item, when, boost=1.0))
            )
    data.feedback.extend(_feedback(items, sorted(ability), now.date(), rng))
    return data


def _items(catalog: Catalog, rng: random.Random) -> dict[str, _Item]:
    questions = sorted(catalog.questions.values(), key=lambda q: q.id)
    candidates = [q for q in questions if q.type is QuestionType.SINGLE and len(q.options) >= 3]
    suspicious = rng.choice(candidates).id if candidates else None
    items = {}
    for q in questions:
        lures = []
        for option in q.options:
            weight = 0.0 if option.correct else rng.uniform(0.4, 1.6)
            if not option.correct and len(q.options) >= 3 and rng.random() < 0.1:
                weight = 0.0  # a distractor nobody falls for
            lures.append(weight)
        items[q.id] = _Item(
            question=q,
            location=BASE_DIFFICULTY.get(q.difficulty, 0.0) + rng.gauss(0.0, 0.4),
            slope=rng.uniform(0.9, 2.0),
            guess=GUESS[q.type],
            lures=tuple(lures),
            suspicious=q.id == suspicious,
        )
    return items


def _choose(item: _Item, ability: float, rng: random.Random) -> tuple[tuple[int, ...], bool]:
    q = item.question
    keys = sorted(q.correct_indices)
    wrong = [i for i in range(len(q.options)) if i not in keys]
    if item.suspicious:
        # The keyed option is what people who know less pick; the others pick the first wrong one.
        knows = rng.random() < 1.0 / (1.0 + math.exp(-1.8 * ability))
        choice = wrong[0] if knows else (keys[0] if rng.random() < 0.8 else rng.choice(wrong))
        return (choice,), choice in keys
    p = item.guess + (1 - item.guess) / (1.0 + math.exp(-item.slope * (ability - item.location)))
    if rng.random() < p:
        return tuple(keys), True
    if not wrong:  # every option is a key: the wrong answer misses one
        return tuple(keys[1:]), False
    weights = [item.lures[i] for i in wrong]
    lure = rng.choices(wrong, weights)[0] if sum(weights) > 0 else rng.choice(wrong)
    if q.type is QuestionType.MULTIPLE:
        if len(keys) > 1 and rng.random() < 0.5:
            return tuple(k for k in keys if k != rng.choice(keys)), False  # missed one key
        return tuple(sorted((*keys, lure))), False
    return (lure,), False


def _feedback(
    items: dict[str, _Item], people: list[int], today: date, rng: random.Random
) -> list[SeedFeedback]:
    reports = []
    reporters = iter(rng.sample(people, min(len(people), 20)))
    for item in items.values():
        if item.suspicious:
            version = question_version(item.question)
            for k, note in enumerate(KEY_NOTES):
                day = today - timedelta(days=k * 3)
                reports.append(
                    SeedFeedback(next(reporters), item.question.id, version, "wrong_answer", day,
                                 note)
                )  # fmt: skip
    others = rng.sample(sorted(items), min(len(items), 6))
    for k, qid in enumerate(others):
        uid = next(reporters, None)
        if uid is None or items[qid].suspicious:
            continue
        reason = (Reason.TYPO, Reason.UNCLEAR, Reason.OUT_OF_DATE, Reason.OTHER)[k % 4]
        day = today - timedelta(days=rng.randrange(20))
        reports.append(
            SeedFeedback(uid, qid, question_version(items[qid].question), reason.value, day)
        )
    return reports
