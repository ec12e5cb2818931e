"""The scam checker as a use case: one reply per message (or burst), and counts for editors.

Privacy, the rule of this module: the text a person sends is checked in memory and dropped.
It is never stored, logged or passed anywhere but to the checker. What is stored: which
signals fired and the day (``checker_signal_days``), how many messages were checked that day,
and per private chat the newest message answered and the one reply of the current burst
(no text; pruned after a day; deleted by /forget). The verdict of a burst (the findings with
their short quotes) stays in memory for a few seconds, until the burst is over, so that a later
message of an album or of a batch of forwards can be added to the one reply.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from bot.domain.content import Lesson
from bot.domain.incoming import (
    ALBUM_WINDOW_SECONDS,
    Content,
    Incoming,
    Outcome,
    is_redelivery,
    joins,
    merge,
)
from bot.services.common import Origin
from bot.services.content import ContentStore
from bot.services.people import PeopleService
from bot.storage.checker import CheckDay, SignalDay
from bot.storage.repository import Repository

if TYPE_CHECKING:
    from bot.domain.checker import Verdict

log = logging.getLogger(__name__)

# A burst's reply is edited at most this often: a batch of 100 forwards is one reply and at
# most this many edits, however its verdict grows.
MAX_EDITS = 4
# Bursts remembered at once (each a verdict with a few short quotes, for a few seconds).
MAX_BURSTS = 10_000
PRUNE_EVERY = timedelta(hours=1)
KEEP_REPLIES = timedelta(days=1)  # Telegram keeps undelivered updates for 24 hours


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent a private message: what the reply's language needs."""

    user_id: int
    language_code: str | None
    full_name: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send: a new reply, or an edit of the burst's reply ``edit``."""

    language: str
    outcome: Outcome
    edit: int | None = None


@dataclass(frozen=True, slots=True)
class LessonView:
    lesson: Lesson
    bank: str | None  # the bank of the lesson's topic, for the quiz button


@dataclass(frozen=True, slots=True)
class SignalReport:
    first: date
    last: date
    days: list[CheckDay]
    signals: list[SignalDay]


@dataclass
class _Burst:
    burst: str
    date: int
    outcome: Outcome
    edits: int = 0


class CheckerService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        people: PeopleService,
        timezone: tzinfo,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = repo
        self.content = content
        self.people = people
        self.timezone = timezone
        self.clock = clock
        self._bursts: OrderedDict[int, _Burst] = OrderedDict()
        self._pruned: datetime | None = None

    @property
    def ready(self) -> bool:
        return self.content.checker is not None

    # --- private chat ---------------------------------------------------------------------

    async def receive(self, sender: Sender, incoming: Incoming) -> Reply | None:
        """The reply to one private message, or None: already answered (Telegram delivered it
        again), or part of a burst whose reply already says it all."""
        user = await self.people.meet(sender.user_id, sender.language_code, sender.full_name)
        state = await self.repo.checker.burst_state(incoming.chat_id)
        if is_redelivery(state, incoming):
            return None
        joined = joins(state, incoming)
        now = self.clock()
        if not await self.repo.checker.advance(
            incoming.chat_id,
            incoming.message_id,
            incoming.burst,
            incoming.date,
            joined=joined,
            now=now,
        ):
            return None
        outcome = await self._outcome(incoming, now)
        await self._prune(now, incoming.date)
        if not joined:
            self._remember(incoming, outcome)
            return Reply(user.language, outcome)
        reply = state.reply_message_id if state is not None else None
        assert reply is not None  # joins() holds only for a burst whose reply was sent
        return self._fold(incoming, outcome, user.language, reply)

    async def replied(self, incoming: Incoming, reply_message_id: int) -> None:
        """The reply to ``incoming`` was sent: later messages of its burst edit it."""
        await self.repo.checker.replied(incoming.chat_id, incoming.message_id, reply_message_id)

    def _fold(
        self, incoming: Incoming, outcome: Outcome, language: str, reply: int
    ) -> Reply | None:
        memory = self._bursts.get(incoming.chat_id)
        if memory is None or memory.burst != incoming.burst:
            return None  # a restart forgot the burst: its reply stands, nothing is repeated
        merged = merge(memory.outcome, outcome)
        memory.date = incoming.date
        self._bursts.move_to_end(incoming.chat_id)
        if merged.key() == memory.outcome.key() or memory.edits >= MAX_EDITS:
            return None  # the reply on screen says the same (or has been edited enough)
        memory.outcome = merged
        memory.edits += 1
        return Reply(language, merged, edit=reply)

    def _remember(self, incoming: Incoming, outcome: Outcome) -> None:
        self._bursts[incoming.chat_id] = _Burst(incoming.burst, incoming.date, outcome)
        self._bursts.move_to_end(incoming.chat_id)
        while len(self._bursts) > MAX_BURSTS:
            self._bursts.popitem(last=False)

    async def _outcome(self, incoming: Incoming, now: datetime) -> Outcome:
        if incoming.content is not Content.TEXT:
            return Outcome(incoming.content)
        verdict = await self.check(incoming.text, now)
        return Outcome(Content.TEXT, verdict)

    async def _prune(self, now: datetime, message_date: int) -> None:
        """Forget bursts that are over (memory), and stored replies older than a day."""
        while self._bursts:
            oldest = next(iter(self._bursts.values()))
            if message_date - oldest.date <= ALBUM_WINDOW_SECONDS:
                break
            self._bursts.popitem(last=False)
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            self._pruned = now
            await self.repo.checker.prune(now - KEEP_REPLIES)
            await self.repo.prompts.prune(now)

    # --- any chat -------------------------------------------------------------------------

    async def check(self, text: str, now: datetime | None = None) -> Verdict | None:
        """The verdict on ``text``, counted for editors (signal ids and the day only); None
        when no signals are loaded."""
        checker = self.content.checker
        if checker is None:
            return None
        verdict = checker.check(text)
        day = (now or self.clock()).astimezone(self.timezone).date()
        await self.repo.checker.count(day, verdict.signal_ids, flagged=verdict.risk.flagged)
        return verdict

    async def check_for(self, sender: Sender, text: str) -> Reply:
        """``/check`` in private chat: the verdict on one text (the command's or a reply's)."""
        user = await self.people.meet(sender.user_id, sender.language_code, sender.full_name)
        verdict = await self.check(text)
        return Reply(user.language, Outcome(Content.TEXT, verdict))

    def lesson(self, origin: Origin, lesson_id: str) -> LessonView | None:
        """A lesson a reply's button links, shown in the presser's own private chat."""
        if not origin.own_private_chat:
            return None
        catalog = self.content.catalog
        lesson = next((x for x in catalog.lessons if x.id == lesson_id), None)
        if lesson is None:
            return None
        return LessonView(lesson, catalog.bank_for_topic(lesson.topic))

    def bank_title(self, bank_id: str | None, language: str) -> str | None:
        bank = self.content.catalog.banks.get(bank_id) if bank_id else None
        return bank.title.get(language) if bank is not None else None

    def lesson_title(self, lesson_id: str | None, language: str) -> str | None:
        catalog = self.content.catalog
        lesson = next((x for x in catalog.lessons if x.id == lesson_id), None)
        return lesson.title.get(language) if lesson is not None else None


async def signal_report(repo: Repository, first: date, last: date) -> SignalReport:
    """What ``quizbot report signals`` prints: checks per day and hits per signal and day."""
    days = await repo.checker.check_days(first, last)
    signals = await repo.checker.signal_days(first, last)
    return SignalReport(first, last, days, signals)
