"""The pure rules of one reply per message or burst (bot/domain/incoming.py)."""

from __future__ import annotations

import pytest

from bot.domain.checker import Checker, Risk
from bot.domain.incoming import (
    BurstState,
    Content,
    Incoming,
    Outcome,
    content_of,
    is_greeting,
    is_redelivery,
    joins,
    merge,
)


@pytest.mark.parametrize(
    "text",
    ["你好", "您好！", "在吗？？", "hi", "Hello there!", "谢谢你", "good morning 🌞", "😀", "ok"],
)
def test_greetings_and_short_texts_are_not_checked(text: str) -> None:
    assert is_greeting(text)
    assert content_of(text) is Content.GREETING


@pytest.mark.parametrize(
    "text",
    [
        "你好，我是京东客服",
        "hello, your parcel is held",
        "在吗？借我两千块急用",
        "验证码123456",
        "http://a.co/x",
    ],
)
def test_a_greeting_with_something_more_is_checked(text: str) -> None:
    assert not is_greeting(text)
    assert content_of(text) is Content.TEXT


def test_what_a_message_holds() -> None:
    assert content_of(None, picture=True) is Content.PHOTO
    assert content_of("  ", sound=True) is Content.VOICE
    assert content_of(None) is Content.OTHER
    assert content_of("刷单返利日结三百", picture=True) is Content.TEXT  # a caption wins


def incoming(message_id: int, date: int, group: str | None = None) -> Incoming:
    return Incoming(1, message_id, date, Content.TEXT, "x", media_group=group)


def test_a_message_joins_the_burst_on_screen_only_within_its_window() -> None:
    window = BurstState(last_message_id=5, burst="w", burst_date=100, reply_message_id=6)
    assert joins(window, incoming(7, 102))
    assert not joins(window, incoming(7, 103))  # too late
    assert not joins(window, incoming(7, 101, group="g1"))  # an album starts its own burst
    album = BurstState(5, "g:g1", 100, 6)
    assert joins(album, incoming(7, 150, group="g1"))
    assert not joins(album, incoming(7, 101))
    assert not joins(BurstState(5, "w", 100, None), incoming(7, 100))  # no reply was sent
    assert not joins(None, incoming(1, 100))


def test_a_message_not_newer_than_the_last_answered_is_a_redelivery() -> None:
    state = BurstState(5, "w", 100, 6)
    assert is_redelivery(state, incoming(5, 100))
    assert is_redelivery(state, incoming(3, 100))
    assert not is_redelivery(state, incoming(7, 100))
    assert not is_redelivery(None, incoming(1, 100))


def test_a_burst_merges_verdicts_and_keeps_the_strongest_content(checker: Checker) -> None:
    police = Outcome(Content.TEXT, checker.check("我是公安局的，你涉嫌洗钱"))
    account = Outcome(Content.TEXT, checker.check("把钱转到安全账户配合调查"))
    both = merge(police, account)
    assert both.verdict is not None
    assert police.verdict is not None
    assert account.verdict is not None
    ids = [f.signal for f in both.verdict.findings]
    assert len(ids) == len(set(ids))  # each signal once
    assert set(ids) == set(police.verdict.signal_ids) | set(account.verdict.signal_ids)
    assert both.verdict.score == sum(f.weight for f in both.verdict.findings)
    assert both.verdict.risk is Risk.HIGH
    assert merge(Outcome(Content.PHOTO), police) == police  # a caption beats a picture
    assert merge(Outcome(Content.OTHER), Outcome(Content.VOICE)).content is Content.VOICE
    assert merge(police, police).key() == police.key()  # the same again: no edit
