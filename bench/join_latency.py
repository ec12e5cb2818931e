"""Join latency: 30 people press Join within 10 s; press to pop-up, before and after (issue 18).

Everything is the local preview as a person meets it: the Bot API emulator over HTTP with
Telegram's flood limits on, the real bot polling it with production's rate limiter
(``bot.ratelimit``; groups: 19 messages a minute, one short of Telegram's 20, edits included)
and its JobQueue, and one web-page client per person speaking the page's protocol
(``/api/press``, then ``/api/wait`` and ``/api/chats/<id>`` until the pop-up's answer is
there, as ``app.js`` does). Two figures per press: when the bot answered it
(what Telegram shows), and when that person's page showed the pop-up.

The group is busy: the bot has just sent it 18 messages (with the lobby, the minute's 19) and
keeps editing another message there every 6 s (as a running leaderboard or another feature
would), so its budget stays nearly spent and further edits wait for room. Two paces of joining: the
30 joins within 10 s the issue asks for, and one join every 4 s, as the person who filed the
issue met it in the preview (switching person between presses). At the fast pace the old code
too left nearly every lobby edit to its timer (a join within 3 s of the last edit does not
edit); at the slow pace every join after the first edited the lobby itself, and waited.

"before" is the previous join handler, rebuilt here for the comparison in this same process: it
stored the join, edited the lobby inline when 3 s had passed since the last edit, and only then
answered; a press behind it from the same person waited too (updates are handled in
order per person, several people at once). "after" is the
code as it is: the pop-up first, the lobby's edit left to the event's timer. Each phase has its
own group and lobby. Run: python -m bench.join_latency
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from telegram.error import TelegramError

from bench.common import Row, print_table, shipped_settings
from bot.actions import Join
from bot.handlers import dispatch
from bot.handlers.common import display_name
from bot.handlers.dispatch import Press
from bot.handlers.events import runtime
from bot.preview.runner import YOU, Preview, PreviewOptions

os.environ.setdefault("PTB_TIMEDELTA", "1")

PACES = ((30, 10.0), (8, 32.0))  # (joins, seconds over which they arrive, evenly)
GOAL = 0.2  # seconds, p95 press to pop-up
BUSY_EVERY = float(os.environ.get("BUSY_EVERY", "6"))  # seconds between the other edits
GIVE_UP = 20.0  # seconds: the emulator, like Telegram, refuses to answer a press after 15 s
BUSY_MESSAGES = 18  # usages sent first: with the lobby, the minute's 19 (bot.ratelimit.Budget)


async def join_before(press: Press, action: Join) -> None:
    """The previous join handler: the lobby's edit inline (if due), then the pop-up."""
    rt = runtime(press.application)
    now = rt.svc.clock()
    joined = await rt.service.join(press.origin, action.event, display_name(press.tg_user), now)
    if joined is None:
        await press.toast(rt.svc.settings.default_language, "event_toast_stale")
        return
    event, new = joined
    if new:
        rt.timer.cancel(event.id)  # the old path edited here instead of leaving it to the timer
        await rt.service.refresh_lobby(event, now)
    await press.toast(
        event.language, "event_toast_joined" if new else "event_toast_already_joined"
    )


@contextlib.contextmanager
def before_this_issue() -> Iterator[None]:
    """The previous join handler, for one phase."""
    routes = dispatch._ROUTES
    saved = routes[Join]
    routes[Join] = join_before
    try:
        yield
    finally:
        routes[Join] = saved


async def keep_busy(preview: Preview, group: int, message_id: int) -> None:
    """Another message of the bot's in the group, edited every ``BUSY_EVERY`` seconds through
    the bot's limiter (the group's budget refills one message every 3 s)."""
    assert preview.app is not None
    for n in itertools.count():
        with contextlib.suppress(TelegramError):  # "not modified" and the like: keep going
            await preview.app.bot.edit_message_text(f"…{n}", chat_id=group, message_id=message_id)
        await asyncio.sleep(BUSY_EVERY)


class PageClient:
    """One person's web page: presses, then follows the page's protocol to the pop-up."""

    def __init__(self, http: aiohttp.ClientSession, base: str, user: int, chat: int) -> None:
        self.http, self.base, self.user, self.chat = http, base, user, chat

    async def get(self, path: str) -> Any:
        async with self.http.get(self.base + path) as response:
            return await response.json()

    async def press(self, message_id: int, data: str) -> tuple[str, float]:
        """Seconds from the press to the page showing its answer (infinite: never, like a
        press Telegram stops waiting for after 15 s); also the query id."""
        body = {"user": self.user, "chat": self.chat, "message": message_id, "data": data}
        started = time.monotonic()
        async with self.http.post(self.base + "/api/press", json=body) as response:
            query = (await response.json())["query_id"]
        while time.monotonic() - started < GIVE_UP:
            view = await self.get(f"/api/chats/{self.chat}?user={self.user}")
            if query in view["answers"]:
                return query, time.monotonic() - started
            await self.get(f"/api/wait?version={view['version']}&timeout=1")
        return query, math.inf


async def wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30.0
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.002)


async def phase(
    preview: Preview, first_user: int, joins: int, window: float
) -> tuple[list[float], list[float]]:
    """A busy group's lobby, then ``joins`` presses of Join over ``window`` seconds: seconds
    from each press to the bot's answer and to the page's pop-up."""
    emu = preview.emulator
    people = list(range(first_user, first_user + joins))
    for uid in people:
        emu.add_user(uid, f"居民{uid % 100:02d}")
    group = emu.add_group("社区反诈群", members=people, admins=[YOU])
    for _ in range(BUSY_MESSAGES):
        emu.user_sends(YOU, group, "/event_new no_such_bank")  # each answered: the usage
    sent = lambda: sum(m.from_id == emu.bot.id for m in emu.messages(group))  # noqa: E731
    await wait_for(lambda: sent() >= BUSY_MESSAGES)
    emu.user_sends(YOU, group, "/event_new telecom_fraud 5 30")
    await wait_for(lambda: any(m.inline_keyboard for m in emu.messages(group)))
    lobby = next(m for m in emu.messages(group) if m.inline_keyboard)
    data = lobby.inline_keyboard[0][0]["callback_data"]
    first = emu.messages(group)[1].message_id  # the bot's first message there
    busy = asyncio.create_task(keep_busy(preview, group, first))
    answered: dict[str, float] = {}

    async def watch() -> None:  # when the bot's answer reached the emulator
        while True:
            await asyncio.sleep(0.001)
            now = time.monotonic()
            for query, state in emu.callback_queries.items():
                if state.answer is not None and query not in answered:
                    answered[query] = now

    watcher = asyncio.create_task(watch())
    async with aiohttp.ClientSession() as http:
        pages = [PageClient(http, preview.url, uid, group) for uid in people]
        start = time.monotonic()

        async def join(index: int) -> tuple[str, float, float]:
            await asyncio.sleep(start + index * window / joins - time.monotonic())
            pressed = time.monotonic()
            query, on_page = await pages[index].press(lobby.message_id, data)
            return query, pressed, on_page

        results = await asyncio.gather(*(join(i) for i in range(joins)))
    for task in (watcher, busy):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    by_bot = [answered.get(q, math.inf) - pressed for q, pressed, _ in results]
    return by_bot, [on_page for _, _, on_page in results]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return "never" if math.isinf(seconds) else f"{seconds * 1000:,.0f} ms"


def figures(values: list[float]) -> str:
    return f"p50 {ms(statistics.median(values))} · p95 {ms(p95(values))} · max {ms(max(values))}"


async def measure() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        settings = shipped_settings(Path(folder) / "bench.sqlite3", token=None)
        options = PreviewOptions(port=0, flood_limits=True, database=Path(folder) / "p.sqlite3")
        preview = Preview(settings, options)
        await preview.start()
        try:
            found = {}
            for n, (joins, window) in enumerate(PACES):
                with before_this_issue():
                    before = await phase(preview, 200_000 + 1000 * n, joins, window)
                after = await phase(preview, 300_000 + 1000 * n, joins, window)
                found[joins, window] = (before, after)
        finally:
            await preview.stop()
    name = "join latency"
    goal = f"p95 ≤ {GOAL * 1000:.0f} ms"
    rows = []
    for (joins, window), (before, after) in found.items():
        what = f"{joins} joins in {window:.0f} s, busy group"
        rows += [
            Row(name, f"{what}: press → bot's answer, before", figures(before[0])),
            Row(name, f"{what}: press → bot's answer, after", figures(after[0]), goal),
            Row(name, f"{what}: press → pop-up on the page, before", figures(before[1])),
            Row(name, f"{what}: press → pop-up on the page, after", figures(after[1]), goal),
        ]
    return rows


def main() -> None:
    print_table(asyncio.run(measure()))


if __name__ == "__main__":
    main()
