"""Telegram Bot API limits (Bot API 10.0) that shape content and messages.

Telegram counts lengths in UTF-16 code units after entity parsing, so an emoji counts 2.
"""

from __future__ import annotations

MESSAGE_TEXT = 4096
CAPTION = 1024
CALLBACK_DATA_BYTES = 64
POLL_QUESTION = 300
POLL_OPTION = 100
POLL_OPTIONS_MIN = 2
POLL_OPTIONS_MAX = 12
POLL_EXPLANATION = 200
POLL_EXPLANATION_LINE_FEEDS = 2
POLL_OPEN_PERIOD_MIN = 5
POLL_OPEN_PERIOD_MAX = 30 * 24 * 3600
GROUP_MESSAGES_PER_MINUTE = 20
BULK_MESSAGES_PER_SECOND = 30

# Content limits of our own (not Telegram's): a scenario and a lesson must fit one screen.
SCENARIO = 1000
LESSON_BODY = 3000
LESSON_BODY_ONE_SCREEN_ZH = 700


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
