"""Daily lessons: when one is due in the user's time zone, and which one to send.

Pure functions only: the current instant is a parameter (an aware datetime), never read here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.args import half_width
from bot.domain.content import Lesson
from bot.domain.quiz import CardState


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times when we never push a lesson: [start, end), wrapping over midnight.

    ``start == end`` means no quiet hours at all. Times are naive local wall-clock times.
    """

    start: time = time(22, 0)
    end: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times: pass naive times")

    def contains(self, t: time) -> bool:
        t = t.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


def allowed_time(t: time, quiet: QuietHours) -> bool:
    """Whether /subscribe may accept ``t``: a time inside quiet hours would never be due."""
    return not quiet.contains(t)


def example_times(lesson_time: time, quiet: QuietHours) -> tuple[time, time]:
    """Two times ``/subscribe`` accepts, for the examples the bot gives: ``LESSON_TIME`` and
    another one, the first half hour after quiet hours end that is allowed (a morning time
    with the usual 22:00-08:00). Computed, never written down, so every example works."""
    start = quiet.end.hour * 60 + quiet.end.minute
    for step in range(1, 49):
        minutes = (start + 30 * step) % (24 * 60)
        candidate = time(minutes // 60, minutes % 60)
        if candidate != lesson_time and allowed_time(candidate, quiet):
            return lesson_time, candidate
    return lesson_time, lesson_time  # quiet all day but LESSON_TIME: config refuses that


def _require_aware(now_utc: datetime) -> None:
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware")


def local_day(now_utc: datetime, tz: ZoneInfo) -> date:
    """The user's calendar day at this instant: the unit of "one lesson a day"."""
    _require_aware(now_utc)
    return now_utc.astimezone(tz).date()


def is_due(
    now_utc: datetime,
    tz: ZoneInfo,
    send_at: time,
    quiet: QuietHours,
    delivered_today: bool,
) -> bool:
    """Whether to send the user's lesson now.

    Due when the local time is at or after ``send_at``, outside quiet hours, and nothing was
    delivered on that local day (``delivered_today``, computed by the caller with
    ``local_day``). Being a predicate on "now" rather than an exact-minute trigger, a lesson
    missed during downtime goes out when the bot returns, if that is still the same local day
    and outside quiet hours. A ``send_at`` inside quiet hours is never due.
    """
    _require_aware(now_utc)
    if delivered_today or not allowed_time(send_at, quiet):
        return False
    local = now_utc.astimezone(tz).time()
    return local >= send_at.replace(tzinfo=None) and not quiet.contains(local)


_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)


def parse_hhmm(text: str) -> time | None:
    """Parse ``H:MM`` or ``HH:MM`` (surrounding spaces ignored), else None.

    Full-width digits and colon (``２０：００``) are accepted too: Chinese input methods type
    them by default.
    """
    match = _HHMM.fullmatch(half_width(text.strip()))
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


# --------------------------------------------------------------------------- lesson choice


@dataclass(frozen=True, slots=True)
class LessonChoice:
    """What today's delivery is: a new lesson, a review of wrong questions, or nothing left."""

    kind: Literal["lesson", "review", "done"]
    lesson: Lesson | None = None

    def __post_init__(self) -> None:
        if (self.kind == "lesson") != (self.lesson is not None):
            raise ValueError("a lesson is required for kind 'lesson' and only for it")


def lesson_order(lessons: Sequence[Lesson], topics: Sequence[str]) -> list[Lesson]:
    """Lessons in curriculum order: topic order as given, then ``order``, then id.

    Lessons whose topic is not in ``topics`` come last (by topic, order, id) rather than
    being silently dropped.
    """
    rank = {topic: i for i, topic in reversed(list(enumerate(topics)))}
    unknown = len(rank)

    def key(lesson: Lesson) -> tuple[int, str, int, str]:
        topic_rank = rank.get(lesson.topic, unknown)
        tie = lesson.topic if topic_rank == unknown else ""
        return (topic_rank, tie, lesson.order, lesson.id)

    return sorted(lessons, key=key)


def next_lesson(
    lessons: Sequence[Lesson],
    delivered_ids: Collection[str],
    day_index: int,
    *,
    topics: Sequence[str],
    has_wrong_questions: bool,
    review_every: int = 4,
    first: Sequence[str] = (),
) -> LessonChoice:
    """Choose today's delivery.

    ``day_index`` is how many deliveries this user already had (0 for the first). Every
    ``review_every``-th delivery (``day_index % review_every == review_every - 1``) is a
    review when ``has_wrong_questions`` (see ``pick_review_questions``); otherwise it is the
    first undelivered lesson in ``lesson_order``. Once every lesson was delivered the answer
    is 'done', review or not, so a finished course stops pushing.

    ``first`` (a running campaign's lessons) jumps the queue: while one of them is
    undelivered, the first such comes next, in ``first``'s order and before any review; then
    the curriculum goes on where it was, never repeating a lesson.
    """
    if day_index < 0:
        raise ValueError(f"day_index must be >= 0, got {day_index}")
    if review_every < 1:
        raise ValueError(f"review_every must be >= 1, got {review_every}")
    by_id = {lesson.id: lesson for lesson in lessons}
    for lesson_id in first:
        if lesson_id in by_id and lesson_id not in delivered_ids:
            return LessonChoice("lesson", by_id[lesson_id])
    pending = [
        lesson for lesson in lesson_order(lessons, topics) if lesson.id not in delivered_ids
    ]
    if not pending:
        return LessonChoice("done")
    if has_wrong_questions and day_index % review_every == review_every - 1:
        return LessonChoice("review")
    return LessonChoice("lesson", pending[0])


def pick_review_questions(cards: Mapping[str, CardState], today: date, k: int = 3) -> list[str]:
    """Up to ``k`` questions the user last answered wrong, most overdue first.

    Not-yet-due wrong cards are included (after the overdue ones): a review lesson is about
    mistakes, and a mistake from yesterday is still worth one more look. Ties: lower box,
    then more wrong answers, then id, so the result is deterministic.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    wrong = [qid for qid, card in cards.items() if card.last_correct is False]
    wrong.sort(key=lambda qid: (cards[qid].due - today, cards[qid].box, -cards[qid].wrong, qid))
    return wrong[:k]


# --------------------------------------------------------------------------- settings text


_RANGE = re.compile(r"(.+?)\s*[-–~～至到]\s*(.+)")


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``22:00-08:00`` (also ``22：00～8：00``) as QuietHours, else None; ``off`` means none."""
    if text.strip().lower() in {"off", "none", "0"}:
        return QuietHours(time(0), time(0))
    match = _RANGE.fullmatch(text.strip())
    if match is None:
        return None
    start, end = parse_hhmm(match.group(1)), parse_hhmm(match.group(2))
    if start is None or end is None:
        return None
    return QuietHours(start, end)


def format_hhmm(t: time) -> str:
    """The stored and displayed form: zero-padded, so text order is time order."""
    return f"{t.hour:02d}:{t.minute:02d}"


# --------------------------------------------------------------------------- stored state


ChatKind = Literal["private", "group"]
DeliveryKind = Literal["lesson", "review", "done"]
DeliveryStatus = Literal["pending", "sent", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One chat's lesson settings; ``tz`` None means the bot's configured time zone."""

    chat_id: int
    kind: ChatKind
    language: str
    tz: str | None
    send_at: time
    active: bool
    inactive_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed lesson for one chat and local day (see ``lesson_deliveries``)."""

    id: int
    chat_id: int
    local_day: date
    kind: DeliveryKind
    lesson_id: str | None
    check_id: str | None
    recap_ids: tuple[str, ...]
    status: DeliveryStatus
    attempts: int
    error: str | None
    message_id: int | None
    claimed_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class LessonHistory:
    """What a chat already had: lesson ids never to repeat, and how many days were sent."""

    lesson_ids: frozenset[str]
    sent: int


@dataclass(frozen=True, slots=True)
class BroadcastStats:
    """For operators: the state of the daily push."""

    active_private: int
    active_groups: int
    inactive_by_reason: tuple[tuple[str, int], ...]
    sent_today: int
    pending: int
    failed_today_by_reason: tuple[tuple[str, int], ...]
    failed_by_reason: tuple[tuple[str, int], ...]  # since the start
