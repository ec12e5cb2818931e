"""Item analysis on a small data set checked by hand, and the rules around it."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest

from bot.domain.content import Option, QuestionType, Text
from bot.domain.insight import (
    Feedback,
    FirstAnswer,
    Flag,
    Origin,
    Reason,
    Thresholds,
    analyse,
    clean_note,
    group_feedback,
    question_version,
    summarize,
)
from tests.domain.factories import question

SMALL = Thresholds(min_answers=4, min_rest=2, min_side=2)

Q1 = question("q1", n_options=3, correct=(0,))
Q2 = question("q2", n_options=3, correct=(0,))
Q3 = question("q3", n_options=2, correct=(0,), qtype=QuestionType.TRUE_FALSE)
Q4 = question("q4", n_options=3, correct=(1,))
Q5 = dataclasses.replace(question("q5", n_options=3), bank_id="other")
QUESTIONS = (Q1, Q2, Q3, Q4, Q5)
V = {q.id: question_version(q) for q in QUESTIONS}


def a(
    user: int,
    q: str,
    chosen: int,
    correct: bool,
    *,
    origin: Origin = Origin.QUIZ,
    elapsed: float | None = None,
    version: str | bool | None = True,
) -> FirstAnswer:
    """``version=True``: the question's current version."""
    return FirstAnswer(
        user_id=user,
        question_id=q,
        origin=origin,
        chosen=frozenset({chosen}),
        correct=correct,
        elapsed=elapsed,
        version=V[q] if version is True else version or None,
    )


ANSWERS = [
    # q1 (key A): p1-p3 right, p4 wrong (B) in an event; p5 right in a lesson check.
    a(1, "q1", 0, True, elapsed=4.0),
    a(2, "q1", 0, True, elapsed=10.0),
    a(3, "q1", 0, True),
    a(4, "q1", 1, False, origin=Origin.EVENT, elapsed=6.0),
    a(5, "q1", 0, True, origin=Origin.LESSON),
    a(1, "q1", 1, False),  # a second answer of p1: only the first one counts
    # q2 (key A): p1, p2 right (p2 on an old version); p3 (unknown version) chose C, p4 chose B.
    a(1, "q2", 0, True),
    a(2, "q2", 0, True, version="0ld0ld00"),
    a(3, "q2", 2, False, version=None),
    a(4, "q2", 1, False),
    # q3 (true/false, key A): only p1 right.
    a(1, "q3", 0, True),
    a(2, "q3", 1, False),
    a(3, "q3", 1, False),
    a(4, "q3", 1, False),
    # q4 (key B): the two weakest are right, the two strongest wrong: a suspicious key.
    a(1, "q4", 0, False),
    a(2, "q4", 2, False),
    a(3, "q4", 1, True),
    a(4, "q4", 1, True),
    # q5, in another bank: everybody right.
    *(a(p, "q5", 0, True) for p in (1, 2, 3, 4)),
]


def by_id(stats):
    return {s.question.id: s for s in stats}


def test_hand_checked_figures() -> None:
    """Bank "bank" holds q1-q4; thresholds: flags from 4 answers, rest scores from 2 others,
    a negative discrimination with at least 2 people right and 2 wrong.

    Right (1) or wrong (0), each person's first answer (lesson check and p1's second try aside):

        person  q1 q2 q3 q4
        p1       1  1  1  0
        p2       1  1  0  0
        p3       1  0  0  1
        p4       0  0  0  1

    q1: 5 answers (p5's lesson check included), 4 right: accuracy 0.8. Discrimination over
    p1-p4 (p5 is a lesson check): x = 1,1,1,0; rest = share right on q2-q4 = 2/3,1/3,1/3,1/3.
    Means 3/4 and 5/12; deviations x .25,.25,.25,-.75 and rest 1/4,-1/12,-1/12,-1/12.
    Sxy = 1/16 - 1/48 - 1/48 + 1/16 = 1/12; Sxx = 3/16 + 9/16 = 3/4; Syy = 1/16 + 3/144 = 1/12.
    r = (1/12) / sqrt(3/4 * 1/12) = (1/12) / (1/4) = 1/3.
    Options (current version, 4 respondents; the lesson check is not counted): A 3, B 1, C 0.
    C is wrong and chosen by 0% < 3% of 4 >= 4 answers: a rare distractor.
    Median time over the recorded 4, 10, 6 (p3's is unknown, lessons have none) = 6.

    q2: 2 of 4 right: 0.5. x = 1,1,0,0; rest (q1,q3,q4) = 2/3,1/3,2/3,1/3: deviations
    .5,.5,-.5,-.5 and 1/6,-1/6,1/6,-1/6, Sxy = 0: r = 0, which is not negative.
    Options by version: current (p1, p4) A 1, B 1, C 0; the old version (p2) A 1; unknown
    (p3) C 1. Only 2 answers in the current version: no rare-distractor flag.

    q3: 1 of 4 right: 0.25 <= 0.25, too hard. rest (q1,q2,q4) = 2/3,2/3,2/3,1/3: r = 1/3.

    q4: 2 of 4 right: 0.5. x = 0,0,1,1; rest (q1-q3) = 1, 2/3, 1/3, 0. Means 1/2, 1/2;
    deviations -.5,-.5,.5,.5 and 1/2,1/6,-1/6,-1/2. Sxy = -1/4 - 1/12 - 1/12 - 1/4 = -2/3;
    Sxx = 1; Syy = 1/4 + 1/36 + 1/36 + 1/4 = 5/9. r = (-2/3) / (sqrt 5 / 3) = -2/sqrt 5
    = -0.894: negative, 4 people in the sample, 2 right and 2 wrong: check the key. 2 reports.

    q5 (another bank): 4 of 4 right: too easy, and nobody chose B or C; no other answers in
    its bank: no discrimination.
    """
    stats = by_id(analyse(QUESTIONS, ANSWERS, {"q4": 2}, SMALL))

    q1 = stats["q1"]
    assert (q1.answers, q1.correct, q1.lesson_answers) == (5, 4, 1)
    assert q1.accuracy == pytest.approx(0.8)
    assert q1.discrimination == pytest.approx(1 / 3)
    assert q1.discrimination_n == 4
    assert q1.median_seconds == 6.0
    assert q1.current is not None
    assert (q1.current.respondents, q1.current.chosen) == (4, (3, 1, 0))
    assert q1.rare_options == (2,)
    assert q1.flags == (Flag.RARE_DISTRACTOR,)

    q2 = stats["q2"]
    assert q2.accuracy == 0.5
    assert q2.discrimination == pytest.approx(0.0, abs=1e-12)
    assert [(v.version, v.current, v.respondents, v.chosen) for v in q2.versions] == [
        (V["q2"], True, 2, (1, 1, 0)),
        ("0ld0ld00", False, 1, (1,)),
        (None, False, 1, (0, 0, 1)),
    ]
    assert q2.flags == ()
    assert q2.median_seconds is None

    q3 = stats["q3"]
    assert q3.accuracy == 0.25
    assert q3.discrimination == pytest.approx(1 / 3)
    assert q3.flags == (Flag.TOO_HARD,)

    q4 = stats["q4"]
    assert q4.discrimination == pytest.approx(-2 / math.sqrt(5))
    assert q4.flags == (Flag.CHECK_KEY,)
    assert q4.reports == 2
    assert q4.current is not None
    assert q4.current.chosen == (1, 2, 1)

    q5 = stats["q5"]
    assert (q5.accuracy, q5.discrimination, q5.discrimination_n) == (1.0, None, 0)
    assert q5.flags == (Flag.TOO_EASY, Flag.RARE_DISTRACTOR)
    assert q5.rare_options == (1, 2)
    assert [s.question.id for s in analyse(QUESTIONS, ANSWERS, None, SMALL)] == [
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
    ]


def test_no_flag_below_thirty_answers() -> None:
    """29 people all right and never choosing C: no flag; the 30th raises both flags."""
    q = question("q", n_options=3)

    def flags(people: int) -> tuple[Flag, ...]:
        answers = [a_current(q, p) for p in range(people)]
        return analyse([q], answers)[0].flags

    assert flags(29) == ()
    assert flags(30) == (Flag.TOO_EASY, Flag.RARE_DISTRACTOR)


def a_current(q, person: int, chosen: int = 0) -> FirstAnswer:
    return FirstAnswer(
        person, q.id, Origin.QUIZ, frozenset({chosen}), chosen in q.correct_indices,
        version=question_version(q),
    )  # fmt: skip


def test_negative_discrimination_needs_thirty_people_with_five_other_answers() -> None:
    """Strong people (right on 5 others) miss q; weak ones (wrong on 5 others) get it right."""
    bank = [question(f"o{i}") for i in range(5)]
    q = question("q")
    answers = []
    for person in range(30):
        strong = person % 2 == 0
        answers += [a_current(o, person, 0 if strong else 1) for o in bank]
        answers.append(a_current(q, person, 1 if strong else 0))
    flagged = analyse([*bank, q], answers)[-1]
    assert flagged.discrimination == pytest.approx(-1.0)
    assert Flag.CHECK_KEY in flagged.flags
    # 29 people in the sample: the same figure, no flag.
    fewer = analyse([*bank, q], [x for x in answers if x.user_id != 0])[-1]
    assert fewer.discrimination_n == 29
    assert Flag.CHECK_KEY not in fewer.flags
    # Four other answers are not enough to be in the sample at all.
    short = [x for x in answers if x.question_id != "o4"]
    assert analyse([*bank, q], short)[-1].discrimination_n == 0


def test_negative_discrimination_needs_five_people_on_each_side() -> None:
    """40 people: the 4 right on q are the weakest; 36 miss it. r < 0 over 40 people, but with
    4 on one side one person could turn the sign: no flag. With a fifth (weak) person: flagged."""

    def stats(right: int) -> tuple[float | None, tuple[Flag, ...]]:
        bank = [question(f"o{i}") for i in range(5)]
        q = question("q")
        answers = []
        for person in range(40):
            weak = person < right
            answers += [
                a_current(o, person, 1 if weak and i < 3 else 0) for i, o in enumerate(bank)
            ]
            answers.append(a_current(q, person, 0 if weak else 1))
        result = analyse([*bank, q], answers)[-1]
        assert result.discrimination_n == 40
        return result.discrimination, result.flags

    r4, flags4 = stats(4)
    assert r4 is not None
    assert r4 < -0.5
    assert Flag.CHECK_KEY not in flags4
    r5, flags5 = stats(5)
    assert r5 is not None
    assert r5 < -0.5
    assert Flag.CHECK_KEY in flags5


def test_version_changes_with_option_text_or_key_not_with_translation() -> None:
    q = question("q")
    translated = dataclasses.replace(
        q, options=tuple(Option(Text(o.text.zh, "English"), o.correct) for o in q.options)
    )
    rekeyed = dataclasses.replace(
        q, options=tuple(Option(o.text, not o.correct) for o in q.options)
    )
    reworded = dataclasses.replace(q, options=(Option(Text("新的"), True), *q.options[1:]))
    assert question_version(q) == question_version(translated)
    assert len({question_version(q), question_version(rekeyed), question_version(reworded)}) == 3
    assert len(question_version(q)) == 10


def test_summary_for_the_campaign_sheet() -> None:
    """q4: wrong answers chose A (p1) and C (p2): a tie goes to A. q2: p3 chose C with an
    unknown version (counted), p4 chose B: tie, B. q1: p4 chose B; p1's second answer (B) also
    counts when every answer is passed. q3: three chose B. An id nobody answered: zeros."""
    questions = {q.id: q for q in QUESTIONS}
    summary = summarize(["q1", "q2", "q3", "q4", "gone"], questions, ANSWERS)
    assert summary["q4"].top_wrong == 0
    assert (summary["q4"].answers, summary["q4"].accuracy) == (4, 0.5)
    assert summary["q2"].top_wrong == 1
    assert (summary["q1"].answers, summary["q1"].correct) == (6, 4)
    assert (summary["q1"].top_wrong, summary["q1"].top_wrong_count) == (1, 2)
    assert (summary["q3"].top_wrong, summary["q3"].top_wrong_count) == (1, 3)
    assert summary["gone"].answers == 0
    assert summary["gone"].accuracy is None
    assert summary["gone"].top_wrong is None


def test_summary_ignores_options_of_another_version() -> None:
    q = question("q", n_options=3)
    answers = [
        FirstAnswer(1, "q", Origin.QUIZ, frozenset({2}), False, version="elsewhere"),
        FirstAnswer(2, "q", Origin.QUIZ, frozenset({1}), False, version=question_version(q)),
    ]
    result = summarize(["q"], {"q": q}, answers)["q"]
    assert (result.answers, result.top_wrong, result.top_wrong_count) == (2, 1, 1)


def test_feedback_grouped_by_question_newest_group_first() -> None:
    def fb(qid: str, day: int, reason: Reason, version: str | None = None) -> Feedback:
        return Feedback(qid, version, reason, None, Origin.QUIZ, date(2026, 3, day))

    q4 = QUESTIONS[3]
    newest_first = [
        fb("q4", 15, Reason.WRONG_ANSWER, "0ld0ld00"),
        fb("gone", 14, Reason.TYPO),
        fb("q4", 12, Reason.WRONG_ANSWER, V["q4"]),
        fb("q4", 10, Reason.UNCLEAR),
    ]
    groups = group_feedback(newest_first, {"q4": q4})
    assert [(g.question_id, len(g.reports), g.latest.day) for g in groups] == [
        ("q4", 3, 15),
        ("gone", 1, 14),
    ]
    assert groups[0].reasons == ((Reason.WRONG_ANSWER, 2), (Reason.UNCLEAR, 1))
    assert groups[0].outdated == 1
    assert groups[1].question is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  答案应为B \n", "答案应为B"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("x\u202ey\u0000z\u200b", "xyz"),
        ("<b>&amp;</b>", "<b>&amp;</b>"),  # kept as typed; templates escape it
        (" \u200b ", ""),
    ],
)
def test_notes_are_plain_text(raw: str, clean: str) -> None:
    assert clean_note(raw) == clean
