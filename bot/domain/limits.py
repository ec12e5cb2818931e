"""Telegram Bot API limits (Bot API 10.0) that shape content and messages.

Telegram counts lengths in UTF-16 code units after entity parsing, so an emoji counts 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


ITEM_TEXT = 400
"""A line of a list for operators (a validator problem, a volunteer): longer ones are cut."""
NAME_TEXT = 64
"""Telegram caps first and last names at 64 characters each; anything longer is cut."""


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters (UTF-16 units), ending in "…" when something was cut."""
    if tg_len(text) <= limit:
        return text
    cut = text
    while tg_len(cut) > limit - 1:
        cut = cut[: max(0, len(cut) - max(1, (tg_len(cut) - limit + 1) // 2))]
    return cut + "…"


def fit_items(
    render: Callable[[Sequence[str], int], str],
    items: Sequence[str],
    limit: int = MESSAGE_TEXT,
) -> tuple[str, int]:
    """The longest first page of a list: ``render(items[:k], hidden)`` within ``limit``.

    ``render`` gets the items to show and how many are left out (for "…and N more"); it must
    fit with no item at all. Returns the page and ``k``.
    """
    low, high = 0, len(items)
    while low < high:
        middle = (low + high + 1) // 2
        if tg_len(render(items[:middle], len(items) - middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    page = render(items[:low], len(items) - low)
    if tg_len(page) > limit:
        raise ValueError("the list's frame alone does not fit in one message")
    return page, low
