from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.events import (
    FIXED_MESSAGES,
    MAX_SECONDS,
    PER_QUESTION_MESSAGES,
    BudgetCheck,
    EventAnswer,
    Standing,
    check_budget,
    elapsed_seconds,
    event_args_error,
    event_points,
    is_late,
    leaderboard,
    plan_messages,
    summarize,
)

# --------------------------------------------------------------------------- points


def test_wrong_answer_scores_zero() -> None:
    assert event_points(False, 0.0, 30) == 0
    assert event_points(False, 0.0, 30, speed_bonus=False) == 0


def test_instant_answer_full_base() -> None:
    assert event_points(True, 0.0, 30) == 1000


def test_deadline_answer_exactly_half() -> None:
    assert event_points(True, 30.0, 30) == 500
    assert event_points(True, 10.0, 10, base=200) == 100


def test_halfway_three_quarters() -> None:
    assert event_points(True, 15.0, 30) == 750


def test_late_answer_scores_zero() -> None:
    assert event_points(True, 30.001, 30) == 0
    assert event_points(True, 31, 30, speed_bonus=False) == 0


def test_without_speed_bonus_base_until_deadline() -> None:
    assert event_points(True, 0.0, 30, speed_bonus=False) == 1000
    assert event_points(True, 30.0, 30, speed_bonus=False) == 1000
    assert event_points(True, 12.0, 30, base=7, speed_bonus=False) == 7


def test_rounding_is_half_up_and_exact() -> None:
    # 1000 * (1 - 1/30/2) = 983.33 -> 983
    assert event_points(True, 1.0, 30) == 983
    # 1001 at the deadline: 500.5 rounds half up to 501 (not banker's 500)
    assert event_points(True, 30.0, 30, base=1001) == 501
    # 10 * (1 - 1/4/2) = 8.75 -> 9; 10 * (1 - 3/4/2) = 6.25 -> 6
    assert event_points(True, 1.0, 4, base=10) == 9
    assert event_points(True, 3.0, 4, base=10) == 6


def test_negative_elapsed_counts_as_instant() -> None:
    assert event_points(True, -0.5, 30) == 1000


def test_points_monotonic_in_elapsed_and_bounded() -> None:
    values = [event_points(True, t / 10, 20) for t in range(0, 201)]
    assert values == sorted(values, reverse=True)
    assert values[0] == 1000
    assert values[-1] == 500
    assert all(500 <= v <= 1000 for v in values)


@pytest.mark.parametrize(
    ("elapsed", "open_period", "base"),
    [
        (1.0, 0, 1000),
        (1.0, -5, 1000),
        (1.0, float("inf"), 1000),
        (float("nan"), 30, 1000),
        (1.0, 30, -1),
    ],
)
def test_points_reject_invalid(elapsed: float, open_period: float, base: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        event_points(True, elapsed, open_period, base=base)


# --------------------------------------------------------------------------- lateness

OPENED = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def test_is_late_boundary() -> None:
    assert not is_late(OPENED + timedelta(seconds=30), OPENED, 30)
    assert is_late(OPENED + timedelta(seconds=30, microseconds=1), OPENED, 30)
    assert not is_late(OPENED, OPENED, 30)


def test_answer_before_open_is_not_late() -> None:
    assert not is_late(OPENED - timedelta(seconds=2), OPENED, 30)


def test_elapsed_seconds_clamped() -> None:
    assert elapsed_seconds(OPENED + timedelta(seconds=12.5), OPENED) == 12.5
    assert elapsed_seconds(OPENED - timedelta(seconds=1), OPENED) == 0.0


# --------------------------------------------------------------------------- argument ranges


@pytest.mark.parametrize(
    ("questions", "seconds", "error"),
    [
        (1, 10, None),
        (50, 300, None),
        (0, 30, "questions_out_of_range"),
        (51, 30, "questions_out_of_range"),
        (10, 9, "seconds_out_of_range"),
        (10, 5, "seconds_out_of_range"),
        (10, 301, "seconds_out_of_range"),
    ],
)
def test_event_args_error(questions: int, seconds: int, error: str | None) -> None:
    assert event_args_error(questions, seconds) == error


@pytest.mark.parametrize(("questions", "seconds"), [(0, 30), (51, 30), (10, 9), (10, 301)])
def test_plan_rejects_out_of_range(questions: int, seconds: int) -> None:
    with pytest.raises(ValueError, match="out_of_range"):
        plan_messages(questions, seconds)
    with pytest.raises(ValueError, match="out_of_range"):
        check_budget(questions, seconds)


@pytest.mark.parametrize("pause", [-1, 61])
def test_plan_rejects_bad_pause(pause: int) -> None:
    with pytest.raises(ValueError, match="pause_between"):
        plan_messages(5, 30, pause_between=pause)


# --------------------------------------------------------------------------- message plan


def test_plan_counts_every_send_and_edit() -> None:
    plan = plan_messages(10, 30)
    assert plan.per_question_messages == PER_QUESTION_MESSAGES == 3
    assert plan.fixed_messages == FIXED_MESSAGES == 7
    assert plan.countdown_messages == 3
    assert plan.total_messages == 10 * 3 + 7 == len(plan.send_times)


def test_plan_timeline() -> None:
    plan = plan_messages(2, 10, pause_between=5)
    # lobby edit, countdown 3-2-1, leaderboard + poll 1, close 1 (result + edit),
    # poll 2, close 2, podium + picture after the pause.
    assert plan.send_times == (0, 0, 1, 2, 3, 3, 13, 13, 18, 28, 28, 33, 33)
    assert plan.duration_seconds == 33
    assert plan.peak_per_minute == 13


def test_plan_single_question() -> None:
    plan = plan_messages(1, 300)
    assert plan.total_messages == 10
    assert plan.peak_per_minute == 6  # the start burst; the end is 5 minutes later


@pytest.mark.parametrize("pause", [0, 5, 10])
def test_peak_never_increases_with_longer_questions(pause: int) -> None:
    peaks = [
        plan_messages(20, s, pause_between=pause).peak_per_minute
        for s in range(10, MAX_SECONDS + 1)
    ]
    assert peaks == sorted(peaks, reverse=True)


def test_peak_is_a_sliding_window_not_an_average() -> None:
    # 50 questions of 10 s with no pause: 3 messages every 10 s -> 18/min steady, but the
    # start burst pushes one window over 20.
    plan = plan_messages(50, 10, pause_between=0)
    assert plan.total_messages * 60 / plan.duration_seconds < 20
    assert plan.peak_per_minute > 20


# --------------------------------------------------------------------------- budget


def test_default_event_fits() -> None:
    assert check_budget(10, 30) == BudgetCheck(
        ok=True, reason=None, peak_per_minute=plan_messages(10, 30).peak_per_minute, min_seconds=10
    )


def test_shortest_questions_fit_with_default_pause() -> None:
    result = check_budget(50, 10)
    assert result.ok
    assert result.peak_per_minute <= 20


def test_too_fast_reports_minimum_seconds() -> None:
    result = check_budget(10, 10, pause_between=0)
    assert not result.ok
    assert result.reason == "too_fast"
    assert result.peak_per_minute > 20
    assert result.min_seconds == 12
    assert check_budget(10, 12, pause_between=0).ok
    assert not check_budget(10, 11, pause_between=0).ok


def test_min_seconds_and_every_longer_setting_fits() -> None:
    result = check_budget(30, 10, 15, pause_between=0)
    assert result.reason == "too_fast"
    assert result.min_seconds is not None
    assert not check_budget(30, result.min_seconds - 1, 15, pause_between=0).ok
    for seconds in range(result.min_seconds, MAX_SECONDS + 1):
        assert plan_messages(30, seconds, pause_between=0).peak_per_minute <= 15


def test_limit_below_fixed_burst_can_never_fit() -> None:
    result = check_budget(5, 300, 3)
    assert result == BudgetCheck(
        ok=False, reason="limit_too_low", peak_per_minute=6, min_seconds=None
    )


def test_budget_rejects_nonpositive_limit() -> None:
    with pytest.raises(ValueError, match="limit_per_minute"):
        check_budget(5, 30, 0)


# --------------------------------------------------------------------------- leaderboard


def test_leaderboard_sorted_by_points() -> None:
    assert leaderboard({1: 500, 2: 900, 3: 700}) == [(1, 2, 900), (2, 3, 700), (3, 1, 500)]


def test_leaderboard_competition_ranking_1224() -> None:
    rows = leaderboard({10: 900, 11: 800, 12: 800, 13: 700, 14: 800, 15: 100})
    assert [r.rank for r in rows] == [1, 2, 2, 2, 5, 6]


def test_ties_ordered_by_total_time_then_user_id() -> None:
    scores = {5: 800, 3: 800, 4: 800, 9: 800}
    times = {5: 12.0, 3: 30.0, 4: 12.0}  # 9 has no time: slowest
    assert leaderboard(scores, times) == [
        Standing(1, 4, 800),
        Standing(1, 5, 800),
        Standing(1, 3, 800),
        Standing(1, 9, 800),
    ]


def test_ties_without_times_use_user_id() -> None:
    assert [r.user_id for r in leaderboard({7: 1, 2: 1, 5: 1})] == [2, 5, 7]


def test_time_does_not_split_a_rank() -> None:
    rows = leaderboard({1: 100, 2: 100}, {1: 50.0, 2: 1.0})
    assert rows == [(1, 2, 100), (1, 1, 100)]


def test_leaderboard_limit_and_empty() -> None:
    assert leaderboard({}) == []
    assert leaderboard({1: 3, 2: 2, 3: 1}, limit=2) == [(1, 1, 3), (2, 2, 2)]
    assert leaderboard({1: 3}, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        leaderboard({1: 3}, limit=-1)


def test_leaderboard_rows_are_plain_tuples() -> None:
    rank, user_id, points = leaderboard({42: 10})[0]
    assert (rank, user_id, points) == (1, 42, 10)


def test_zero_points_still_listed() -> None:
    assert leaderboard({1: 0, 2: 0}) == [(1, 1, 0), (1, 2, 0)]


# --------------------------------------------------------------------------- summary


def ans(user: int, q: int, correct: bool, points: int = 0, elapsed: float = 5.0) -> EventAnswer:
    return EventAnswer(user, q, correct, points if correct else 0, elapsed)


def test_summary_totals_accuracy_and_hardest() -> None:
    answers = [
        ans(1, 0, True, 900),
        ans(2, 0, True, 800),
        ans(3, 0, False),
        ans(1, 1, False),
        ans(2, 1, False),
        ans(3, 1, True, 600),
        ans(1, 2, True, 950),
        ans(2, 2, True, 700),
    ]
    summary = summarize(answers, ["qa", "qb", "qc"])
    assert summary.participants == 3
    assert summary.answers == 8
    assert summary.average_accuracy == pytest.approx(5 / 8)
    assert summary.question_accuracy == pytest.approx((2 / 3, 1 / 3, 1.0))
    assert summary.hardest_index == 1
    assert summary.hardest_question == "qb"
    assert summary.standings == ((1, 1, 1850), (2, 2, 1500), (3, 3, 600))
    assert summary.podium == summary.standings


def test_hardest_tie_goes_to_first() -> None:
    answers = [ans(1, 0, True, 1), ans(1, 1, False), ans(1, 2, False), ans(2, 0, False)]
    summary = summarize(answers, ["a", "b", "c"])
    assert summary.question_accuracy == (0.5, 0.0, 0.0)
    assert summary.hardest_question == "b"


def test_unanswered_question_has_no_accuracy_and_is_not_hardest() -> None:
    summary = summarize([ans(1, 1, True, 10)], ["a", "b", "c"])
    assert summary.question_accuracy == (None, 1.0, None)
    assert summary.hardest_index == 1


def test_empty_event() -> None:
    summary = summarize([], ["a", "b"])
    assert summary.participants == 0
    assert summary.answers == 0
    assert summary.average_accuracy == 0.0
    assert summary.question_accuracy == (None, None)
    assert summary.hardest_index is None
    assert summary.hardest_question is None
    assert summary.podium == ()
    assert summarize([], []).question_ids == ()


def test_podium_keeps_ties_and_breaks_them_by_time() -> None:
    answers = [
        ans(1, 0, True, 900, elapsed=2.0),
        ans(2, 0, True, 800),
        ans(3, 0, True, 700, elapsed=9.0),
        ans(4, 0, True, 700, elapsed=3.0),
        ans(5, 0, True, 600),
    ]
    summary = summarize(answers, ["a"])
    assert summary.podium == ((1, 1, 900), (2, 2, 800), (3, 4, 700), (3, 3, 700))
    assert summary.standings[-1] == (5, 5, 600)


def test_participant_with_only_wrong_answers_counts() -> None:
    summary = summarize([ans(1, 0, True, 10), ans(2, 0, False)], ["a"])
    assert summary.participants == 2
    assert summary.standings[-1] == (2, 2, 0)


def test_summary_rejects_unknown_question_and_duplicates() -> None:
    with pytest.raises(ValueError, match="out of range"):
        summarize([ans(1, 2, True)], ["a", "b"])
    with pytest.raises(ValueError, match="duplicate"):
        summarize([ans(1, 0, True), ans(1, 0, False)], ["a"])


@pytest.mark.parametrize(
    ("question_index", "points", "elapsed"),
    [(-1, 0, 1.0), (0, -1, 1.0), (0, 0, -1.0), (0, 0, float("nan"))],
)
def test_event_answer_validation(question_index: int, points: int, elapsed: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        EventAnswer(1, question_index, False, points, elapsed)


def test_an_answer_after_an_early_close_is_late_even_within_the_open_period() -> None:
    opened = datetime(2026, 3, 15, 2, tzinfo=UTC)
    closed_early = opened + timedelta(seconds=10)
    assert not is_late(opened + timedelta(seconds=9), opened, 30, closed_early)
    assert is_late(opened + timedelta(seconds=11), opened, 30, closed_early)
    assert is_late(opened + timedelta(seconds=31), opened, 30, None)
