"""Drawing questions one per group, and option orders that never shuffle where order matters."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date

from bot.domain.content import Option, QuestionType, Text, Verdict
from bot.domain.quiz import draw_questions, option_order, select_questions, shuffle_options
from tests.domain.factories import card, question

TODAY = date(2026, 3, 15)


def grouped(qid: str, group: str | None):
    return replace(question(qid), group=group)


POOL = [
    grouped("a1", "a"),
    grouped("a2", "a"),
    grouped("a3", "a"),
    grouped("b1", "b"),
    grouped("b2", "b"),
    grouped("c", None),
    grouped("d", None),
]


def groups_of(ids: list[str]) -> list[str]:
    return [qid[0] for qid in ids]


def test_a_quiz_draws_at_most_one_question_per_group() -> None:
    for seed in range(50):
        got = select_questions(POOL, {}, 10, TODAY, random.Random(seed))
        assert sorted(groups_of(got)) == ["a", "b", "c", "d"], got


def test_a_wrong_answer_due_for_review_stands_for_its_group() -> None:
    cards = {"a3": card(due=TODAY, last_correct=False)}
    for seed in range(20):
        got = select_questions(POOL, cards, 10, TODAY, random.Random(seed))
        assert got[0] == "a3"
        assert "a1" not in got
        assert "a2" not in got


def test_a_group_is_one_unit_in_the_shuffle() -> None:
    """Group 'a' (three questions) comes first as often as 'c' (one), not three times as often."""
    firsts = Counter(
        groups_of(select_questions(POOL, {}, 1, TODAY, random.Random(seed)))[0]
        for seed in range(4000)
    )
    assert set(firsts) == {"a", "b", "c", "d"}
    assert max(firsts.values()) < 1.25 * min(firsts.values()), firsts


def test_each_member_of_a_group_gets_its_turn() -> None:
    seen = Counter(
        qid
        for seed in range(300)
        for qid in select_questions(POOL, {}, 10, TODAY, random.Random(seed))
        if qid.startswith("a")
    )
    assert set(seen) == {"a1", "a2", "a3"}


def test_without_groups_the_draw_is_unchanged() -> None:
    plain = [question(q) for q in "abcdefgh"]
    for seed in range(10):
        expected = [q.id for q in plain]
        random.Random(seed).shuffle(expected)
        assert draw_questions(plain, 5, random.Random(seed)) == expected[:5]


def test_an_event_draws_one_per_group_and_may_fall_short() -> None:
    for seed in range(30):
        got = draw_questions(POOL, 10, random.Random(seed))
        assert sorted(groups_of(got)) == ["a", "b", "c", "d"]
        assert len(draw_questions(POOL, 2, random.Random(seed))) == 2


def test_true_false_and_genuine_or_scam_keep_their_order() -> None:
    tf = replace(question("tf", n_options=2), type=QuestionType.TRUE_FALSE)
    pair = replace(
        question("v", n_options=2),
        options=(Option(Text("真的（正规）", "Genuine")), Option(Text("诈骗", "Scam"), True)),
        verdict=Verdict.SCAM,
    )
    what_to_do = replace(question("w", n_options=4), verdict=Verdict.SCAM)
    plain = question("p", n_options=4)
    orders: dict[str, set[tuple[int, ...]]] = {q.id: set() for q in (tf, pair, what_to_do, plain)}
    for seed in range(40):
        for q in (tf, pair, what_to_do, plain):
            orders[q.id].add(option_order(q, random.Random(seed)))
    assert orders["tf"] == {(0, 1)}
    assert orders["v"] == {(0, 1)}
    assert len(orders["w"]) > 1
    assert len(orders["p"]) > 1
    # A shuffled question's order is what shuffle_options gives with the same rng.
    assert option_order(plain, random.Random(7)) == shuffle_options(4, random.Random(7))
