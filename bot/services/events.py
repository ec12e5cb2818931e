"""Group quiz events: lobby, timed native quiz polls, scoring, pause/resume/stop, results.

The service holds the rules and the order of steps; Telegram is behind two small ports so no
Telegram type appears here: an :class:`EventOutbox` that renders and sends (the handlers
implement it) and an :class:`EventTimer` that wakes :meth:`EventService.tick` later (PTB's
JobQueue in production; tests call ``tick``/``close_question`` with their own clock instead).

Every step is a compare-and-set in SQLite first (``claim_open``, ``claim_close``, a status
change), then the messages: a second job, a command racing a job, or a restart never repeats a
step. Nothing here reads a clock: ``now`` is always a parameter.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot import metrics
from bot.domain.args import half_width, looks_numeric, number
from bot.domain.content import Bank, Question
from bot.domain.events import (
    COUNTDOWN_SECONDS,
    LIVE_STATUSES,
    BudgetCheck,
    Event,
    EventStatus,
    EventSummary,
    Standing,
    check_budget,
    elapsed_seconds,
    event_args_error,
    event_points,
    is_late,
    leaderboard,
    scenario_fits_poll,
    summarize,
    wait_before_skip,
)
from bot.domain.limits import tg_len
from bot.domain.quiz import (
    draw_questions,
    grade_answer,
    option_order,
    question_version,
    to_bank_indices,
)
from bot.services.common import Origin
from bot.services.content import ContentStore
from bot.services.staff import Staff
from bot.storage.groups import MovedChat
from bot.storage.repository import Repository

if TYPE_CHECKING:
    from bot.services.event_setup import SetupView

log = logging.getLogger(__name__)

DEFAULT_QUESTIONS = 10
DEFAULT_SECONDS = 30
PAUSE_BETWEEN = 5
"""Seconds between a result message and the next poll: time to read the explanation."""
LIVE_TOP = 5
BOARD_TOP = 10
LOBBY_EDIT_EVERY = 3.0
"""Join presses edit the lobby at most every 3 s: 20 edits a minute at worst."""


_LIVE = tuple(sorted(LIVE_STATUSES))
FORGOTTEN = "—"
"""The name shown for a player who asked to be forgotten (their answers still count)."""


class ChatGone(Exception):
    """The bot can no longer post in the group (removed from it, or the group is gone)."""


class Refusal(StrEnum):
    """Why an event command changed nothing; each is a template key ``event_refused_<value>``."""

    NO_EVENT = "no_event"
    ALREADY_LIVE = "already_live"
    NOT_IN_LOBBY = "not_in_lobby"
    NOT_RUNNING = "not_running"
    NOT_PAUSED = "not_paused"
    BANK_EMPTY = "bank_empty"


@dataclass(frozen=True, slots=True)
class SentPoll:
    message_id: int
    poll_id: str


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    user_id: int
    name: str
    points: int


@dataclass(frozen=True, slots=True)
class Board:
    rows: tuple[BoardRow, ...]
    participants: int
    done: int  # questions closed so far
    total: int


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """What the message after a poll shows."""

    number: int
    total: int
    question: Question
    order: tuple[int, ...]
    answered: int
    correct: int
    top: tuple[BoardRow, ...]
    last: bool


@dataclass(frozen=True, slots=True)
class FinalResults:
    """The podium, the picture and the report read from this."""

    event: Event
    bank: Bank | None
    summary: EventSummary  # accuracy and hardest question, over answers in time
    standings: tuple[Standing, ...]  # everyone who joined, silent ones with 0 points
    participants: int
    names: dict[int, str]
    questions: tuple[Question | None, ...]
    cells: dict[tuple[int, int], tuple[bool, int]]  # (user, question) -> (correct, points)
    report_sent: bool

    @property
    def hardest(self) -> Question | None:
        index = self.summary.hardest_index
        return None if index is None else self.questions[index]


@dataclass(frozen=True, slots=True)
class Created:
    event: Event
    bank: Bank
    clamped: bool  # fewer questions than asked: the bank has no more


@dataclass(frozen=True, slots=True)
class BudgetRefused:
    check: BudgetCheck
    questions: int
    seconds: int


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    event_id: int
    position: int
    stored: bool
    correct: bool
    late: bool
    points: int


class ReportRefusal(StrEnum):
    NONE = "none"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class VolunteerOutcome:
    """What ``/volunteer`` did; ``action`` names the template branch."""

    action: str
    people: tuple[tuple[int, str | None], ...] = ()
    user_id: int | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SkipRefused:
    wait_seconds: int


@dataclass(frozen=True, slots=True)
class _PollInfo:
    event_id: int
    position: int
    question: Question
    order: tuple[int, ...]
    opened_at: datetime
    closes_at: datetime  # moved earlier when /event_next or /event_stop closes it
    seconds: int
    speed_bonus: bool


class EventOutbox(Protocol):
    """Renders and sends an event's messages; raises :class:`ChatGone` if the group is lost."""

    async def lobby(
        self, event: Event, bank: Bank | None, participants: int, message_id: int | None
    ) -> int: ...

    async def countdown(self, event: Event, remaining: int, message_id: int | None) -> int: ...

    async def setup(self, view: SetupView, message_id: int | None) -> int:
        """The ``/event_new`` set-up message (``bot.services.event_setup``): send or edit."""
        ...

    async def board(self, event: Event, board: Board, message_id: int | None) -> int: ...

    async def scenario(self, event: Event, question: Question, number: int) -> int: ...

    async def scene(self, event: Event, question: Question, number: int) -> int:
        """The question's scene as a photo (its text version as the caption)."""
        ...

    async def poll(
        self,
        event: Event,
        question: Question,
        order: tuple[int, ...],
        number: int,
        inline_scenario: bool,
    ) -> SentPoll: ...

    async def stop_poll(self, event: Event, message_id: int) -> None: ...

    async def result(self, event: Event, result: QuestionResult) -> int: ...

    async def final(self, results: FinalResults) -> None: ...

    async def report(
        self, user_id: int, results: FinalResults, language: str, *, as_csv: bool
    ) -> bool:
        """The results file, privately: a workbook in ``language``, or the CSV."""
        ...


class EventTimer(Protocol):
    def wake(self, event_id: int, after: float) -> None:
        """Call ``tick(event_id, now)`` in ``after`` seconds (replacing an earlier wake)."""

    def cancel(self, event_id: int) -> None: ...


class EventService:
    """One per application: it keeps a small poll cache for the answer burst."""

    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        outbox: EventOutbox,
        timer: EventTimer,
        staff: Staff,
        rng_factory: Callable[[], random.Random] = random.Random,
    ) -> None:
        self.repo = repo
        self.content = content
        self.outbox = outbox
        self.timer = timer
        self.staff = staff
        self.rng_factory = rng_factory
        self._polls: dict[str, _PollInfo] = {}

    # --- lobby ----------------------------------------------------------------------------

    def default_bank(self) -> Bank | None:
        banks = self.content.catalog.ordered_banks
        return banks[0] if banks else None

    def plan(
        self, bank: Bank, questions: int, seconds: int, language: str
    ) -> tuple[list[tuple[str, tuple[int, ...], bool]], bool]:
        """Pick and shuffle the questions; returns them and whether fewer than asked exist."""
        rng = self.rng_factory()
        pool = self.content.catalog.bank_questions(bank.id)
        chosen = draw_questions(pool, questions, rng)  # at most one question per group
        catalog = self.content.catalog.questions
        planned = []
        for qid in chosen:
            question = catalog[qid]
            # A scene is its own photo before the poll; a scenario too long for the poll is
            # its own message. Either counts in the group's message budget the same way.
            own_message = question.scene is not None or (
                question.scenario is not None
                and not scenario_fits_poll(
                    tg_len(question.scenario.get(language)), tg_len(question.text.get(language))
                )
            )
            planned.append((qid, option_order(question, rng), own_message))
        return planned, len(chosen) < questions

    async def create(
        self,
        *,
        chat_id: int,
        host_id: int,
        bank_id: str | None,
        questions: int | None,
        seconds: int | None,
        language: str,
        now: datetime,
        message_id: int | None = None,
    ) -> Created | BudgetRefused | Refusal:
        """Open a lobby after checking the arguments' ranges (the caller did) and the budget.

        ``message_id``: a message of the bot's in the group to turn into the lobby (the
        set-up by buttons); without it the lobby is a new message.
        """
        bank = self.content.catalog.banks.get(bank_id) if bank_id else self.default_bank()
        if bank is None:
            return Refusal.BANK_EMPTY
        wanted = questions if questions is not None else DEFAULT_QUESTIONS
        secs = seconds if seconds is not None else DEFAULT_SECONDS
        if await self.repo.events.live_event(chat_id) is not None:
            return Refusal.ALREADY_LIVE
        planned, clamped = self.plan(bank, wanted, secs, language)
        if not planned:
            return Refusal.BANK_EMPTY
        scenarios = [i for i, (_, _, own) in enumerate(planned) if own]
        budget = check_budget(
            len(planned), secs, pause_between=PAUSE_BETWEEN, scenario_positions=scenarios
        )
        if not budget.ok:
            return BudgetRefused(budget, len(planned), secs)
        event = await self.repo.events.create_event(
            chat_id=chat_id,
            host_id=host_id,
            bank_id=bank.id,
            language=language,
            seconds=secs,
            pause_between=PAUSE_BETWEEN,
            speed_bonus=True,
            questions=planned,
            now=now,
        )
        if event is None:
            return Refusal.ALREADY_LIVE
        message_id = await self.outbox.lobby(event, bank, 0, message_id)
        await self.repo.events.set_event_message(event.id, "lobby", message_id)
        await self.repo.events.set_lobby_edited(event.id, now)
        refreshed = await self.repo.events.get_event(event.id)
        assert refreshed is not None
        return Created(refreshed, bank, clamped and questions is not None)

    async def _lobby_press(self, origin: Origin, event_id: int) -> Event | None:
        """The live event whose lobby message this press is on; None for anything else (an
        old lobby, a forged id, a copy forwarded to another chat)."""
        event = await self.repo.events.get_event(event_id)
        if event is None or not event.status.is_live or event.chat_id != origin.chat_id:
            return None
        if event.lobby_message_id is None or event.lobby_message_id != origin.message_id:
            return None
        return event

    async def join(
        self, origin: Origin, event_id: int, name: str, now: datetime
    ) -> tuple[Event, bool] | None:
        """Join from the lobby button; None for a stale or forged press."""
        event = await self._lobby_press(origin, event_id)
        if event is None:
            return None
        new = await self.repo.players.join_event(event_id, origin.user_id, name, now)
        if new and event.status is EventStatus.LOBBY:
            self.timer.wake(event.id, self._lobby_wait(event, now))
        return event, new

    @staticmethod
    def _lobby_wait(event: Event, now: datetime) -> float:
        """Seconds until the lobby may be edited again. A join never edits it itself: the edit
        may wait for the group's message budget, and the joiner's pop-up must not wait."""
        last = event.lobby_edited_at
        return 0.0 if last is None else max(LOBBY_EDIT_EVERY - (now - last).total_seconds(), 0)

    async def refresh_lobby(self, event: Event, now: datetime, *, force: bool = False) -> bool:
        """Edit the participant count, at most every few seconds (a timer catches up)."""
        if event.lobby_message_id is None:
            return False
        wait = self._lobby_wait(event, now)
        if not force and wait > 0:
            self.timer.wake(event.id, wait)
            return False
        await self.repo.events.set_lobby_edited(event.id, now)
        fresh = await self.repo.events.get_event(event.id) or event
        count = await self.repo.players.participant_count(event.id)
        bank = self.content.catalog.banks.get(event.bank_id)
        await self.outbox.lobby(fresh, bank, count, event.lobby_message_id)
        return True

    async def set_bonus(
        self, origin: Origin, event_id: int, on: bool, now: datetime
    ) -> Event | bool | None:
        """The lobby's speed-bonus switch; None for a stale press, False when the presser may
        not run events here. Setting the value it has changes nothing."""
        event = await self._lobby_press(origin, event_id)
        if event is None or event.status is not EventStatus.LOBBY:
            return None
        if not await self.staff.may_manage(event.chat_id, origin.user_id):
            return False
        if event.speed_bonus != on and not await self.repo.events.set_speed_bonus(event_id, on):
            return None
        fresh = await self.repo.events.get_event(event_id)
        assert fresh is not None
        await self.refresh_lobby(fresh, now, force=True)
        return fresh

    # --- who may see results, who may run events ------------------------------------------

    async def report_for(
        self, user_id: int, chat_id: int | None, event_id: int | None
    ) -> Event | ReportRefusal:
        """The ended event whose results ``user_id`` may have: in a group (``chat_id``) its
        last one; in private the newest (or ``event_id``) they hosted or may run the group of.
        """
        events = self.repo.events
        if chat_id is not None:
            candidates = await events.ended_events(chat_id, limit=1)
        elif event_id is not None:
            single = await events.get_event(event_id)
            candidates = [single] if single is not None and not single.status.is_live else []
        else:
            candidates = await events.ended_events(limit=20)
        for event in candidates:
            if event.host_id == user_id or await self.staff.may_manage(event.chat_id, user_id):
                return event
        return ReportRefusal.NOT_ALLOWED if candidates else ReportRefusal.NONE

    async def manage_volunteers(
        self, operator_id: int, action: str, target: tuple[int, str | None] | None, now: datetime
    ) -> VolunteerOutcome:
        """``/volunteer``: operators only. ``action`` is add, remove or list."""
        if not self.staff.is_operator(operator_id):
            return VolunteerOutcome("not_operator")
        players = self.repo.players
        if action == "list":
            return VolunteerOutcome("list", tuple(await players.volunteers()))
        if target is None or action not in ("add", "remove"):
            return VolunteerOutcome("usage")
        user_id, name = target
        if action == "add":
            added = await players.add_volunteer(user_id, name, operator_id, now)
            return VolunteerOutcome("added" if added else "already", (), user_id, name)
        removed = await players.remove_volunteer(user_id)
        return VolunteerOutcome("removed" if removed else "not_found", (), user_id, name)

    # --- running --------------------------------------------------------------------------

    async def start(self, chat_id: int, now: datetime) -> Event | Refusal:
        event = await self.repo.events.live_event(chat_id)
        if event is None:
            return Refusal.NO_EVENT
        countdown_end = now + timedelta(seconds=COUNTDOWN_SECONDS)
        if not await self.repo.events.set_event_status(
            event.id, (EventStatus.LOBBY,), EventStatus.COUNTDOWN, now, next_at=countdown_end
        ):
            return Refusal.NOT_IN_LOBBY
        await self._count_running()
        started = await self.repo.events.get_event(event.id)
        assert started is not None
        await self._guarded(started, now, self._begin_countdown(started, now))
        return started

    async def _begin_countdown(self, event: Event, now: datetime) -> None:
        bank = self.content.catalog.banks.get(event.bank_id)
        count = await self.repo.players.participant_count(event.id)
        if event.lobby_message_id is not None:
            await self.outbox.lobby(event, bank, count, event.lobby_message_id)
        message_id = await self.outbox.countdown(event, COUNTDOWN_SECONDS, None)
        await self.repo.events.set_event_message(event.id, "countdown", message_id)
        self.timer.wake(event.id, 1.0)

    async def tick(self, event_id: int, now: datetime) -> None:
        """Do whatever is due for the event at ``now`` and wake again for the next step."""
        event = await self.repo.events.get_event(event_id)
        if event is None or not event.status.is_live:
            return
        await self._guarded(event, now, self._advance(event, now))

    async def _guarded(self, event: Event, now: datetime, step: Awaitable[object]) -> None:
        """Run a step; if the group is gone, stop the event instead of retrying forever."""
        try:
            await step
        except ChatGone:
            log.warning("event %s: the bot cannot post in its group any more; stopped", event.id)
            self.timer.cancel(event.id)
            await self.repo.events.set_event_status(event.id, _LIVE, EventStatus.STOPPED, now)
            await self._count_running()

    async def _advance(self, event: Event, now: datetime) -> None:
        if event.status is EventStatus.LOBBY:
            await self.refresh_lobby(event, now)
            return
        if event.status is EventStatus.COUNTDOWN:
            assert event.next_at is not None
            left = (event.next_at - now).total_seconds()
            if left > 0:
                remaining = math.ceil(left)
                if event.countdown_message_id is not None and remaining < COUNTDOWN_SECONDS:
                    await self.outbox.countdown(event, remaining, event.countdown_message_id)
                self.timer.wake(event.id, left - (remaining - 1))
                return
            if not await self.repo.events.set_event_status(
                event.id, (EventStatus.COUNTDOWN,), EventStatus.RUNNING, now, next_at=now
            ):
                return
            running = await self.repo.events.get_event(event.id)
            assert running is not None
            # The countdown ends as the live leaderboard ("开始！" on top until the first
            # question closes): its last state is never "1 秒后开始", and no message is added.
            board = await self.board(running)
            message_id = await self.outbox.board(running, board, running.countdown_message_id)
            await self.repo.events.set_event_message(event.id, "board", message_id)
            await self.open_question(event.id, 0, now)
            return
        questions = await self.repo.events.event_questions(event.id)
        current = next((q for q in questions if q.is_open), None)
        if current is not None:
            assert current.closes_at is not None
            if current.closes_at <= now:
                await self.close_question(event.id, current.position, now)
            else:
                self.timer.wake(event.id, (current.closes_at - now).total_seconds())
            return
        if event.status is EventStatus.PAUSED:
            return
        upcoming = next((q.position for q in questions if q.opened_at is None), None)
        if upcoming is None:
            await self.finish(event.id, now)
            return
        if event.next_at is None or event.next_at <= now:
            await self.open_question(event.id, upcoming, now)
        else:
            self.timer.wake(event.id, (event.next_at - now).total_seconds())

    async def open_question(self, event_id: int, position: int, now: datetime) -> bool:
        """Send question ``position`` as a quiz poll, once. False when it is not due."""
        event = await self.repo.events.get_event(event_id)
        if event is None or event.status is not EventStatus.RUNNING:
            return False
        questions = await self.repo.events.event_questions(event_id)
        if any(q.is_open for q in questions):
            return False
        upcoming = next((q for q in questions if q.opened_at is None), None)
        if upcoming is None or upcoming.position != position:
            return False
        stored = upcoming
        question = self.content.catalog.questions.get(stored.question_id)
        if question is None or len(question.options) != len(stored.option_order):
            log.warning("event %s: question %s left the content; skipped", event_id, position)
            if await self.repo.events.skip_event_question(event_id, position, now):
                await self.tick(event_id, now)
            return False
        closes_at = now + timedelta(seconds=event.seconds)
        if not await self.repo.events.claim_open(event_id, position, now, closes_at):
            return False
        number = position + 1
        try:
            if stored.scenario_message and question.scene is not None:
                await self.outbox.scene(event, question, number)
            elif stored.scenario_message:
                await self.outbox.scenario(event, question, number)
            sent = await self.outbox.poll(
                event,
                question,
                stored.option_order,
                number,
                inline_scenario=question.scenario is not None and not stored.scenario_message,
            )
        except BaseException:
            await self.repo.events.unclaim_open(event_id, position)
            raise
        await self.repo.events.set_event_poll(event_id, position, sent.poll_id, sent.message_id)
        self._polls[sent.poll_id] = _PollInfo(
            event_id,
            position,
            question,
            stored.option_order,
            now,
            closes_at,
            event.seconds,
            event.speed_bonus,
        )
        self.timer.wake(event_id, float(event.seconds))
        return True

    async def close_question(self, event_id: int, position: int, now: datetime) -> bool:
        """Close an open question: stop the poll, post the result, edit the leaderboard.

        Idempotent: the close is claimed in SQLite first, so a second call does nothing.
        """
        event = await self.repo.events.get_event(event_id)
        stored = await self.repo.events.event_question(event_id, position)
        if event is None or stored is None or not stored.is_open:
            return False
        next_at = now + timedelta(seconds=event.pause_between)
        if not await self.repo.events.claim_close(event_id, position, now, next_at):
            return False
        if stored.poll_id is not None:
            self._polls.pop(stored.poll_id, None)
        if stored.poll_message_id is not None:
            await self.outbox.stop_poll(event, stored.poll_message_id)
        if event.status is EventStatus.STOPPED:
            return True
        board = await self.board(event)
        question = self.content.catalog.questions.get(stored.question_id)
        if question is not None:
            answered, correct = await self.repo.players.event_question_tally(event_id, position)
            result = QuestionResult(
                number=position + 1,
                total=event.question_count,
                question=question,
                order=stored.option_order,
                answered=answered,
                correct=correct,
                top=board.rows[:LIVE_TOP],
                last=position + 1 >= event.question_count,
            )
            message_id = await self.outbox.result(event, result)
            await self.repo.events.set_event_result_message(event_id, position, message_id)
        if event.board_message_id is not None:
            await self.outbox.board(event, board, event.board_message_id)
        if event.status is EventStatus.RUNNING:
            self.timer.wake(event_id, float(event.pause_between))
        return True

    async def board(self, event: Event) -> Board:
        scores, spent = await self.repo.players.event_totals(event.id)
        people = await self.repo.players.participants(event.id)
        names = {p.user_id: p.display_name or FORGOTTEN for p in people}
        rows = tuple(
            BoardRow(s.rank, s.user_id, names.get(s.user_id, str(s.user_id)), s.points)
            for s in leaderboard(scores, spent, limit=BOARD_TOP)
        )
        questions = await self.repo.events.event_questions(event.id)
        done = sum(1 for q in questions if q.closed_at is not None)
        return Board(rows, len(scores), done, event.question_count)

    async def pause(self, chat_id: int, now: datetime) -> tuple[Event, bool] | Refusal:
        """Pause after the current question (a native poll's timer cannot be paused).

        Returns the event and whether a question is still open.
        """
        event = await self.repo.events.live_event(chat_id)
        if event is None:
            return Refusal.NO_EVENT
        if not await self.repo.events.set_event_status(
            event.id, (EventStatus.RUNNING,), EventStatus.PAUSED, now
        ):
            return Refusal.NOT_RUNNING
        questions = await self.repo.events.event_questions(event.id)
        return event, any(q.is_open for q in questions)

    async def resume(
        self, chat_id: int, now: datetime, *, before: Callable[[], Awaitable[object]] | None = None
    ) -> Event | Refusal:
        """Go on after a pause; ``before`` runs first (to say so before the next poll)."""
        event = await self.repo.events.live_event(chat_id)
        if event is None:
            return Refusal.NO_EVENT
        next_at = max(event.next_at or now, now)
        if not await self.repo.events.set_event_status(
            event.id, (EventStatus.PAUSED,), EventStatus.RUNNING, now, next_at=next_at
        ):
            return Refusal.NOT_PAUSED
        if before is not None:
            await before()
        await self.tick(event.id, now)
        return event

    async def skip(self, chat_id: int, now: datetime) -> Event | SkipRefused | Refusal:
        """``/event_next``: close the open question now (not sooner than the budget allows)."""
        event = await self.repo.events.live_event(chat_id)
        if event is None:
            return Refusal.NO_EVENT
        if event.status is not EventStatus.RUNNING:
            return Refusal.NOT_RUNNING
        questions = await self.repo.events.event_questions(event.id)
        current = next((q for q in questions if q.is_open), None)
        if current is None:
            await self.repo.events.set_event_next_at(event.id, now)
            await self.tick(event.id, now)
            return event
        assert current.opened_at is not None
        scenarios = [q.position for q in questions if q.scenario_message]
        budget = check_budget(
            event.question_count,
            event.seconds,
            pause_between=event.pause_between,
            scenario_positions=scenarios,
        )
        wait = wait_before_skip(current.opened_at, now, budget.min_seconds or event.seconds)
        if wait > 0:
            return SkipRefused(wait)
        await self._guarded(event, now, self.close_question(event.id, current.position, now))
        return event

    async def stop(self, chat_id: int, now: datetime) -> tuple[Event, bool] | Refusal:
        """End now. Returns the event and whether results were posted (False: a lobby or
        nothing asked yet, so the event is simply cancelled)."""
        event = await self.repo.events.live_event(chat_id)
        if event is None:
            return Refusal.NO_EVENT
        self.timer.cancel(event.id)
        questions = await self.repo.events.event_questions(event.id)
        asked = any(q.opened_at is not None for q in questions)
        target = EventStatus.STOPPED if asked else EventStatus.CANCELLED
        if not await self.repo.events.set_event_status(event.id, _LIVE, target, now):
            return Refusal.NO_EVENT
        await self._count_running()
        stopped = await self.repo.events.get_event(event.id)
        assert stopped is not None
        try:
            current = next((q for q in questions if q.is_open), None)
            if current is not None:
                await self.close_question(event.id, current.position, now)
            if not asked:
                if event.lobby_message_id is not None:
                    bank = self.content.catalog.banks.get(event.bank_id)
                    count = await self.repo.players.participant_count(event.id)
                    await self.outbox.lobby(stopped, bank, count, event.lobby_message_id)
                return stopped, False
            await self._wrap_up(stopped)
        except ChatGone:
            log.warning("event %s: the group is gone; stopped without results", event.id)
        return stopped, asked

    async def finish(self, event_id: int, now: datetime) -> bool:
        if not await self.repo.events.set_event_status(
            event_id, (EventStatus.RUNNING,), EventStatus.FINISHED, now
        ):
            return False
        await self._count_running()
        self.timer.cancel(event_id)
        event = await self.repo.events.get_event(event_id)
        assert event is not None
        await self._wrap_up(event)
        return True

    async def _wrap_up(self, event: Event) -> None:
        """Send the CSV to the host privately, then the podium and picture to the group."""
        results = await self.results(event)
        language = await self._reader_language(event.host_id, event)
        sent = await self.outbox.report(event.host_id, results, language, as_csv=False)
        await self.outbox.final(replace(results, report_sent=sent))

    async def _reader_language(self, user_id: int, event: Event) -> str:
        """The language of the person a report goes to; the event's if the bot never met them."""
        user = await self.repo.people.get_user(user_id)
        return user.language if user is not None else event.language

    async def results(self, event: Event) -> FinalResults:
        questions = await self.repo.events.event_questions(event.id)
        answers = await self.repo.players.event_answers(event.id)
        people = await self.repo.players.participants(event.id)
        scores, spent = await self.repo.players.event_totals(event.id)
        catalog = self.content.catalog.questions
        return FinalResults(
            event=event,
            bank=self.content.catalog.banks.get(event.bank_id),
            summary=summarize(answers, [q.question_id for q in questions]),
            standings=tuple(leaderboard(scores, spent)),
            participants=len(people),
            names={p.user_id: p.display_name or FORGOTTEN for p in people},
            questions=tuple(catalog.get(q.question_id) for q in questions),
            cells={(a.user_id, a.question_index): (a.correct, a.points) for a in answers},
            report_sent=False,
        )

    async def send_report(self, event: Event, user_id: int, *, as_csv: bool = False) -> bool:
        """The results file (a workbook, or the CSV), privately to ``user_id``; False when
        they cannot be reached."""
        results = await self.results(event)
        language = await self._reader_language(user_id, event)
        return await self.outbox.report(user_id, results, language, as_csv=as_csv)

    async def running(self) -> list[Event]:
        """Events that were live when the process stopped (start-up resumes them)."""
        return await self.repo.events.running_events()

    async def _count_running(self) -> None:
        """The ``quizbot_events_running`` gauge, after an event starts or ends."""
        metrics.set_events_running(len(await self.running()))

    @staticmethod
    def report_csv(results: FinalResults) -> tuple[str, bytes]:
        return f"event-{results.event.id}.csv", build_csv(results)

    # --- answers --------------------------------------------------------------------------

    async def record_answer(
        self,
        poll_id: str,
        user_id: int,
        name: str,
        option_ids: Sequence[int],
        now: datetime,
    ) -> AnswerOutcome | None:
        """Score a poll answer; None when the poll is not an event's or the vote was retracted.

        Only the first answer counts (UNIQUE per event, question and user); an answer after the
        question closed is kept as late and earns nothing; voters who never pressed Join are
        joined by the same transaction.
        """
        if not option_ids:
            return None
        info = self._polls.get(poll_id) or await self._load_poll(poll_id)
        if info is None:
            return None
        if any(not 0 <= i < len(info.order) for i in option_ids):
            return None
        chosen = to_bank_indices(info.order, option_ids)
        correct = grade_answer(info.question, chosen)
        late = is_late(now, info.opened_at, info.seconds, info.closes_at)
        elapsed = elapsed_seconds(now, info.opened_at)
        points = (
            0
            if late
            else event_points(correct, elapsed, info.seconds, speed_bonus=info.speed_bonus)
        )
        stored = await self.repo.players.record_event_answer(
            event_id=info.event_id,
            position=info.position,
            user_id=user_id,
            display_name=name,
            chosen=chosen,
            correct=correct and not late,
            points=points,
            elapsed=elapsed,
            late=late,
            now=now,
            qversion=question_version(info.question),
        )
        if stored:
            metrics.answer_stored("event")
        return AnswerOutcome(info.event_id, info.position, stored, correct, late, points)

    async def _load_poll(self, poll_id: str) -> _PollInfo | None:
        stored = await self.repo.events.event_question_by_poll(poll_id)
        if stored is None or stored.opened_at is None or stored.closes_at is None:
            return None
        event = await self.repo.events.get_event(stored.event_id)
        question = self.content.catalog.questions.get(stored.question_id)
        if event is None or question is None or len(question.options) != len(stored.option_order):
            return None
        info = _PollInfo(
            stored.event_id,
            stored.position,
            question,
            stored.option_order,
            stored.opened_at,
            stored.closes_at,
            event.seconds,
            event.speed_bonus,
        )
        if stored.closed_at is None:
            self._polls[poll_id] = info
        return info

    # --- a group becomes a supergroup ------------------------------------------------------

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> MovedChat:
        """Telegram gave the group a new id: move every row keyed by it (one transaction),
        forget the cached admins, and let a live event go on with new messages there (its
        old messages stay behind in the old chat). Moving again changes nothing."""
        moved = await self.repo.groups.move_chat(old_chat_id, new_chat_id)
        self.staff.move_chat(old_chat_id, new_chat_id)
        if moved.total:
            log.info("chat %s became %s: %s", old_chat_id, new_chat_id, moved.rows)
        for event_id in moved.live_events:
            event = await self.repo.events.get_event(event_id)
            if event is not None:
                await self._guarded(event, now, self._show_again(event, now))
        return moved

    async def _show_again(self, event: Event, now: datetime) -> None:
        """The live event's lobby or leaderboard, as a new message in its (new) chat."""
        if event.status is EventStatus.LOBBY:
            bank = self.content.catalog.banks.get(event.bank_id)
            count = await self.repo.players.participant_count(event.id)
            message_id = await self.outbox.lobby(event, bank, count, None)
            await self.repo.events.set_event_message(event.id, "lobby", message_id)
            await self.repo.events.set_lobby_edited(event.id, now)
        elif event.status in (EventStatus.RUNNING, EventStatus.PAUSED):
            message_id = await self.outbox.board(event, await self.board(event), None)
            await self.repo.events.set_event_message(event.id, "board", message_id)
        # A countdown's leaderboard is sent when it ends (it has no message to edit now).

    # --- restart --------------------------------------------------------------------------

    async def recover(self, event_id: int, now: datetime) -> None:
        """After a restart: re-send what never went out, close what is overdue, re-arm."""
        reopened = await self.repo.events.unsent_questions(event_id)
        if reopened:
            log.info("event %s: %s question(s) will be sent again", event_id, reopened)
        await self.tick(event_id, now)


def build_csv(results: FinalResults) -> bytes:
    """rank, name, points, correct, answered, then one column per question with its points
    (empty: not answered in time). UTF-8 with a BOM so Excel shows the Chinese names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    count = len(results.questions)
    writer.writerow(
        ["rank", "name", "points", "correct", "answered"] + [f"Q{i + 1}" for i in range(count)]
    )
    for row in results.standings:
        cells = [results.cells.get((row.user_id, i)) for i in range(count)]
        given = [c for c in cells if c is not None]
        writer.writerow(
            [
                row.rank,
                _safe_cell(results.names.get(row.user_id, str(row.user_id))),
                row.points,
                sum(1 for correct, _ in given if correct),
                len(given),
                *("" if c is None else c[1] for c in cells),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _safe_cell(text: str) -> str:
    """Names are typed by strangers: keep spreadsheet formulas from running (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def parse_event_args(
    args: Sequence[str], banks: Sequence[str]
) -> tuple[str | None, int | None, int | None] | str:
    """``[bank] [questions] [seconds]`` -> values, or a reason code for the usage message.

    Numbers are ASCII or full-width digits (see ``bot.domain.args``).
    """
    bank: str | None = None
    rest = list(args)
    if rest and not looks_numeric(half_width(rest[0])):
        bank = rest.pop(0)
        if bank not in banks:
            return "unknown_bank"
    numbers = [number(part, 4) for part in rest]
    if len(rest) > 2 or None in numbers:
        return "bad_numbers"  # ², ①, 1.5, -3, 12345 …: the usage, never an error
    questions = numbers[0] if numbers else None
    seconds = numbers[1] if len(numbers) > 1 else None
    error = event_args_error(
        questions if questions is not None else DEFAULT_QUESTIONS,
        seconds if seconds is not None else DEFAULT_SECONDS,
    )
    if error is not None:
        return error
    return bank, questions, seconds
