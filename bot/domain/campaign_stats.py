"""What a campaign achieved: learning gain with its uncertainty, and the organizers' report.

Pure: the service reads rows from storage and passes them in with the time zone.

Learning gain, as the campaign defines it: a person's first closed attempt is their
baseline; their later result is their last closed attempt that started at least one day
(24 hours) after the baseline, scored only on questions the baseline did not ask. The gain is
the later accuracy minus the baseline accuracy. A group's gain is the mean of its people's
gains with a 95% t-interval of those paired differences (mean +- t(0.975, n-1) * sd / sqrt n):
the differences are per person, so people who learn a lot and people who learn little are
weighed alike, and the interval says how sure the mean is. With one person there is a mean
and no interval; with none, neither.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from bot.domain.campaigns import (
    Campaign,
    Mark,
    Result,
    UnitStanding,
    best_per_person,
    local_day,
    passed,
    unit_board,
)
from bot.domain.insight import QuestionSummary

LATER_AFTER = timedelta(days=1)

# Two-sided 95% quantiles of Student's t, t(0.975, df), for df = 1..30 (standard tables;
# tests/domain/test_campaign_stats.py checks them against a numeric integral of the density).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959963984540054


def t975(df: int) -> float:
    """t(0.975, df): the table up to 30, then a Cornish-Fisher expansion (error < 1e-4)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True, slots=True)
class Estimate:
    n: int
    mean: float | None
    low: float | None  # 95% interval; None below two people
    high: float | None


def mean_interval(values: Sequence[float]) -> Estimate:
    n = len(values)
    if n == 0:
        return Estimate(0, None, None, None)
    mean = statistics.fmean(values)
    if n == 1:
        return Estimate(1, mean, None, None)
    half = t975(n - 1) * statistics.stdev(values, mean) / math.sqrt(n)
    return Estimate(n, mean, mean - half, mean + half)


# --- per person --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClosedAttempt:
    """A closed attempt: its questions in order and whether each was right ("1") or not ("0").

    Kept as two flat values rather than one object per question: a report holds 300,000."""

    attempt_id: int
    user_id: int
    started_at: datetime
    duration: timedelta
    question_ids: tuple[str, ...]
    flags: str  # "1"/"0" per question; unanswered counts as "0"

    @classmethod
    def of(
        cls, attempt_id: int, user_id: int, started_at: datetime, duration: timedelta,
        marks: Iterable[Mark],
    ) -> ClosedAttempt:  # fmt: skip
        listed = list(marks)
        flags = "".join("1" if m.correct else "0" for m in listed)
        return cls(attempt_id, user_id, started_at, duration,
                   tuple(m.question_id for m in listed), flags)  # fmt: skip

    @property
    def marks(self) -> tuple[Mark, ...]:
        return tuple(
            Mark(q, f == "1") for q, f in zip(self.question_ids, self.flags, strict=False)
        )

    @property
    def correct(self) -> int:
        return self.flags.count("1")

    def result(self) -> Result:
        return Result(
            self.attempt_id, self.user_id, self.correct, len(self.question_ids), self.duration,
            self.started_at,
        )  # fmt: skip


class Tally(NamedTuple):
    """Right answers of so many (a named tuple: a report makes ~100,000 of them)."""

    correct: int = 0
    total: int = 0

    def add(self, other: Tally) -> Tally:
        return Tally(self.correct + other.correct, self.total + other.total)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None


def _tally(
    question_ids: Iterable[str], flags: Iterable[str], topic_of: Mapping[str, str]
) -> tuple[Tally, dict[str, Tally]]:
    right, total = 0, 0
    counts: dict[str, list[int]] = {}
    for question_id, flag in zip(question_ids, flags, strict=False):
        correct = flag == "1"
        right += correct
        total += 1
        topic = topic_of.get(question_id)
        if topic is not None:
            count = counts.get(topic)
            if count is None:
                counts[topic] = [int(correct), 1]
            else:
                count[0] += correct
                count[1] += 1
    return Tally(right, total), {t: Tally(c, n) for t, (c, n) in counts.items()}


@dataclass(frozen=True, slots=True)
class PersonGain:
    user_id: int
    baseline: Tally
    later: Tally | None  # None: no attempt a day later on unseen questions (yet)
    baseline_topics: Mapping[str, Tally]
    later_topics: Mapping[str, Tally]

    @property
    def gain(self) -> float | None:
        if self.later is None or self.later.accuracy is None or self.baseline.accuracy is None:
            return None
        return self.later.accuracy - self.baseline.accuracy

    def topic_gain(self, topic: str) -> float | None:
        before = self.baseline_topics.get(topic)
        after = self.later_topics.get(topic)
        if before is None or after is None or before.accuracy is None or after.accuracy is None:
            return None
        return after.accuracy - before.accuracy


def person_gain(
    attempts: Sequence[ClosedAttempt], topic_of: Mapping[str, str]
) -> PersonGain | None:
    """Baseline and later result of one person's closed attempts (None: no attempt yet)."""
    if not attempts:
        return None
    ordered = sorted(attempts, key=lambda a: (a.started_at, a.attempt_id))
    baseline = ordered[0]
    seen = set(baseline.question_ids)
    base, base_topics = _tally(baseline.question_ids, baseline.flags, topic_of)
    later = [a for a in ordered[1:] if a.started_at >= baseline.started_at + LATER_AFTER]
    last = later[-1] if later else None
    keep = [i for i, q in enumerate(last.question_ids) if q not in seen] if last else []
    if last is None or not keep:
        return PersonGain(baseline.user_id, base, None, base_topics, {})
    after, after_topics = _tally(
        [last.question_ids[i] for i in keep], [last.flags[i] for i in keep], topic_of
    )
    return PersonGain(baseline.user_id, base, after, base_topics, after_topics)


# --- the organizers' report --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    unit_id: str
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class UnitRow:
    standing: UnitStanding
    group_reach: int  # people who played group events in the unit's bound group chats
    gain: Estimate


@dataclass(frozen=True, slots=True)
class TopicRow:
    topic: str
    baseline: Tally  # everyone's first attempt
    later: Tally  # later results, on questions the baseline did not ask
    gain: Estimate  # paired, per person


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    new_participants: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Summary:
    reach: int  # participants and group-event players, each person once
    participants: int
    attempts: int  # started, finished or not
    closed_attempts: int
    finishers: int  # people with at least one closed attempt
    passed: int  # people whose best reaches the pass mark
    gain: Estimate

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.finishers if self.finishers else None


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign: Campaign
    generated_at: datetime
    summary: Summary
    units: tuple[UnitRow, ...]
    topics: tuple[TopicRow, ...]
    questions: tuple[QuestionSummary, ...]  # the editors' figures over the attempts
    days: tuple[DayRow, ...]


@dataclass(frozen=True, slots=True)
class ReportInput:
    """Everything the report is computed from, as storage returns it."""

    members: Sequence[Member]
    started: Sequence[tuple[int, datetime]]  # (user id, started at) of every attempt
    closed: Sequence[ClosedAttempt]
    questions: Sequence[QuestionSummary]  # every pool question, in pool order
    group_reach: Mapping[str, int]  # per unit
    reach: int


def build_report(
    campaign: Campaign,
    data: ReportInput,
    topic_of: Mapping[str, str],
    topics: Sequence[str],
    tz: tzinfo,
    now: datetime,
) -> CampaignReport:
    """Every sheet of the report; zeros (never missing rows) when nobody has joined."""
    unit_of = {m.user_id: m.unit_id for m in data.members}
    by_person: dict[int, list[ClosedAttempt]] = defaultdict(list)
    for attempt in data.closed:
        if attempt.user_id in unit_of:
            by_person[attempt.user_id].append(attempt)
    best = best_per_person(a.result() for attempts in by_person.values() for a in attempts)
    gains = {u: g for u, a in by_person.items() if (g := person_gain(a, topic_of)) is not None}

    unit_gains: dict[str, list[float]] = defaultdict(list)
    for user_id, g in gains.items():
        if g.gain is not None:
            unit_gains[unit_of[user_id]].append(g.gain)
    units = tuple(
        UnitRow(s, data.group_reach.get(s.unit.id, 0), mean_interval(unit_gains[s.unit.id]))
        for s in unit_board(campaign, unit_of, best)
    )

    topic_rows = []
    known = list(topics) + sorted(
        {t for g in gains.values() for t in g.baseline_topics} - set(topics)
    )
    for topic in known:
        before, after, diffs = Tally(), Tally(), []
        for g in gains.values():
            before = before.add(g.baseline_topics.get(topic, Tally()))
            after = after.add(g.later_topics.get(topic, Tally()))
            if (d := g.topic_gain(topic)) is not None:
                diffs.append(d)
        topic_rows.append(TopicRow(topic, before, after, mean_interval(diffs)))

    summary = Summary(
        reach=data.reach,
        participants=len(unit_of),
        attempts=len(data.started),
        closed_attempts=sum(len(a) for a in by_person.values()),
        finishers=len(best),
        passed=sum(passed(r, campaign) for r in best.values()),
        gain=mean_interval([g.gain for g in gains.values() if g.gain is not None]),
    )
    return CampaignReport(
        campaign=campaign,
        generated_at=now,
        summary=summary,
        units=units,
        topics=tuple(topic_rows),
        questions=tuple(data.questions),
        days=tuple(_days(campaign, data, tz, now)),
    )


def _days(campaign: Campaign, data: ReportInput, tz: tzinfo, now: datetime) -> list[DayRow]:
    """Every campaign day up to today (or the last day), with zeros on quiet days."""
    joined = Counter(local_day(m.joined_at, tz) for m in data.members)
    started = Counter(local_day(at, tz) for _, at in data.started)
    last = min(campaign.last_day, max(local_day(now, tz), campaign.first_day))
    days = []
    day = campaign.first_day
    while day <= last:
        days.append(DayRow(day, joined.get(day, 0), started.get(day, 0)))
        day += timedelta(days=1)
    return days
