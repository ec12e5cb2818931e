"""What a person sent in private chat, as the checker sees it, and the rules for one reply.

Everything a person sends privately that is not a command gets exactly one answer: a text (or
a photo's caption) is checked; a greeting or a very short text gets a greeting; a photo without
text, a voice message or anything else gets a short note. Messages that arrive together — the
pictures of an album (one ``media_group_id``), a batch of forwards, a long paste Telegram split
in two — are a *burst* and get ONE reply, which later messages of the burst edit.

Pure: no Telegram types and no clock (a message's ``date`` is Telegram's, in seconds).
Privacy: the text is only passed through; nothing here keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine loads RE2: storage imports this module and stays light
    from bot.domain.checker import Finding, Verdict

# A burst: messages from one chat at most this many seconds after the burst's previous one.
BURST_WINDOW_SECONDS = 2
# An album's pictures share their date; a late one (a slow upload) still belongs to it.
ALBUM_WINDOW_SECONDS = 60
# Fewer letters or digits than this is a greeting, not something to check ("ok", "在吗").
SHORT_TEXT = 6
# Only texts this short are looked at for greeting words.
GREETING_MAX = 30
# Greetings and thanks (lower case, letters and digits only): a text made of these and at most
# one other character gets a greeting and the menu rather than a check.
GREETING_WORDS = (
    "你好啊",
    "你好",
    "您好",
    "大家好",
    "早上好",
    "上午好",
    "中午好",
    "下午好",
    "晚上好",
    "晚安",
    "在吗",
    "在不在",
    "哈喽",
    "哈罗",
    "嗨",
    "喂",
    "谢谢",
    "多谢",
    "感谢",
    "好的",
    "收到",
    "再见",
    "拜拜",
    "哈哈",
    "嗯",
    "hello",
    "hallo",
    "hiya",
    "hey",
    "hi",
    "good morning",
    "good afternoon",
    "good evening",
    "thank you",
    "thanks",
    "thx",
    "ok",
    "okay",
    "bye",
    "there",
)
_NOT_ALNUM = re.compile(r"[\W_]+")
_GREETING = re.compile(
    "|".join(re.escape(_NOT_ALNUM.sub("", w)) for w in sorted(GREETING_WORDS, key=len)[::-1])
)


class Content(IntEnum):
    """What a message holds. A burst's reply is about the strongest (highest) it has seen."""

    OTHER = 0  # a sticker, a location, a contact, a file without caption …
    GREETING = 1  # a greeting, only emoji, or a very short text
    VOICE = 2  # a voice message, audio or a round video
    PHOTO = 3  # a picture (or video) without a caption
    TEXT = 4  # a text or caption to check


def letters(text: str) -> str:
    """Letters and digits only, lower case: what length and greeting rules look at."""
    return _NOT_ALNUM.sub("", text).casefold()


def is_greeting(text: str) -> bool:
    """A greeting, thanks, only emoji or punctuation, or fewer than ``SHORT_TEXT`` letters."""
    core = letters(text)
    if len(core) < SHORT_TEXT:
        return True
    if len(core) > GREETING_MAX:
        return False
    return len(_GREETING.sub("", core)) <= 1


def content_of(text: str | None, *, picture: bool = False, sound: bool = False) -> Content:
    """What a message holds, from its text or caption and whether it has a picture or sound."""
    if text and text.strip():
        return Content.GREETING if is_greeting(text) else Content.TEXT
    if picture:
        return Content.PHOTO
    if sound:
        return Content.VOICE
    return Content.OTHER


@dataclass(frozen=True, slots=True)
class Incoming:
    """One private message. ``text`` is the text or caption; it is checked, never kept."""

    chat_id: int
    message_id: int
    date: int  # Telegram's date, Unix seconds
    content: Content
    text: str = ""
    media_group: str | None = None
    forwarded: bool = False

    @property
    def burst(self) -> str:
        """The burst this message could join: its album, or the chat's time window."""
        return f"g:{self.media_group}" if self.media_group else "w"


@dataclass(frozen=True, slots=True)
class BurstState:
    """What is stored per chat (no text): the newest message answered and the burst's reply."""

    last_message_id: int
    burst: str
    burst_date: int
    reply_message_id: int | None


def is_redelivery(state: BurstState | None, incoming: Incoming) -> bool:
    """Telegram delivers a chat's messages in order: one not newer was answered already."""
    return state is not None and incoming.message_id <= state.last_message_id


def joins(state: BurstState | None, incoming: Incoming) -> bool:
    """Whether ``incoming`` belongs to the burst whose reply is already on screen."""
    if state is None or state.reply_message_id is None or incoming.burst != state.burst:
        return False
    window = ALBUM_WINDOW_SECONDS if incoming.media_group else BURST_WINDOW_SECONDS
    return 0 <= incoming.date - state.burst_date <= window


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a burst's one reply is about: its strongest content and, if text, the verdict."""

    content: Content
    verdict: Verdict | None = None

    def key(self) -> tuple[object, ...]:
        """Two outcomes with the same key show the same reply."""
        verdict = self.verdict
        if verdict is None:
            return (self.content,)
        quotes = tuple((f.signal, f.quote) for f in verdict.findings)
        return (self.content, verdict.risk, verdict.money_gone, verdict.truncated, quotes)


def merge(first: Outcome, second: Outcome) -> Outcome:
    """One outcome for two messages of a burst: the stronger content, the verdicts combined."""
    if first.verdict is not None and second.verdict is not None:
        return Outcome(Content.TEXT, merge_verdicts(first.verdict, second.verdict))
    if first.verdict is not None or second.verdict is not None:
        return first if first.verdict is not None else second
    return first if first.content >= second.content else second


def merge_verdicts(first: Verdict, second: Verdict) -> Verdict:
    """Each signal once (its heavier finding, the first on a tie), strongest first."""
    from bot.domain.checker import Verdict, risk_of

    best: dict[str, Finding] = {}
    for finding in (*first.findings, *second.findings):
        kept = best.get(finding.signal)
        if kept is None or finding.weight > kept.weight:
            best[finding.signal] = finding
    findings = sorted(best.values(), key=lambda f: -f.weight)
    score = sum(f.weight for f in findings)
    return Verdict(
        risk=risk_of(score),
        score=score,
        findings=tuple(findings),
        money_gone=first.money_gone or second.money_gone,
        truncated=first.truncated or second.truncated,
    )
