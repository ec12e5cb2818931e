"""The shipped "real or scam?" bank: big enough, half genuine, its pictures give nothing away."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from bot.content.guess import guess_bank
from bot.content.loader import load_content
from bot.domain.content import Bank, Verdict

ROOT = Path(__file__).resolve().parents[2]
BANK = "real_or_scam"


@pytest.fixture(scope="module")
def bank() -> Bank:
    result = load_content([ROOT / "quizzes", ROOT / "content" / "lessons"])
    return result.catalog.banks[BANK]


def test_every_item_is_a_message_call_or_chat_with_a_verdict(bank: Bank) -> None:
    questions = bank.questions
    assert len(questions) >= 44
    assert all(q.verdict is not None for q in questions)
    assert all(q.scenario is not None for q in questions)
    assert sum(q.scene is not None for q in questions) >= 36
    assert all(q.source.zh for q in questions)


def test_about_half_are_genuine_and_always_answering_scam_fails(bank: Bank) -> None:
    verdicts = Counter(q.verdict for q in bank.questions)
    genuine = Fraction(verdicts[Verdict.GENUINE], len(bank.questions))
    assert Fraction(9, 20) <= genuine <= Fraction(11, 20), verdicts
    always_scam = guess_bank(BANK, bank.questions).always_scam
    assert always_scam.total >= 20
    assert always_scam.hits <= Fraction(11, 20) * always_scam.total, str(always_scam)


def test_the_kind_of_picture_does_not_give_the_verdict_away(bank: Bank) -> None:
    """SMS, call and chat scenes are each split evenly between genuine and scam."""
    split: Counter[tuple[str, Verdict | None]] = Counter(
        (q.scene.kind.value, q.verdict) for q in bank.questions if q.scene is not None
    )
    for kind in ("sms", "call", "chat"):
        genuine, scam = split[(kind, Verdict.GENUINE)], split[(kind, Verdict.SCAM)]
        assert genuine >= 4, (kind, genuine, scam)
        assert abs(genuine - scam) <= 1, (kind, genuine, scam)


def test_what_do_you_do_items_cannot_be_passed_by_length_or_caution(bank: Bank) -> None:
    """The "what do you do?" items stay well under the validator's limits (40% / 45%)."""
    report = guess_bank(BANK, bank.questions)
    assert report.single.total >= 12
    for name, rate in report.single.positions.items():
        assert rate.hits <= Fraction(7, 20) * rate.total, (name, str(rate))
    assert report.single.caution.hits <= Fraction(38, 100) * report.single.total
    asked = [q for q in bank.questions if not q.asks_verdict]
    assert all(any(option.tempting for option in q.options) for q in asked)


def test_alarming_genuine_messages_are_included(bank: Bank) -> None:
    """The genuine side holds the official warnings people most often hang up on."""
    genuine_tags = {tag for q in bank.questions if q.verdict is Verdict.GENUINE for tag in q.tags}
    assert {"96110", "12381", "动账提醒", "验证码", "取件码", "银行回访"} <= genuine_tags
