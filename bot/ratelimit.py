"""One send budget with priorities: a person's replies first, then group events, then lessons.

Telegram allows about 30 messages a second overall, about one a second per private chat (short
bursts pass) and 20 a minute per group; beyond that it answers 429. python-telegram-bot's
``AIORateLimiter`` paces every request in one queue with no priorities, so a person's answer
waited behind a lesson broadcast (3.4 s a tap). This limiter keeps the same budget but grants
the next free slot to the most urgent request:

1. ``REPLY`` — what a person's update causes (edits, replies, toasts are not limited at all);
2. ``TIMED`` — group-event messages sent by their timers;
3. ``BULK`` — daily lesson pushes.

The priority is the sending task's: ``with priority(Priority.BULK): ...`` around a job, so no
call site passes it. Per chat, sends are in order and paced (a token bucket for private chats,
a sliding minute for groups); overall, a sliding second. A 429 that gets through anyway is
waited out and retried (a few times), never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class Priority(IntEnum):
    REPLY = 0
    TIMED = 1
    BULK = 2


_PRIORITY: ContextVar[Priority] = ContextVar("send_priority", default=Priority.REPLY)


@contextlib.contextmanager
def priority(level: Priority) -> Iterator[None]:
    """Sends made by the current task (and the tasks it starts) use ``level``."""
    token = _PRIORITY.set(level)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


LIMITED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendPoll",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
        "stopPoll",
    }
)
"""Requests that put or change a message in a chat: the ones Telegram's limits count."""


@dataclass
class _Chat:
    """One chat's pacing: sends in order, a bucket (private) or a minute's window (group)."""

    group: bool
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    tokens: float = 0.0
    last: float = 0.0
    window: deque[float] = field(default_factory=deque)
    users: int = 0  # tasks holding or waiting for the lock: drop the entry at zero


@dataclass(frozen=True)
class Budget:
    """Telegram's limits, counted over slightly longer spans than Telegram's: a request
    reaches Telegram a little after it is granted, and not always as soon, so 30 grants in
    1.1 s never look like 31 in 1.0 s there."""

    per_second: int = 30
    second: float = 1.1
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 19


class PriorityRateLimiter(BaseRateLimiter[Any]):
    def __init__(
        self,
        budget: Budget | None = None,
        *,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget or Budget()
        self.max_retries = max_retries
        self.clock = clock
        self._sent: deque[float] = deque()  # the last second's grants, overall
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._chats: dict[int | str, _Chat] = {}
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for _, _, waiter in self._waiting:
            if not waiter.done():
                waiter.cancel()
        self._waiting.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in LIMITED:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id") if isinstance(data, dict) else None
        level = _PRIORITY.get()
        attempt = 0
        while True:
            try:
                async with self._chat_turn(chat_id):
                    await self._slot(level)
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                log.info("Telegram asked to wait %.0f s (%s); retrying", wait, endpoint)
                await asyncio.sleep(wait)

    # --- per chat -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat_id: object) -> Any:
        if not isinstance(chat_id, int | str):
            yield
            return
        key = int(chat_id) if isinstance(chat_id, int) or _numeric(chat_id) else chat_id
        group = not (isinstance(key, int) and key > 0)  # private chats have positive ids
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(group, tokens=float(self.budget.private_burst))
            chat.last = self.clock()
        chat.users += 1
        try:
            async with chat.lock:
                await asyncio.sleep(self._chat_wait(chat))
                self._book_chat(chat)
                yield
        finally:
            chat.users -= 1
            if chat.users == 0 and self._idle(chat):
                self._chats.pop(key, None)

    def _chat_wait(self, chat: _Chat) -> float:
        now = self.clock()
        if chat.group:
            while chat.window and chat.window[0] <= now - 60.0:
                chat.window.popleft()
            if len(chat.window) < self.budget.group_per_minute:
                return 0.0
            return chat.window[0] + 60.0 - now
        rate = self.budget.private_per_second
        chat.tokens = min(self.budget.private_burst, chat.tokens + (now - chat.last) * rate)
        chat.last = now
        return 0.0 if chat.tokens >= 1.0 else (1.0 - chat.tokens) / rate

    def _book_chat(self, chat: _Chat) -> None:
        now = self.clock()
        if chat.group:
            chat.window.append(now)
        else:
            rate = self.budget.private_per_second
            chat.tokens = min(self.budget.private_burst, chat.tokens + (now - chat.last) * rate)
            chat.tokens -= 1.0
            chat.last = now

    def _idle(self, chat: _Chat) -> bool:
        """Nothing to remember: the bucket is full again, or the group's minute is over."""
        now = self.clock()
        if chat.group:
            return not chat.window or chat.window[-1] <= now - 60.0
        refill = chat.tokens + (now - chat.last) * self.budget.private_per_second
        return refill >= self.budget.private_burst

    # --- overall ------------------------------------------------------------------------------

    def _room(self) -> float:
        """0 when a send may go now, else the seconds until the overall window has room."""
        now = self.clock()
        span = self.budget.second
        while self._sent and self._sent[0] <= now - span:
            self._sent.popleft()
        if len(self._sent) < self.budget.per_second:
            return 0.0
        return self._sent[0] + span - now

    async def _slot(self, level: Priority) -> None:
        if not self._waiting and self._room() == 0.0:
            self._sent.append(self.clock())
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(level), next(self._order), waiter))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        self._wake.set()
        await waiter

    async def _dispatch(self) -> None:
        """Grant the overall window's free slots to the most urgent waiter, in turn."""
        while True:
            while not self._waiting:
                self._wake.clear()
                await self._wake.wait()
            wait = self._room()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            _, _, waiter = heapq.heappop(self._waiting)
            if waiter.done():  # its sender gave up (cancelled)
                continue
            self._sent.append(self.clock())
            waiter.set_result(None)


def _numeric(text: str) -> bool:
    return text.lstrip("-").isascii() and text.lstrip("-").isdigit()


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
