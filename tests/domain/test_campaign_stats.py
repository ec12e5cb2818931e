"""Learning gain (baseline, later result on unseen questions), intervals, the report's rows."""

from __future__ import annotations

import math
import statistics
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.campaign_stats import (
    ClosedAttempt,
    Member,
    ReportInput,
    build_report,
    mean_interval,
    person_gain,
    t975,
)
from bot.domain.campaigns import Mark
from tests.domain.test_campaigns import campaign

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
TOPIC = {"a1": "a", "a2": "a", "a3": "a", "b1": "b", "b2": "b", "b3": "b", "a4": "a", "b4": "b"}


def attempt(aid: int, user: int, at: datetime, marks: dict[str, bool], secs: int = 60):
    return ClosedAttempt.of(
        aid, user, at, timedelta(seconds=secs), [Mark(q, c) for q, c in marks.items()]
    )


def test_first_attempt_is_the_baseline_and_the_last_a_day_later_is_the_later_result() -> None:
    base = attempt(1, 7, T0, {"a1": False, "b1": True})
    same_day = attempt(2, 7, T0 + timedelta(hours=3), {"a2": True, "b2": True})
    later = attempt(3, 7, T0 + timedelta(days=1), {"a3": True, "b3": False})
    last = attempt(4, 7, T0 + timedelta(days=2), {"a1": False, "a4": True, "b4": True})
    gain = person_gain([later, same_day, last, base], TOPIC)
    assert gain is not None
    assert gain.baseline.accuracy == 0.5
    # The last attempt at least a day later, scored without a1 (asked in the baseline).
    assert (gain.later.correct, gain.later.total) == (2, 2)  # type: ignore[union-attr]
    assert gain.gain == pytest.approx(0.5)
    assert gain.topic_gain("a") == pytest.approx(1.0)
    assert gain.topic_gain("b") == pytest.approx(0.0)


def test_no_later_result_within_a_day_or_on_only_seen_questions() -> None:
    base = attempt(1, 7, T0, {"a1": True, "b1": False})
    soon = attempt(2, 7, T0 + timedelta(hours=23, minutes=59), {"a2": True, "b2": True})
    assert person_gain([base, soon], TOPIC).gain is None  # type: ignore[union-attr]
    repeat = attempt(3, 7, T0 + timedelta(days=2), {"a1": True, "b1": True})
    assert person_gain([base, repeat], TOPIC).later is None  # type: ignore[union-attr]
    assert person_gain([], TOPIC) is None


def test_t_quantiles_match_the_integral_of_students_density() -> None:
    def cdf(t: float, df: int, steps: int = 4000) -> float:
        c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
        h = t / steps
        f = [c * (1 + (i * h) ** 2 / df) ** (-(df + 1) / 2) for i in range(steps + 1)]
        simpson = h / 3 * (f[0] + f[-1] + 4 * sum(f[1:-1:2]) + 2 * sum(f[2:-1:2]))
        return 0.5 + simpson

    for df in (1, 2, 5, 10, 29, 30, 31, 60, 200):
        assert cdf(t975(df), df) == pytest.approx(0.975, abs=2e-5 if df > 1 else 1e-4)


def test_interval_of_paired_differences() -> None:
    values = [0.1, 0.3, 0.2, 0.0, 0.4]
    est = mean_interval(values)
    half = 2.776 * statistics.stdev(values) / math.sqrt(5)
    assert est.n == 5
    assert est.mean == pytest.approx(0.2)
    assert est.low == pytest.approx(0.2 - half)
    assert est.high == pytest.approx(0.2 + half)
    assert mean_interval([0.5]).low is None
    assert mean_interval([0.5]).mean == 0.5
    assert mean_interval([]).mean is None


@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=50))
def test_the_interval_contains_the_mean_and_narrows_with_more_of_the_same(values) -> None:
    est = mean_interval(values)
    assert est.low is not None
    assert est.high is not None
    assert est.mean is not None
    assert est.low - 1e-9 <= est.mean <= est.high + 1e-9
    doubled = mean_interval(values * 2)
    assert doubled.high - doubled.low <= est.high - est.low + 1e-9  # type: ignore[operator]


def test_report_has_every_row_with_zeros_when_nobody_joined() -> None:
    c = campaign(first_day=date(2026, 3, 1), last_day=date(2026, 3, 31))
    now = datetime(2026, 3, 5, 12, tzinfo=TZ)
    empty = ReportInput([], [], [], [], {}, 0)
    report = build_report(c, empty, TOPIC, ["a", "b"], TZ, now)
    assert report.summary.participants == 0
    assert report.summary.pass_rate is None
    assert [u.standing.participants for u in report.units] == [0, 0, 0]
    assert [t.topic for t in report.topics] == ["a", "b"]
    assert [d.day.day for d in report.days] == [1, 2, 3, 4, 5]
    assert report.questions == ()


def test_report_counts_people_attempts_passes_and_gain_per_unit() -> None:
    c = campaign(pass_mark=2)
    now = datetime(2026, 3, 20, 12, tzinfo=TZ)
    members = [
        Member(1, "park", T0),
        Member(2, "park", T0 + timedelta(days=1)),
        Member(3, "branch-1", T0),
    ]
    closed = [
        attempt(1, 1, T0, {"a1": False, "b1": False}),
        attempt(2, 1, T0 + timedelta(days=1), {"a2": True, "b2": True}),
        attempt(3, 2, T0 + timedelta(days=1), {"a1": True, "b1": False}),
        attempt(4, 2, T0 + timedelta(days=3), {"a2": True, "b2": False}),
        attempt(5, 3, T0, {"a1": True, "b1": True}),
    ]
    started = [(a.user_id, a.started_at) for a in closed] + [(3, T0 + timedelta(days=1))]
    data = ReportInput(members, started, closed, [], {"park": 4}, 6)
    report = build_report(c, data, TOPIC, ["a", "b"], TZ, now)
    s = report.summary
    assert (s.reach, s.participants, s.attempts, s.closed_attempts) == (6, 3, 6, 5)
    assert (s.finishers, s.passed) == (3, 2)
    assert s.gain.n == 2
    assert s.gain.mean == pytest.approx((1.0 + 0.0) / 2)
    park = next(u for u in report.units if u.standing.unit.id == "park")
    assert (park.standing.participants, park.group_reach, park.gain.n) == (2, 4, 2)
    a = next(t for t in report.topics if t.topic == "a")
    assert (a.baseline.correct, a.baseline.total) == (2, 3)  # everyone's first attempt
    assert (a.later.correct, a.later.total) == (2, 2)
    days = {d.day: d for d in report.days}
    assert days[date(2026, 3, 11)].new_participants == 1
    assert days[date(2026, 3, 11)].attempts == 3
