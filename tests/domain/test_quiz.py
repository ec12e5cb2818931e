from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.content import QuestionType, Text
from bot.domain.quiz import (
    INTERVALS,
    MAX_BOX,
    CardState,
    QuizResult,
    Streak,
    current_streak,
    grade,
    grade_answer,
    learn,
    points_for,
    progress_bar,
    question_version,
    record_activity,
    review,
    select_questions,
    shuffle_options,
    to_bank_indices,
)
from bot.domain.session import QuizSession, SessionKind
from tests.domain.factories import card, question

TODAY = date(2026, 3, 15)


# --------------------------------------------------------------------------- review


def test_intervals_double_per_box() -> None:
    assert dict(INTERVALS) == {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}


def test_first_answer_correct_goes_to_box_1() -> None:
    state = review(None, True, TODAY)
    assert state == CardState(
        box=1, due=TODAY + timedelta(days=1), seen=1, wrong=0, last_correct=True
    )


def test_first_answer_wrong_goes_to_box_1_and_counts_wrong() -> None:
    state = review(None, False, TODAY)
    assert state == CardState(
        box=1, due=TODAY + timedelta(days=1), seen=1, wrong=1, last_correct=False
    )


@pytest.mark.parametrize(("box", "days"), [(0, 1), (1, 2), (2, 4), (3, 8), (4, 16)])
def test_correct_moves_up_one_box(box: int, days: int) -> None:
    state = review(card(box, seen=3), True, TODAY)
    assert state.box == box + 1
    assert state.due == TODAY + timedelta(days=days)
    assert state.seen == 4
    assert state.last_correct is True


def test_correct_in_top_box_stays_there() -> None:
    state = review(card(MAX_BOX, seen=9), True, TODAY)
    assert state.box == MAX_BOX
    assert state.due == TODAY + timedelta(days=16)


@pytest.mark.parametrize("box", [1, 2, 3, 4, 5])
def test_wrong_drops_to_box_1(box: int) -> None:
    before = card(box, seen=5, wrong=2)
    state = review(before, False, TODAY)
    assert state.box == 1
    assert state.due == TODAY + timedelta(days=1)
    assert (state.seen, state.wrong, state.last_correct) == (6, 3, False)


def test_review_state_machine_over_a_sequence() -> None:
    state: CardState | None = None
    day = TODAY
    for answer in [True, True, True, False, True]:
        state = review(state, answer, day)
        day = state.due
    assert state is not None
    assert (state.box, state.seen, state.wrong) == (2, 5, 1)


@pytest.mark.parametrize(
    ("box", "seen", "wrong"), [(-1, 0, 0), (6, 1, 0), (1, -1, 0), (1, 1, 2), (1, 1, -1)]
)
def test_card_state_rejects_invalid_values(box: int, seen: int, wrong: int) -> None:
    with pytest.raises(ValueError, match=r"must|need"):
        CardState(box=box, due=TODAY, seen=seen, wrong=wrong, last_correct=None)


# --------------------------------------------------------------------------- select_questions


def pool_of(*ids: str) -> list:
    return [question(i) for i in ids]


def test_tiers_wrong_due_then_unseen_then_rest() -> None:
    pool = pool_of("rest", "new", "wrong_due", "wrong_later", "zero_box")
    cards = {
        "rest": card(3, TODAY - timedelta(days=2)),
        "wrong_due": card(1, TODAY, last_correct=False),
        "wrong_later": card(1, TODAY + timedelta(days=1), last_correct=False),
        "zero_box": CardState(box=0, due=TODAY, seen=0, wrong=0, last_correct=None),
    }
    got = select_questions(pool, cards, 5, TODAY, random.Random(1))
    assert got[0] == "wrong_due"
    assert set(got[1:3]) == {"new", "zero_box"}
    assert got[3:] == ["rest", "wrong_later"]


def test_rest_ordered_by_due_then_box() -> None:
    pool = pool_of("a", "b", "c", "d")
    cards = {
        "a": card(5, TODAY + timedelta(days=3)),
        "b": card(4, TODAY - timedelta(days=1)),
        "c": card(2, TODAY - timedelta(days=1)),
        "d": card(1, TODAY + timedelta(days=1), last_correct=False),
    }
    for seed in range(20):
        assert select_questions(pool, cards, 4, TODAY, random.Random(seed)) == ["c", "b", "d", "a"]


def test_random_within_tier_but_tier_order_kept() -> None:
    ids = [f"n{i}" for i in range(8)]
    wrong = [f"w{i}" for i in range(3)]
    pool = pool_of(*ids, *wrong)
    cards = {w: card(1, TODAY - timedelta(days=1), last_correct=False) for w in wrong}
    orders = set()
    for seed in range(30):
        got = select_questions(pool, cards, 11, TODAY, random.Random(seed))
        assert set(got[:3]) == set(wrong)
        assert set(got[3:]) == set(ids)
        orders.add(tuple(got))
    assert len(orders) > 1


def test_deterministic_for_a_seed() -> None:
    pool = pool_of(*[f"q{i}" for i in range(20)])
    cards = {f"q{i}": card(i % 5 + 1, TODAY + timedelta(days=i % 3 - 1)) for i in range(0, 20, 2)}
    first = select_questions(pool, cards, 7, TODAY, random.Random(42))
    again = select_questions(pool, cards, 7, TODAY, random.Random(42))
    assert first == again


def test_n_larger_than_pool_returns_whole_pool() -> None:
    pool = pool_of("a", "b", "c")
    got = select_questions(pool, {}, 10, TODAY, random.Random(0))
    assert sorted(got) == ["a", "b", "c"]


def test_never_duplicates_even_if_pool_has_duplicates() -> None:
    pool = [*pool_of("a", "b"), question("a"), question("b"), question("c")]
    got = select_questions(pool, {}, 10, TODAY, random.Random(0))
    assert sorted(got) == ["a", "b", "c"]


def test_n_zero_and_empty_pool() -> None:
    assert select_questions(pool_of("a"), {}, 0, TODAY, random.Random(0)) == []
    assert select_questions([], {}, 5, TODAY, random.Random(0)) == []


def test_negative_n_rejected() -> None:
    with pytest.raises(ValueError, match="n must be"):
        select_questions(pool_of("a"), {}, -1, TODAY, random.Random(0))


def test_cards_outside_pool_ignored() -> None:
    cards = {"gone": card(1, TODAY, last_correct=False)}
    assert select_questions(pool_of("a"), cards, 5, TODAY, random.Random(0)) == ["a"]


def test_truncation_takes_highest_tier_first() -> None:
    pool = pool_of("new1", "new2", "w")
    cards = {"w": card(1, TODAY - timedelta(days=5), last_correct=False)}
    assert select_questions(pool, cards, 1, TODAY, random.Random(3)) == ["w"]


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize("n", [1, 2, 4, 12])
def test_shuffle_options_is_a_permutation(n: int) -> None:
    for seed in range(10):
        order = shuffle_options(n, random.Random(seed))
        assert sorted(order) == list(range(n))
        assert isinstance(order, tuple)


def test_shuffle_options_deterministic_and_varied() -> None:
    assert shuffle_options(6, random.Random(5)) == shuffle_options(6, random.Random(5))
    assert len({shuffle_options(6, random.Random(s)) for s in range(20)}) > 1


def test_shuffle_options_rejects_zero() -> None:
    with pytest.raises(ValueError, match="n_options"):
        shuffle_options(0, random.Random(0))


def test_to_bank_indices_maps_display_positions() -> None:
    order = (2, 0, 3, 1)
    assert to_bank_indices(order, [0]) == frozenset({2})
    assert to_bank_indices(order, [1, 3]) == frozenset({0, 1})
    assert to_bank_indices(order, []) == frozenset()
    assert to_bank_indices(order, [2, 2]) == frozenset({3})


@pytest.mark.parametrize("position", [-1, 4])
def test_to_bank_indices_rejects_out_of_range(position: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        to_bank_indices((2, 0, 3, 1), [position])


def test_shuffle_then_map_back_grades_correctly() -> None:
    q = question(correct=(1, 3), n_options=5)
    order = shuffle_options(5, random.Random(9))
    displayed = [order.index(1), order.index(3)]
    assert grade_answer(q, to_bank_indices(order, displayed))


# --------------------------------------------------------------------------- grading, points


def test_grade_single_answer() -> None:
    q = question(correct=(2,))
    assert grade_answer(q, frozenset({2}))
    assert not grade_answer(q, frozenset({1}))
    assert not grade_answer(q, frozenset({1, 2}))


def test_grade_multiple_needs_exact_set() -> None:
    q = question(correct=(0, 2, 3))
    assert grade_answer(q, frozenset({0, 2, 3}))
    assert not grade_answer(q, frozenset({0, 2}))
    assert not grade_answer(q, frozenset({0, 1, 2, 3}))


def test_grade_true_false() -> None:
    q = question(correct=(1,), n_options=2, qtype=QuestionType.TRUE_FALSE)
    assert grade_answer(q, frozenset({1}))
    assert not grade_answer(q, frozenset({0}))


def test_empty_choice_never_correct() -> None:
    assert not grade_answer(question(correct=(0,)), frozenset())
    assert not grade_answer(question(correct=()), frozenset())


@pytest.mark.parametrize(("difficulty", "points"), [(1, 10), (2, 20), (3, 30)])
def test_points_scale_with_difficulty(difficulty: int, points: int) -> None:
    q = question(difficulty=difficulty)
    assert points_for(q, True) == points
    assert points_for(q, False) == 0


# --------------------------------------------------------------------------- result, grade


def test_quiz_result_accuracy() -> None:
    result = QuizResult(answered=10, correct=7, points=70, elapsed=timedelta(minutes=2))
    assert result.accuracy == pytest.approx(0.7)
    assert result.grade_key == "good"


def test_quiz_result_nothing_answered() -> None:
    result = QuizResult(answered=0, correct=0, points=0, elapsed=timedelta(0))
    assert result.accuracy == 0.0
    assert result.grade_key == "keep_going"


@pytest.mark.parametrize(
    ("answered", "correct", "points", "elapsed"),
    [(1, 2, 0, 0), (1, -1, 0, 0), (1, 1, -5, 0), (1, 1, 10, -1)],
)
def test_quiz_result_rejects_invalid(
    answered: int, correct: int, points: int, elapsed: int
) -> None:
    with pytest.raises(ValueError, match=r"must|need"):
        QuizResult(answered, correct, points, timedelta(seconds=elapsed))


@pytest.mark.parametrize(
    ("accuracy", "key"),
    [
        (1.0, "excellent"),
        (0.9, "excellent"),
        (0.8999, "good"),
        (0.7, "good"),
        (0.6999, "fair"),
        (0.5, "fair"),
        (0.4999, "keep_going"),
        (0.0, "keep_going"),
    ],
)
def test_grade_thresholds_inclusive(accuracy: float, key: str) -> None:
    assert grade(accuracy) == key


@pytest.mark.parametrize(("correct", "answered"), [(9, 10), (18, 20), (7, 10), (14, 20), (1, 2)])
def test_grade_exact_fractions_hit_their_threshold(correct: int, answered: int) -> None:
    expected = {0.9: "excellent", 0.7: "good", 0.5: "fair"}[correct / answered]
    assert QuizResult(answered, correct, 0, timedelta(0)).grade_key == expected


@pytest.mark.parametrize("accuracy", [-0.01, 1.01, float("nan")])
def test_grade_rejects_out_of_range(accuracy: float) -> None:
    with pytest.raises(ValueError, match="accuracy"):
        grade(accuracy)


# --------------------------------------------------------------------------- progress bar


@pytest.mark.parametrize(
    ("position", "total", "width", "bar"),
    [
        (0, 10, 10, "░░░░░░░░░░"),
        (3, 10, 10, "▓▓▓░░░░░░░"),
        (10, 10, 10, "▓▓▓▓▓▓▓▓▓▓"),
        (1, 3, 10, "▓▓▓░░░░░░░"),  # 3.33 -> 3
        (2, 3, 10, "▓▓▓▓▓▓░░░░"),  # 6.67 -> 6 (floor, never overstates)
        (1, 20, 10, "░░░░░░░░░░"),  # 0.5 -> 0
        (19, 20, 10, "▓▓▓▓▓▓▓▓▓░"),  # 9.5 -> 9: full only when finished
        (1, 1, 5, "▓▓▓▓▓"),
        (2, 4, 1, "░"),
        (1, 7, 7, "▓░░░░░░"),
    ],
)
def test_progress_bar_floor_rounding(position: int, total: int, width: int, bar: str) -> None:
    assert progress_bar(position, total, width) == bar


def test_progress_bar_always_width_and_monotonic() -> None:
    for total in range(1, 40):
        filled = [progress_bar(p, total).count("▓") for p in range(total + 1)]
        assert all(len(progress_bar(p, total)) == 10 for p in range(total + 1))
        assert filled == sorted(filled)
        assert filled[-1] == 10
        assert all(f < 10 for f in filled[:-1])


@pytest.mark.parametrize(
    ("position", "total", "width"), [(-1, 5, 10), (6, 5, 10), (0, 0, 10), (1, 5, 0)]
)
def test_progress_bar_rejects_invalid(position: int, total: int, width: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        progress_bar(position, total, width)


# --------------------------------------------------------------------------- streaks


def test_first_activity_starts_streak() -> None:
    assert record_activity(Streak(), TODAY) == Streak(current=1, best=1, last_day=TODAY)


def test_same_day_unchanged() -> None:
    streak = Streak(current=3, best=5, last_day=TODAY)
    assert record_activity(streak, TODAY) is streak


def test_next_day_increments_and_updates_best() -> None:
    streak = Streak(current=5, best=5, last_day=TODAY - timedelta(days=1))
    assert record_activity(streak, TODAY) == Streak(current=6, best=6, last_day=TODAY)


def test_next_day_keeps_higher_best() -> None:
    streak = Streak(current=2, best=9, last_day=TODAY - timedelta(days=1))
    assert record_activity(streak, TODAY) == Streak(current=3, best=9, last_day=TODAY)


def test_gap_resets_to_one_keeps_best() -> None:
    streak = Streak(current=4, best=4, last_day=TODAY - timedelta(days=2))
    assert record_activity(streak, TODAY) == Streak(current=1, best=4, last_day=TODAY)


def test_earlier_day_is_ignored() -> None:
    streak = Streak(current=2, best=2, last_day=TODAY)
    assert record_activity(streak, TODAY - timedelta(days=1)) is streak


def test_streak_across_month_and_year_boundaries() -> None:
    streak = Streak()
    for day in [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)]:
        streak = record_activity(streak, day)
    assert (streak.current, streak.best) == (4, 4)
    leap = record_activity(Streak(1, 1, date(2028, 2, 28)), date(2028, 2, 29))
    assert leap.current == 2


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [
        (None, 0),
        (TODAY, 3),
        (TODAY - timedelta(days=1), 3),
        (TODAY - timedelta(days=2), 0),
        (TODAY + timedelta(days=1), 3),
    ],
)
def test_current_streak(last_day: date | None, expected: int) -> None:
    assert current_streak(
        Streak(current=3 if last_day else 0, best=3, last_day=last_day), TODAY
    ) == (expected)


def test_streak_rejects_current_above_best() -> None:
    with pytest.raises(ValueError, match="current"):
        Streak(current=3, best=2)


# ------------------------------------------------------------------------- what an answer teaches


def test_learn_applies_the_card_and_the_streak_rules_once() -> None:
    q = question("q7", difficulty=2)
    yesterday = TODAY - timedelta(days=1)
    learned = learn(5, q, True, 20, card(2, seen=3), Streak(4, 6, yesterday), TODAY)
    assert (learned.user_id, learned.question_id, learned.topic) == (5, "q7", "telecom_fraud")
    assert (learned.correct, learned.points) == (True, 20)
    assert learned.card == review(card(2, seen=3), True, TODAY)
    assert learned.streak == Streak(5, 6, TODAY)
    wrong_today = learn(5, q, False, 0, None, Streak(1, 1, TODAY), TODAY)
    assert wrong_today.card.box == 1
    assert wrong_today.streak == Streak(1, 1, TODAY)  # a second answer the same day


def test_a_question_version_changes_with_its_options_or_key_only() -> None:
    base = question("q1", correct=(0,))
    assert question_version(base) == question_version(question("q1", correct=(0,)))
    assert len(question_version(base)) == 10
    assert question_version(base) != question_version(question("q1", correct=(1,)))
    assert question_version(base) != question_version(question("q1", n_options=3))
    reworded = replace(base, text=Text("另一种问法"), explanation=Text("新的解释"))
    assert question_version(reworded) == question_version(base)


def test_a_session_after_an_answer_moves_on_and_finishes_at_the_end() -> None:
    start = datetime(2026, 3, 15, 2, tzinfo=UTC)
    session = QuizSession(
        id=1,
        user_id=5,
        bank_id="b",
        kind=SessionKind.QUIZ,
        question_ids=("q1", "q2"),
        option_orders=((0, 1), (1, 0)),
        position=0,
        message_id=9,
        points=0,
        correct=0,
        started_at=start,
        shown_at=start,
    )
    first = session.after_answer(True, 10, start + timedelta(seconds=5))
    assert (first.position, first.points, first.correct) == (1, 10, 1)
    assert (first.finished_at, first.shown_at) == (None, None)
    done = first.after_answer(False, 0, start + timedelta(seconds=9))
    assert (done.position, done.points, done.correct) == (2, 10, 1)
    assert done.finished_at == start + timedelta(seconds=9)
