from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import (
    LessonChoice,
    QuietHours,
    allowed_time,
    is_due,
    lesson_order,
    local_day,
    next_lesson,
    parse_hhmm,
    pick_review_questions,
)
from tests.domain.factories import card, lesson

NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_QUIET = QuietHours()
NO_QUIET = QuietHours(time(0), time(0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------- quiet hours


@pytest.mark.parametrize(
    ("t", "quiet"),
    [
        (time(22, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(7, 59, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
        (time(21, 59, 59), False),
    ],
)
def test_default_quiet_hours_wrap_midnight(t: time, quiet: bool) -> None:
    assert DEFAULT_QUIET.contains(t) is quiet


def test_default_quiet_hours_are_22_to_8() -> None:
    assert (DEFAULT_QUIET.start, DEFAULT_QUIET.end) == (time(22), time(8))


@pytest.mark.parametrize(
    ("t", "quiet"),
    [(time(12, 59), False), (time(13), True), (time(13, 59), True), (time(14), False)],
)
def test_quiet_hours_within_one_day(t: time, quiet: bool) -> None:
    assert QuietHours(time(13), time(14)).contains(t) is quiet


@pytest.mark.parametrize("t", [time(0), time(12), time(23, 59)])
def test_equal_start_end_means_no_quiet_hours(t: time) -> None:
    assert not QuietHours(time(22), time(22)).contains(t)
    assert not NO_QUIET.contains(t)


def test_contains_ignores_tzinfo_of_argument() -> None:
    assert DEFAULT_QUIET.contains(time(23, tzinfo=UTC))


def test_quiet_hours_reject_aware_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        QuietHours(time(22, tzinfo=UTC), time(8))


def test_allowed_time() -> None:
    assert allowed_time(time(20), DEFAULT_QUIET)
    assert allowed_time(time(8), DEFAULT_QUIET)
    assert not allowed_time(time(22), DEFAULT_QUIET)
    assert not allowed_time(time(3), DEFAULT_QUIET)
    assert allowed_time(time(3), NO_QUIET)


# --------------------------------------------------------------------------- local day


def test_local_day_differs_by_zone_at_same_instant() -> None:
    instant = utc(2026, 3, 15, 2, 0)
    assert local_day(instant, NEW_YORK) == date(2026, 3, 14)
    assert local_day(instant, SHANGHAI) == date(2026, 3, 15)
    late = utc(2026, 3, 15, 20, 0)
    assert local_day(late, SHANGHAI) == date(2026, 3, 16)
    assert local_day(late, NEW_YORK) == date(2026, 3, 15)


def test_local_day_accepts_any_aware_datetime() -> None:
    beijing_morning = datetime(2026, 3, 15, 7, 0, tzinfo=timezone(timedelta(hours=8)))
    assert local_day(beijing_morning, NEW_YORK) == date(2026, 3, 14)


def test_naive_now_rejected() -> None:
    naive = datetime(2026, 3, 15, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        local_day(naive, SHANGHAI)
    with pytest.raises(ValueError, match="aware"):
        is_due(naive, SHANGHAI, time(9), DEFAULT_QUIET, False)


# --------------------------------------------------------------------------- is_due


def test_due_at_and_after_send_time() -> None:
    # Shanghai is UTC+8 all year: 20:00 local = 12:00 UTC.
    assert not is_due(utc(2026, 3, 15, 11, 59), SHANGHAI, time(20), DEFAULT_QUIET, False)
    assert is_due(utc(2026, 3, 15, 12, 0), SHANGHAI, time(20), DEFAULT_QUIET, False)
    assert is_due(utc(2026, 3, 15, 13, 59), SHANGHAI, time(20), DEFAULT_QUIET, False)


def test_not_due_once_delivered_today() -> None:
    assert not is_due(utc(2026, 3, 15, 12, 0), SHANGHAI, time(20), DEFAULT_QUIET, True)


def test_send_time_inside_quiet_hours_is_never_due() -> None:
    for hour in range(24):
        now = utc(2026, 3, 15, hour, 30)
        assert not is_due(now, SHANGHAI, time(23), DEFAULT_QUIET, False)
        assert not is_due(now, SHANGHAI, time(6), DEFAULT_QUIET, False)


def test_not_due_after_quiet_hours_start() -> None:
    # 21:00 lesson, bot busy until 22:00 local: too late tonight.
    assert is_due(utc(2026, 3, 15, 13, 59), SHANGHAI, time(21), DEFAULT_QUIET, False)
    assert not is_due(utc(2026, 3, 15, 14, 0), SHANGHAI, time(21), DEFAULT_QUIET, False)


def test_after_midnight_new_day_waits_for_send_time() -> None:
    # 00:30 local on the next day: a new local day, and before 20:00.
    assert not is_due(utc(2026, 3, 15, 16, 30), SHANGHAI, time(20), NO_QUIET, False)


def test_missed_lesson_after_downtime_is_due_same_day() -> None:
    # 09:00 lesson in Shanghai; the bot was down from 08:00 to 15:00 local.
    back = utc(2026, 3, 15, 7, 0)  # 15:00 local
    assert is_due(back, SHANGHAI, time(9), DEFAULT_QUIET, False)


def test_missed_lesson_when_bot_returns_in_quiet_hours_is_skipped() -> None:
    # 20:00 lesson; the bot returns at 23:00 local (quiet) and again at 07:00 (quiet, new day).
    assert not is_due(utc(2026, 3, 15, 15, 0), SHANGHAI, time(20), DEFAULT_QUIET, False)
    assert not is_due(utc(2026, 3, 15, 23, 0), SHANGHAI, time(20), DEFAULT_QUIET, False)


def test_downtime_across_daytime_quiet_window() -> None:
    lunch = QuietHours(time(13), time(14))
    assert not is_due(utc(2026, 3, 15, 5, 30), SHANGHAI, time(12), lunch, False)  # 13:30
    assert is_due(utc(2026, 3, 15, 6, 0), SHANGHAI, time(12), lunch, False)  # 14:00


def test_same_utc_instant_new_york_and_shanghai() -> None:
    # 2026-03-15 13:00 UTC = 09:00 EDT in New York = 21:00 in Shanghai.
    instant = utc(2026, 3, 15, 13, 0)
    send_at = time(8, 30)
    assert is_due(instant, NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert is_due(instant, SHANGHAI, send_at, DEFAULT_QUIET, False)  # missed at 08:30, still ok
    # One hour later Shanghai is in quiet hours, New York is not.
    later = instant + timedelta(hours=1)
    assert is_due(later, NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert not is_due(later, SHANGHAI, send_at, DEFAULT_QUIET, False)
    # 20:00 lesson at 13:00 UTC: Shanghai (21:00) is due, New York (09:00) is not yet.
    assert is_due(instant, SHANGHAI, time(20), DEFAULT_QUIET, False)
    assert not is_due(instant, NEW_YORK, time(20), DEFAULT_QUIET, False)


def test_new_york_spring_forward_moves_utc_send_time() -> None:
    # 2026-03-08: clocks jump 02:00 EST -> 03:00 EDT. 08:00 local is 12:00 UTC that day,
    # 13:00 UTC the day before.
    send_at = time(8)
    assert not is_due(utc(2026, 3, 7, 12, 30), NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert is_due(utc(2026, 3, 7, 13, 0), NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert not is_due(utc(2026, 3, 8, 11, 59), NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert is_due(utc(2026, 3, 8, 12, 0), NEW_YORK, send_at, DEFAULT_QUIET, False)


def test_new_york_send_time_skipped_by_dst_is_due_right_after_the_gap() -> None:
    # 02:30 never happens on 2026-03-08 in New York; it is due at 03:00 EDT (07:00 UTC).
    send_at = time(2, 30)
    assert not is_due(utc(2026, 3, 8, 6, 59), NEW_YORK, send_at, NO_QUIET, False)  # 01:59 EST
    assert is_due(utc(2026, 3, 8, 7, 0), NEW_YORK, send_at, NO_QUIET, False)  # 03:00 EDT
    assert local_day(utc(2026, 3, 8, 7, 0), NEW_YORK) == date(2026, 3, 8)


def test_new_york_fall_back_repeated_hour_sends_once() -> None:
    # 2026-11-01: 01:00-02:00 happens twice. Both instants share the local day, so the
    # delivered-today flag stops the second send.
    send_at = time(1, 30)
    first = utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    second = utc(2026, 11, 1, 6, 30)  # 01:30 EST
    assert local_day(first, NEW_YORK) == local_day(second, NEW_YORK) == date(2026, 11, 1)
    assert is_due(first, NEW_YORK, send_at, NO_QUIET, False)
    assert not is_due(second, NEW_YORK, send_at, NO_QUIET, True)


def test_new_york_fall_back_shifts_utc_send_time() -> None:
    send_at = time(8)  # 12:00 UTC before the change, 13:00 UTC after
    assert is_due(utc(2026, 10, 31, 12, 0), NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert not is_due(utc(2026, 11, 1, 12, 0), NEW_YORK, send_at, DEFAULT_QUIET, False)
    assert is_due(utc(2026, 11, 1, 13, 0), NEW_YORK, send_at, DEFAULT_QUIET, False)


# --------------------------------------------------------------------------- parse_hhmm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20:00", time(20, 0)),
        ("8:30", time(8, 30)),
        ("08:30", time(8, 30)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 7:05 ", time(7, 5)),
        ("20：00", time(20, 0)),  # full-width colon from Chinese input methods
        ("８:３０", time(8, 30)),  # full-width digits, the same keyboards
        ("２０：００", time(20, 0)),
    ],
)
def test_parse_hhmm_accepts(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0830",
        "830",
        "24:00",
        "12:60",
        "8:3",
        "123:00",
        "08:30:00",
        "8.30",
        "8:30pm",
        "-1:00",
        "²0:00",  # superscript: a digit to str.isdigit, never to us
        "٨:٣٠",  # Arabic-Indic digits
        "20:00\n21:00",
        "twenty",
    ],
)
def test_parse_hhmm_rejects(text: str) -> None:
    assert parse_hhmm(text) is None


# --------------------------------------------------------------------------- next_lesson

TOPICS = ("telecom_fraud", "card_skimming", "illegal_fundraising")
LESSONS = (
    lesson("skim-2", "card_skimming", 2),
    lesson("tel-2", "telecom_fraud", 2),
    lesson("fund-1", "illegal_fundraising", 1),
    lesson("skim-1", "card_skimming", 1),
    lesson("tel-1", "telecom_fraud", 1),
)


def test_lesson_order_by_topic_then_order() -> None:
    assert [x.id for x in lesson_order(LESSONS, TOPICS)] == [
        "tel-1",
        "tel-2",
        "skim-1",
        "skim-2",
        "fund-1",
    ]


def test_lessons_of_unknown_topics_come_last_in_a_stable_order() -> None:
    extra = (
        *LESSONS,
        lesson("z-1", "zeta", 1),
        lesson("a-1", "alpha", 5),
        lesson("a-0", "alpha", 5),
    )
    assert [x.id for x in lesson_order(extra, TOPICS)][-3:] == ["a-0", "a-1", "z-1"]


def test_equal_order_ties_broken_by_id_and_duplicate_topics_use_first() -> None:
    lessons = (lesson("b", "t", 1), lesson("a", "t", 1), lesson("c", "u", 1))
    assert [x.id for x in lesson_order(lessons, ("u", "t", "u"))] == ["c", "a", "b"]


def test_first_lesson_for_new_user() -> None:
    choice = next_lesson(LESSONS, set(), 0, topics=TOPICS, has_wrong_questions=False)
    assert choice == LessonChoice("lesson", LESSONS[4])


def test_skips_delivered_lessons_even_out_of_order() -> None:
    choice = next_lesson(LESSONS, {"tel-1", "skim-1"}, 2, topics=TOPICS, has_wrong_questions=False)
    assert choice.lesson is not None
    assert choice.lesson.id == "tel-2"


@pytest.mark.parametrize(
    ("day_index", "kind"),
    [(0, "lesson"), (2, "lesson"), (3, "review"), (4, "lesson"), (7, "review")],
)
def test_every_fourth_delivery_is_review_when_wrong_questions(day_index: int, kind: str) -> None:
    choice = next_lesson(LESSONS, set(), day_index, topics=TOPICS, has_wrong_questions=True)
    assert choice.kind == kind
    assert (choice.lesson is None) == (kind == "review")


def test_a_campaigns_lessons_come_first_in_its_order_even_on_a_review_day() -> None:
    first = ("fund-1", "nope", "skim-2")  # an unknown id is skipped, not an error
    picked = [
        next_lesson(LESSONS, delivered, 3, topics=TOPICS, has_wrong_questions=True, first=first)
        for delivered in (set(), {"fund-1"}, {"fund-1", "skim-2"})
    ]
    assert [c.lesson.id if c.lesson else c.kind for c in picked] == ["fund-1", "skim-2", "review"]
    after = next_lesson(
        LESSONS, {"fund-1", "skim-2"}, 4, topics=TOPICS, has_wrong_questions=False, first=first
    )
    assert after == next_lesson(
        LESSONS, {"fund-1", "skim-2"}, 4, topics=TOPICS, has_wrong_questions=False
    )  # then the curriculum, where it was


def test_review_day_without_wrong_questions_is_a_lesson() -> None:
    choice = next_lesson(LESSONS, set(), 3, topics=TOPICS, has_wrong_questions=False)
    assert choice.kind == "lesson"


def test_custom_review_every() -> None:
    kinds = [
        next_lesson(
            LESSONS, set(), i, topics=TOPICS, has_wrong_questions=True, review_every=2
        ).kind
        for i in range(4)
    ]
    assert kinds == ["lesson", "review", "lesson", "review"]
    every_day = next_lesson(
        LESSONS, set(), 0, topics=TOPICS, has_wrong_questions=True, review_every=1
    )
    assert every_day.kind == "review"


def test_done_when_everything_delivered_even_on_review_day() -> None:
    delivered = {x.id for x in LESSONS}
    for day_index in range(8):
        choice = next_lesson(
            LESSONS, delivered, day_index, topics=TOPICS, has_wrong_questions=True
        )
        assert choice == LessonChoice("done")


def test_no_lessons_is_done() -> None:
    assert next_lesson((), set(), 0, topics=TOPICS, has_wrong_questions=True).kind == "done"


def test_delivered_ids_of_removed_lessons_are_ignored() -> None:
    choice = next_lesson(LESSONS[:1], {"gone"}, 0, topics=TOPICS, has_wrong_questions=False)
    assert choice.lesson == LESSONS[0]


def test_next_lesson_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="day_index"):
        next_lesson(LESSONS, set(), -1, topics=TOPICS, has_wrong_questions=False)
    with pytest.raises(ValueError, match="review_every"):
        next_lesson(LESSONS, set(), 0, topics=TOPICS, has_wrong_questions=False, review_every=0)


def test_lesson_choice_invariant() -> None:
    with pytest.raises(ValueError, match="lesson"):
        LessonChoice("lesson")
    with pytest.raises(ValueError, match="lesson"):
        LessonChoice("review", LESSONS[0])


# --------------------------------------------------------------------------- review questions

TODAY = date(2026, 3, 15)


def test_pick_review_only_wrong_most_overdue_first() -> None:
    cards = {
        "ok": card(3, TODAY - timedelta(days=10), last_correct=True),
        "new": card(0, TODAY, last_correct=None, seen=0),
        "w_recent": card(1, TODAY, last_correct=False),
        "w_old": card(1, TODAY - timedelta(days=5), last_correct=False),
        "w_future": card(1, TODAY + timedelta(days=1), last_correct=False),
        "w_mid": card(1, TODAY - timedelta(days=2), last_correct=False),
    }
    assert pick_review_questions(cards, TODAY) == ["w_old", "w_mid", "w_recent"]
    assert pick_review_questions(cards, TODAY, k=10) == ["w_old", "w_mid", "w_recent", "w_future"]


def test_pick_review_ties_by_wrong_count_then_id() -> None:
    due = TODAY - timedelta(days=1)
    cards = {
        "b": card(1, due, last_correct=False, seen=3, wrong=1),
        "a": card(1, due, last_correct=False, seen=3, wrong=1),
        "c": card(1, due, last_correct=False, seen=3, wrong=3),
    }
    assert pick_review_questions(cards, TODAY) == ["c", "a", "b"]


def test_pick_review_empty_and_k_zero() -> None:
    assert pick_review_questions({}, TODAY) == []
    assert pick_review_questions({"x": card(1, TODAY, last_correct=False)}, TODAY, k=0) == []
    with pytest.raises(ValueError, match="k must"):
        pick_review_questions({}, TODAY, k=-1)


def test_has_wrong_questions_feeds_next_lesson() -> None:
    cards = {"x": card(1, TODAY, last_correct=False)}
    has_wrong = bool(pick_review_questions(cards, TODAY))
    choice = next_lesson(LESSONS, set(), 3, topics=TOPICS, has_wrong_questions=has_wrong)
    assert choice.kind == "review"
