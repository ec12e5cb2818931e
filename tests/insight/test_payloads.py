"""The 纠错 link's /start payload: round trip, Telegram's limits, and no collision with the
other deep links (banks, campaigns' ``C-…``, the checker's ``sos`` and ``check``)."""

from __future__ import annotations

import pytest

from bot.content.loader import load_content
from bot.domain.campaigns import is_join_payload, join_payload, parse_payload, payload_fits
from bot.domain.insight import AnswerRef, Origin, feedback_payload, parse_feedback_payload
from bot.handlers.campaigns import JOIN_LINK
from bot.handlers.feedback import FEEDBACK_LINK
from tests.harness import ROOT

LARGEST = 2**53 - 1


@pytest.mark.parametrize("origin", list(Origin))
def test_a_payload_names_its_answer_and_fits_telegram(origin: Origin) -> None:
    for answer in (AnswerRef(origin, 1, 0), AnswerRef(origin, LARGEST, 99)):
        payload = feedback_payload(answer)
        assert payload_fits(payload)  # 1-64 of A-Z a-z 0-9 _ -
        assert parse_feedback_payload(payload) == answer


@pytest.mark.parametrize(
    "payload",
    [
        "F-quiz-1",  # no position
        "F-quiz-01-0",  # leading zero: not how the bot writes numbers
        "F-quiz-1-100",  # beyond a quiz
        "F-poll-1-0",  # no such origin
        "F-quiz-12345678901234567-0",  # beyond any id
        "f-quiz-1-0",
        "F-quiz-1-0-",
        "",
    ],
)
def test_anything_else_is_not_a_report_link(payload: str) -> None:
    assert parse_feedback_payload(payload) is None


def test_the_deep_links_cannot_be_mistaken_for_one_another() -> None:
    catalog = load_content([ROOT / "quizzes"]).catalog
    feedback = [feedback_payload(AnswerRef(o, 7, 3)) for o in Origin]
    others = [*catalog.banks, "sos", "check", join_payload("spring-2026", "f-event-7-3")]
    for payload in others:
        assert parse_feedback_payload(payload) is None, payload
        assert not FEEDBACK_LINK.pattern.search(f"/start {payload}"), payload
    for payload in feedback:
        assert payload not in catalog.banks
        assert payload not in ("sos", "check")
        assert not is_join_payload(payload)
        assert parse_payload(payload) is None
        assert not JOIN_LINK.pattern.search(f"/start {payload}")
        assert FEEDBACK_LINK.pattern.search(f"/start {payload}")
