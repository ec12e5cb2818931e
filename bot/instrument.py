"""The Telegram-side seams that feed ``bot.metrics`` without touching any handler.

- ``InstrumentedUpdateProcessor`` (``ApplicationBuilder.concurrent_updates(...)``): counts each
  update by type and times its handling (``quizbot_updates``, ``quizbot_handler_seconds``);
- ``InstrumentedRequest`` wraps a ``BaseRequest`` (both of them): counts the 429s Telegram
  answers (``quizbot_telegram_429``) and records when ``getUpdates`` last succeeded (the
  polling health check and ``quizbot_get_updates_last_success_timestamp_seconds``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import SimpleUpdateProcessor
from telegram.request import BaseRequest

from bot.connection import WrappingRequest
from bot.metrics import HANDLER_SECONDS, LAST_GET_UPDATES, OTHER, TELEGRAM_429, UPDATES, known

UPDATE_TYPES = frozenset(str(t) for t in Update.ALL_TYPES)
_METHOD = re.compile(r"[a-zA-Z]{1,40}")


def update_type(update: object) -> str:
    """``message``, ``callback_query``, ``poll_answer`` …: the one field an update carries."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, str(kind), None) is not None:
                return known(str(kind), UPDATE_TYPES)
    return OTHER


class InstrumentedUpdateProcessor(SimpleUpdateProcessor):
    """One update at a time (as ``concurrent_updates(False)``), counted and timed by type."""

    def __init__(self, max_concurrent_updates: int = 1) -> None:
        super().__init__(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        kind = update_type(update)
        UPDATES.labels(kind).inc()
        with HANDLER_SECONDS.labels(kind).time():
            await coroutine


class PerPersonUpdateProcessor(InstrumentedUpdateProcessor):
    """Updates of different people at once, each person's in the order they came.

    A person's presses depend on each other (an answer, then "next"); two people's do not.
    The key is the sender (else the chat): one lock per key while it has updates in hand.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            await super().do_process_update(update, coroutine)
            return
        lock, users = self._turns.get(key, (asyncio.Lock(), 0))
        self._turns[key] = (lock, users + 1)
        try:
            async with lock:
                await super().do_process_update(update, coroutine)
        finally:
            lock, users = self._turns[key]
            if users <= 1:
                del self._turns[key]
            else:
                self._turns[key] = (lock, users - 1)


def update_key(update: object) -> int | None:
    """Whose turn an update waits for: its sender's, else its chat's."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class InstrumentedRequest(WrappingRequest):
    """Wraps the real request: 429s by method, and the time of the last good ``getUpdates``.

    Telegram's 429 reaches PTB as ``RetryAfter`` (the rate limiter may retry it quietly), so
    the network seam is the one place that sees every one of them.
    """

    def __init__(self, inner: BaseRequest, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(inner)
        self.clock = clock
        self.last_get_updates_ok: float | None = None  # Unix time
        self.on_get_updates_ok: Callable[[], None] | None = None  # e.g. an outage ends

    def after(self, url: str, code: int) -> None:
        api_method = url.rsplit("/", 1)[-1]  # the part before it holds the token: never kept
        if code == 429:
            TELEGRAM_429.labels(api_method if _METHOD.fullmatch(api_method) else OTHER).inc()
        elif code == 200 and api_method == "getUpdates":
            self.last_get_updates_ok = self.clock()
            LAST_GET_UPDATES.set(self.last_get_updates_ok)
            if self.on_get_updates_ok is not None:
                self.on_get_updates_ok()
