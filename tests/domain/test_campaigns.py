"""Campaign rules: payloads, codes, attempt limits, closing, best-of with ties, draws."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.campaigns import (
    CODE_ALPHABET,
    Campaign,
    Result,
    StartRefusal,
    Unit,
    UnitKind,
    best_per_person,
    best_result,
    blueprint,
    canonical_code,
    check_start,
    close_attempt,
    deep_link,
    display_code,
    draw,
    encode_code,
    join_payload,
    parse_payload,
    payload_fits,
    ranking,
    unit_board,
    verify_wait,
)
from bot.domain.content import Text
from tests.domain.factories import question

SHANGHAI = ZoneInfo("Asia/Shanghai")


def campaign(**changes: object) -> Campaign:
    base = Campaign(
        id="demo-315",
        title=Text("3·15 知识竞赛", "3·15 contest"),
        first_day=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
        timezone="Asia/Shanghai",
        banks=("telecom_fraud",),
        topics=(),
        questions_per_attempt=10,
        time_limit=timedelta(minutes=5),
        attempts_per_day=3,
        pass_mark=8,
        units=(
            Unit("branch-1", Text("一支行"), UnitKind.BRANCH, 100),
            Unit("school", Text("实验小学"), UnitKind.SCHOOL, 50),
            Unit("park", Text("公园社区"), UnitKind.COMMUNITY, 10),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def shanghai(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# --- payloads and codes -------------------------------------------------------------------------


def test_payload_round_trips_with_dashes_in_both_ids() -> None:
    payload = join_payload("demo-315", "branch-1")
    assert payload == "C-demo-315-U-branch-1"
    assert parse_payload(payload) == ("demo-315", "branch-1")
    assert payload_fits(payload)
    assert deep_link("@quiz315_bot", payload) == "https://t.me/quiz315_bot?start=" + payload


@pytest.mark.parametrize("bank_like", ["telecom_fraud", "c-demo-u-x", "C-demo", "C-x-U-", ""])
def test_bank_ids_and_fragments_are_not_join_payloads(bank_like: str) -> None:
    assert parse_payload(bank_like) is None


def test_payload_over_64_characters_does_not_fit() -> None:
    assert len(join_payload("c" * 40, "u" * 19)) == 64
    assert payload_fits(join_payload("c" * 40, "u" * 19))
    assert not payload_fits(join_payload("c" * 40, "u" * 20))


@given(st.integers(min_value=0, max_value=(1 << 40) - 1))
def test_codes_round_trip_and_forgive_case_and_confusions(value: int) -> None:
    code = encode_code(value)
    assert len(code) == 8
    assert set(code) <= set(CODE_ALPHABET)
    typed = display_code(code).lower().replace("0", "o").replace("1", "l")
    assert canonical_code(typed) == code
    assert canonical_code(f" {code[:4]} {code[4:]} ") == code


@pytest.mark.parametrize("typed", ["ABCDEFG", "ABCDEFGHJ", "ABCDEFGU", "ABCD!FGH", ""])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert canonical_code(typed) is None


# --- attempts ---------------------------------------------------------------------------------


def test_three_attempts_a_day_then_the_next_opens_at_local_midnight() -> None:
    c = campaign()
    now = shanghai(2026, 3, 15, 23, 30)
    assert check_start(c, now, SHANGHAI, 2).allowed
    assert check_start(c, now, SHANGHAI, 2).left_today == 1
    refused = check_start(c, now, SHANGHAI, 3)
    assert refused.refusal is StartRefusal.LIMIT
    assert refused.opens_at == shanghai(2026, 3, 16, 0, 0)


def test_days_are_counted_in_the_campaigns_time_zone() -> None:
    # 16:30 UTC on 14 March is already 00:30 on 15 March in Shanghai: a new day there.
    now = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)
    refused = check_start(campaign(), now - timedelta(hours=1), SHANGHAI, 3)
    assert refused.opens_at == now.replace(minute=0)
    assert check_start(campaign(), now, ZoneInfo("UTC"), 3).refusal is StartRefusal.LIMIT


def test_before_the_first_day_and_after_the_last() -> None:
    early = check_start(campaign(), shanghai(2026, 2, 28, 23, 59), SHANGHAI, 0)
    assert early.refusal is StartRefusal.NOT_STARTED
    assert early.opens_at == shanghai(2026, 3, 1, 0, 0)
    late = check_start(campaign(), shanghai(2026, 4, 1, 0, 0), SHANGHAI, 0)
    assert late.refusal is StartRefusal.ENDED
    assert late.opens_at is None
    last_day = check_start(campaign(), shanghai(2026, 3, 31, 22, 0), SHANGHAI, 3)
    assert last_day.refusal is StartRefusal.LIMIT
    assert last_day.opens_at is None


def test_attempt_runs_until_all_answered_or_time_is_up() -> None:
    start = shanghai(2026, 3, 15, 10, 0)
    deadline = start + timedelta(minutes=5)
    ids = ["a", "b", "c"]
    answers = {
        "a": (True, start + timedelta(seconds=20)),
        "b": (False, start + timedelta(seconds=60)),
    }
    assert close_attempt(ids, answers, start, deadline, start + timedelta(minutes=2)) is None
    answers["c"] = (True, start + timedelta(seconds=90))
    done = close_attempt(ids, answers, start, deadline, start + timedelta(minutes=2))
    assert done is not None
    assert not done.expired
    assert (done.correct, done.total, done.duration) == (2, 3, timedelta(seconds=90))


def test_unanswered_and_late_answers_are_wrong_when_time_runs_out() -> None:
    start = shanghai(2026, 3, 15, 10, 0)
    deadline = start + timedelta(minutes=5)
    answers = {"a": (True, start + timedelta(seconds=20)), "b": (True, deadline + timedelta(1))}
    out = close_attempt(["a", "b", "c"], answers, start, deadline, deadline)
    assert out is not None
    assert out.expired
    assert out.correct == 1
    assert out.duration == timedelta(minutes=5)
    assert [(m.correct, m.answered) for m in out.marks] == [(True, True), (False, False)] * 1 + [
        (False, False)
    ]


# --- best of, ties, ranks ---------------------------------------------------------------------


def result(aid: int, user: int, correct: int, seconds: int, minute: int = 0) -> Result:
    return Result(
        aid, user, correct, 10, timedelta(seconds=seconds), shanghai(2026, 3, 15, 9, minute)
    )


def test_best_score_counts_then_shorter_time_then_earlier_attempt() -> None:
    assert best_result([result(1, 7, 6, 100), result(2, 7, 9, 200)]) == result(2, 7, 9, 200)
    assert best_result([result(1, 7, 9, 200), result(2, 7, 9, 150, 5)]) == result(2, 7, 9, 150, 5)
    assert best_result([result(1, 7, 9, 150, 0), result(2, 7, 9, 150, 5)]) == result(1, 7, 9, 150)
    assert best_result([]) is None


def test_ranking_breaks_ties_by_time_then_the_earlier_attempt() -> None:
    best = best_per_person(
        [result(1, 1, 8, 90), result(2, 2, 9, 300), result(3, 3, 8, 60), result(4, 4, 8, 60, 1)]
    )
    assert [(rank, r.user_id) for rank, r in ranking(best)] == [(1, 2), (2, 3), (3, 4), (4, 1)]


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(0, 10), st.integers(1, 600), st.integers(0, 59)),
        max_size=30,
    )
)
def test_best_per_person_is_the_best_of_that_persons_own_results(rows: list) -> None:
    results = [result(i, u, c, s, m) for i, (u, c, s, m) in enumerate(rows)]
    best = best_per_person(results)
    for user, held in best.items():
        own = [r for r in results if r.user_id == user]
        assert held in own
        assert all(held.correct >= r.correct for r in own)
        assert all(held.duration <= r.duration for r in own if r.correct == held.correct)


def test_unit_board_ranks_by_participation_rate() -> None:
    c = campaign()
    members = {1: "branch-1", 2: "branch-1", 3: "park", 4: "park"}
    best = best_per_person([result(1, 1, 10, 60), result(2, 3, 6, 60), result(3, 4, 8, 60)])
    board = unit_board(c, members, best)
    assert [(s.unit.id, s.participants, s.rank) for s in board] == [
        ("park", 2, 1),
        ("branch-1", 2, 2),
        ("school", 0, 3),
    ]
    assert board[0].rate == pytest.approx(0.2)
    assert board[0].average_best == pytest.approx(7.0)
    assert board[1].average_best == pytest.approx(10.0)  # only the person who finished counts
    assert board[2].average_best is None
    assert board[2].rate == 0


# --- draws -----------------------------------------------------------------------------------


def pool_of(cells: dict[tuple[str, int], int], groups: dict[str, str] | None = None) -> list:
    questions = []
    for (topic, difficulty), n in cells.items():
        for i in range(n):
            qid = f"{topic}-{difficulty}-{i}"
            q = replace(question(qid, difficulty=difficulty), topic=topic)
            group = (groups or {}).get(qid)
            questions.append(replace(q, group=group))
    return questions


def test_blueprint_is_proportional_and_sums_to_the_attempt_size() -> None:
    pool = pool_of({("a", 1): 20, ("a", 2): 10, ("b", 1): 10})
    assert blueprint(pool, 8) == {("a", 1): 4, ("a", 2): 2, ("b", 1): 2}
    assert sum(blueprint(pool, 7).values()) == 7
    assert blueprint(pool, 41) == {}


def test_every_draw_has_the_same_cells_and_avoids_seen_questions() -> None:
    pool = pool_of({("a", 1): 6, ("a", 2): 4, ("b", 3): 2})
    plan = blueprint(pool, 6)
    rng = random.Random(3)
    first = draw(pool, plan, [], rng)
    second = draw(pool, plan, [q.id for q in first], rng)
    for attempt in (first, second):
        assert Counter((q.topic, q.difficulty) for q in attempt) == Counter(plan)
        assert len({q.id for q in attempt}) == 6
    # Cell (a, 1) has 6 questions and gives 3: the second attempt can avoid all of the first's.
    first_a1 = {q.id for q in first if (q.topic, q.difficulty) == ("a", 1)}
    second_a1 = {q.id for q in second if (q.topic, q.difficulty) == ("a", 1)}
    assert not first_a1 & second_a1


def test_a_draw_takes_at_most_one_question_per_group() -> None:
    groups = {"a-1-0": "g", "a-1-1": "g", "a-1-2": "g", "b-1-0": "g"}
    pool = pool_of({("a", 1): 4, ("b", 1): 2}, groups)
    plan = blueprint(pool, 3)
    assert sum(plan.values()) == 3
    for seed in range(30):
        picked = draw(pool, plan, [], random.Random(seed))
        assert sum(getattr(q, "group", None) == "g" for q in picked) <= 1


def test_draw_is_random_within_a_cell() -> None:
    pool = pool_of({("a", 1): 10})
    plan = blueprint(pool, 2)
    seen = {frozenset(q.id for q in draw(pool, plan, [], random.Random(s))) for s in range(20)}
    assert len(seen) > 5


# --- verify rate limit ------------------------------------------------------------------------


def test_verify_allows_five_checks_in_ten_minutes() -> None:
    now = shanghai(2026, 3, 15, 10, 0)
    recent = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert verify_wait(recent, now) is None
    recent.append(now - timedelta(minutes=9))
    assert verify_wait(recent, now) == now + timedelta(minutes=1)
    assert verify_wait(recent, now + timedelta(minutes=1)) is None
