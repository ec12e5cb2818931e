"""Pure rules behind issue 18: example times, the set-up's choices, zones by offset."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.domain.events import (
    SETUP_SECONDS,
    check_budget,
    fits_budget,
    plan_messages,
    question_choices,
    seconds_choices,
)
from bot.domain.schedule import QuietHours, allowed_time, example_times
from bot.domain.zones import ZONE_CHOICES, ZONE_KEYS, choice_for, offset_label, zone_choice


@pytest.mark.parametrize(
    ("lesson", "quiet", "expected"),
    [
        (time(20), QuietHours(), (time(20), time(8, 30))),  # not 07:30: that is quiet
        (time(19, 30), QuietHours(time(21), time(9)), (time(19, 30), time(9, 30))),
        (time(8, 30), QuietHours(), (time(8, 30), time(9))),  # never the same time twice
        (time(12), QuietHours(time(0), time(0)), (time(12), time(0, 30))),  # no quiet hours
        (time(23), QuietHours(time(1), time(23)), (time(23), time(23, 30))),
    ],
)
def test_example_times_are_allowed_and_come_from_the_settings(
    lesson: time, quiet: QuietHours, expected: tuple[time, time]
) -> None:
    found = example_times(lesson, quiet)
    assert found == expected
    assert all(allowed_time(t, quiet) for t in found)


def test_every_quiet_hours_setting_gets_two_allowed_examples() -> None:
    for start in range(0, 24 * 60, 30):
        for end in range(0, 24 * 60, 90):
            quiet = QuietHours(time(start // 60, start % 60), time(end // 60, end % 60))
            lesson = next(
                (
                    time(h, m)
                    for h in range(24)
                    for m in (0, 30)
                    if allowed_time(time(h, m), quiet)
                ),
                None,
            )
            if lesson is None:
                continue
            first, second = example_times(lesson, quiet)
            assert allowed_time(first, quiet)
            assert allowed_time(second, quiet)


def test_offered_settings_fit_the_budget_however_the_scenarios_fall() -> None:
    for questions in (1, 3, 5, 10, 20):
        for long in (0, 1, 4, questions):
            for seconds in seconds_choices(questions, long):
                for start in range(questions - min(long, questions) + 1):
                    positions = range(start, start + min(long, questions))
                    assert check_budget(questions, seconds, scenario_positions=positions).ok


def test_a_setting_over_the_budget_is_not_offered() -> None:
    assert plan_messages(5, 10, scenario_positions=range(5)).peak_per_minute > 20
    assert not fits_budget(5, 10, 5)
    assert 10 not in seconds_choices(5, 5)
    assert seconds_choices(5, 0) == SETUP_SECONDS


def test_question_counts_follow_the_bank() -> None:
    assert question_choices(60, 0) == (5, 10, 15, 20)
    assert question_choices(12, 0) == (5, 10)
    assert question_choices(3, 0) == (3,)  # fewer than the smallest usual count: all it has
    assert question_choices(0, 0) == ()


@pytest.mark.parametrize(
    ("offset", "label"),
    [
        (timedelta(hours=8), "UTC+8"),
        (timedelta(0), "UTC+0"),
        (timedelta(hours=-4), "UTC-4"),
        (timedelta(hours=5, minutes=30), "UTC+5:30"),
        (timedelta(hours=-9, minutes=-30), "UTC-9:30"),
    ],
)
def test_offsets_read_as_on_a_phone(offset: timedelta, label: str) -> None:
    assert offset_label(offset) == label


def test_zone_choices_are_one_per_place_and_found_by_name() -> None:
    assert ZONE_KEYS[0] == "beijing"
    assert len(set(ZONE_KEYS)) == len(ZONE_CHOICES)
    assert len({z.iana for z in ZONE_CHOICES}) == len(ZONE_CHOICES)
    assert choice_for("asia/shanghai") == zone_choice("beijing")
    assert choice_for("Asia/Hong_Kong") is None
    assert zone_choice("atlantis") is None
