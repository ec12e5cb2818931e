"""``/event_new`` without arguments: the host picks a bank, a number of questions and the time
per question with buttons, then the same message becomes the lobby.

The set-up is a row tied to the one message that shows its buttons (``event_setups``): a press
counts only on that message, by the person who sent ``/event_new``, at the step the message
shows, with a value the message offered. Every step is a compare-and-set, so a double tap or an
old press changes nothing. Only settings that fit the group's message budget are offered
(``bot.domain.events.fits_budget``); ``EventService.create`` checks the drawn event again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from bot.domain.content import Bank
from bot.domain.events import (
    EventSetup,
    SetupStep,
    question_choices,
    scenario_fits_poll,
    seconds_choices,
)
from bot.domain.limits import tg_len
from bot.services.common import Origin
from bot.services.events import (
    PAUSE_BETWEEN,
    BudgetRefused,
    ChatGone,
    Created,
    EventService,
    Refusal,
)

ShownStep = SetupStep | Literal["cancelled", "refused", "budget"]


class SetupRefusal(StrEnum):
    """Why a set-up press changed nothing; each is a toast ``event_setup_toast_<value>``."""

    STALE = "stale"  # not a set-up message, another step, or expired
    NOT_HOST = "not_host"
    INVALID = "invalid"  # a value the message did not offer


@dataclass(frozen=True, slots=True)
class SetupPick:
    """What was pressed: a bank, a number (questions or seconds, by step), or cancel."""

    step: SetupStep | None  # None: cancel
    bank_id: str | None = None
    number: int | None = None


@dataclass(frozen=True, slots=True)
class SetupView:
    """What the set-up message shows; the outbox renders it and draws the buttons."""

    chat_id: int
    language: str
    step: ShownStep
    bank: Bank | None = None
    questions: int | None = None
    banks: tuple[Bank, ...] = ()
    numbers: tuple[int, ...] = ()  # question counts or seconds, by step
    refusal: Refusal | BudgetRefused | None = None


class EventSetupService:
    def __init__(self, events: EventService) -> None:
        self.events = events
        self.repo = events.repo
        self.content = events.content

    # --- what each step offers --------------------------------------------------------------

    def _sizes(self, bank: Bank, language: str) -> tuple[int, int]:
        """(questions an event can draw, of them with a scenario too long for the poll)."""
        pool = self.content.catalog.bank_questions(bank.id)
        units = {(q.group,) if q.group else ("id", q.id) for q in pool}
        long = sum(
            1
            for q in pool
            if q.scenario is not None
            and not scenario_fits_poll(
                tg_len(q.scenario.get(language)), tg_len(q.text.get(language))
            )
        )
        return len(units), long

    def question_choices(self, bank: Bank, language: str) -> tuple[int, ...]:
        available, long = self._sizes(bank, language)
        return question_choices(available, long, pause_between=PAUSE_BETWEEN)

    def seconds_choices(self, bank: Bank, questions: int, language: str) -> tuple[int, ...]:
        _, long = self._sizes(bank, language)
        return seconds_choices(questions, long, pause_between=PAUSE_BETWEEN)

    def banks(self, language: str) -> tuple[Bank, ...]:
        """Banks with at least one setting that fits (an empty bank is not offered)."""
        return tuple(
            b for b in self.content.catalog.ordered_banks if self.question_choices(b, language)
        )

    # --- the steps --------------------------------------------------------------------------

    async def open(
        self, chat_id: int, host_id: int, language: str, now: datetime
    ) -> EventSetup | Refusal:
        """``/event_new`` alone: the first step's message, tied to a new set-up row."""
        if await self.repo.events.live_event(chat_id) is not None:
            return Refusal.ALREADY_LIVE
        banks = self.banks(language)
        if not banks:
            return Refusal.BANK_EMPTY
        view = SetupView(chat_id, language, SetupStep.BANK, banks=banks)
        try:
            message_id = await self.events.outbox.setup(view, None)
        except ChatGone:
            return Refusal.NO_EVENT
        return await self.repo.groups.create_setup(chat_id, message_id, host_id, now)

    async def press(
        self, origin: Origin, pick: SetupPick, language: str, now: datetime
    ) -> SetupStep | Created | SetupRefusal | None:
        """One press on the set-up message. Returns the step now shown, the event created
        (the message became its lobby), a refusal (a toast), or None when the set-up ended
        without an event (cancelled, or refused: the message says why)."""
        if origin.message_id is None:
            return SetupRefusal.STALE
        setup = await self.repo.groups.setup(origin.chat_id, origin.message_id)
        if setup is None or setup.expired(now):
            return SetupRefusal.STALE
        if setup.host_id != origin.user_id:
            return SetupRefusal.NOT_HOST
        if pick.step is None:
            return await self._cancel(setup, language)
        if pick.step is not setup.step:
            return SetupRefusal.STALE
        if setup.step is SetupStep.BANK:
            return await self._bank(setup, pick, language)
        bank = self.content.catalog.banks.get(setup.bank_id or "")
        if bank is None:
            return SetupRefusal.STALE  # the bank left the content meanwhile
        if setup.step is SetupStep.QUESTIONS:
            return await self._questions(setup, bank, pick, language)
        return await self._seconds(setup, bank, pick, language, now)

    async def _cancel(self, setup: EventSetup, language: str) -> SetupRefusal | None:
        if not await self.repo.groups.end_setup(setup):
            return SetupRefusal.STALE
        view = SetupView(setup.chat_id, language, "cancelled")
        await self.events.outbox.setup(view, setup.message_id)
        return None

    async def _bank(
        self, setup: EventSetup, pick: SetupPick, language: str
    ) -> SetupStep | SetupRefusal:
        bank = self.content.catalog.banks.get(pick.bank_id or "")
        if bank is None or bank not in self.banks(language):
            return SetupRefusal.INVALID
        if not await self.repo.groups.advance_setup(setup, SetupStep.QUESTIONS, bank_id=bank.id):
            return SetupRefusal.STALE
        numbers = self.question_choices(bank, language)
        view = SetupView(setup.chat_id, language, SetupStep.QUESTIONS, bank, numbers=numbers)
        await self.events.outbox.setup(view, setup.message_id)
        return SetupStep.QUESTIONS

    async def _questions(
        self, setup: EventSetup, bank: Bank, pick: SetupPick, language: str
    ) -> SetupStep | SetupRefusal:
        questions = pick.number
        if questions is None or questions not in self.question_choices(bank, language):
            return SetupRefusal.INVALID
        if not await self.repo.groups.advance_setup(setup, SetupStep.SECONDS, questions=questions):
            return SetupRefusal.STALE
        numbers = self.seconds_choices(bank, questions, language)
        view = SetupView(
            setup.chat_id, language, SetupStep.SECONDS, bank, questions, numbers=numbers
        )
        await self.events.outbox.setup(view, setup.message_id)
        return SetupStep.SECONDS

    async def _seconds(
        self, setup: EventSetup, bank: Bank, pick: SetupPick, language: str, now: datetime
    ) -> Created | SetupRefusal | None:
        questions, seconds = setup.questions, pick.number
        if questions is None or seconds is None:
            return SetupRefusal.INVALID
        if seconds not in self.seconds_choices(bank, questions, language):
            return SetupRefusal.INVALID
        if not await self.events.staff.may_manage(setup.chat_id, setup.host_id):
            return SetupRefusal.NOT_HOST  # no longer an admin or volunteer
        if not await self.repo.groups.end_setup(setup):
            return SetupRefusal.STALE
        outcome = await self.events.create(
            chat_id=setup.chat_id,
            host_id=setup.host_id,
            bank_id=bank.id,
            questions=questions,
            seconds=seconds,
            language=language,
            now=now,
            message_id=setup.message_id,
        )
        if isinstance(outcome, Created):
            return outcome
        step: ShownStep = "budget" if isinstance(outcome, BudgetRefused) else "refused"
        view = SetupView(setup.chat_id, language, step, bank, questions, refusal=outcome)
        await self.events.outbox.setup(view, setup.message_id)
        return None
