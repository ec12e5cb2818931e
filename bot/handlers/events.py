"""Volunteers' quiz events in group chats: the Telegram side of ``bot.services.events``.

Commands work with privacy mode on (the bot sees commands and replies to it) and with an
``@botname`` suffix (PTB's CommandHandler checks it). Group texts use the default language.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType, PollType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackContext,
    CommandHandler,
    ContextTypes,
    JobQueue,
    PollAnswerHandler,
)

from bot import charts
from bot.actions import Join, SetupBank, SetupCancel, SetupQuestions, SetupSeconds, SpeedBonus
from bot.context import Services, services
from bot.domain.args import number
from bot.domain.content import Bank, Question
from bot.domain.events import (
    MAX_QUESTIONS,
    MAX_SECONDS,
    MIN_QUESTIONS,
    MIN_SECONDS,
    Event,
    EventStatus,
    SetupStep,
)
from bot.domain.insight import AnswerRef
from bot.domain.insight import Origin as AnswerOrigin
from bot.domain.limits import CAPTION, GROUP_MESSAGES_PER_MINUTE, POLL_QUESTION, shorten, tg_len
from bot.event_report import results_workbook
from bot.handlers.common import (
    Button,
    Link,
    View,
    display_name,
    is_not_modified,
    keyboard,
    reply_list,
)
from bot.handlers.dispatch import Press, on
from bot.handlers.feedback import report_link
from bot.handlers.pictures import scenario_text, send_scene, visible_len
from bot.ratelimit import Priority, priority
from bot.services.event_setup import EventSetupService, SetupPick, SetupRefusal, SetupView
from bot.services.events import (
    Board,
    BudgetRefused,
    ChatGone,
    EventService,
    FinalResults,
    QuestionResult,
    Refusal,
    ReportRefusal,
    SentPoll,
    SkipRefused,
    VolunteerOutcome,
    parse_event_args,
)

log = logging.getLogger(__name__)

PTBApp = Application[Any, Any, Any, Any, Any, Any]
RUNTIME_KEY = "events"
RETRY_SECONDS = 5.0
T = TypeVar("T")
EVENT_COMMANDS = ("event_new", "event_start", "event_next", "event_pause", "event_resume")


# --- the ports: Telegram behind plain-data methods -----------------------------------------


class TelegramOutbox:
    """Renders an event's messages from templates and sends them to its group."""

    def __init__(self, app: PTBApp) -> None:
        self.app = app

    @property
    def bot(self) -> Bot:
        return self.app.bot

    @property
    def svc(self) -> Services:
        found = self.app.bot_data["services"]
        assert isinstance(found, Services)
        return found

    async def _moved(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup (Telegram said so on a send): move it first."""
        await runtime(self.app).service.move_chat(old_chat_id, new_chat_id, self.svc.clock())

    async def _to_group(self, chat_id: int, send: Callable[[int], Awaitable[T]]) -> T:
        """Send to a group; one that became a supergroup is moved and sent to there."""
        try:
            try:
                return await send(chat_id)
            except ChatMigrated as exc:
                await self._moved(chat_id, exc.new_chat_id)
                return await send(exc.new_chat_id)
        except Forbidden as exc:
            raise ChatGone(exc.message) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise ChatGone(exc.message) from exc
            raise

    async def _send(self, event: Event, text: str, markup: Any = None) -> int:
        return await self._send_to(event.chat_id, text, markup)

    async def _send_to(self, chat_id: int, text: str, markup: Any = None) -> int:
        async def send(target: int) -> Message:
            return await self.bot.send_message(target, text, reply_markup=markup)

        return (await self._to_group(chat_id, send)).message_id

    async def _edit(self, event: Event, message_id: int, text: str, markup: Any = None) -> None:
        await self._edit_in(event.chat_id, message_id, text, markup)

    async def _edit_in(self, chat_id: int, message_id: int, text: str, markup: Any = None) -> None:
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except ChatMigrated as exc:  # the message stayed behind; the move shows a new one
            await self._moved(chat_id, exc.new_chat_id)
        except Forbidden as exc:
            raise ChatGone(exc.message) from exc
        except BadRequest as exc:  # not modified, or deleted by an admin: nothing to fix
            if not is_not_modified(exc):
                log.info("chat %s: could not edit message %s: %s", chat_id, message_id, exc)

    async def lobby(
        self, event: Event, bank: Bank | None, participants: int, message_id: int | None
    ) -> int:
        svc, lang = self.svc, event.language
        text = svc.render(
            lang,
            "event_lobby",
            status=event.status.value,
            bank=bank.title.get(lang) if bank else event.bank_id,
            questions=event.question_count,
            seconds=event.seconds,
            bonus=event.speed_bonus,
            participants=participants,
        )
        markup = None
        if event.status is EventStatus.LOBBY:
            bonus = "event_bonus_on" if event.speed_bonus else "event_bonus_off"
            markup = keyboard(
                [
                    [(svc.render.label(lang, "event_join"), Join(event.id))],
                    [(svc.render.label(lang, bonus), SpeedBonus(event.id, not event.speed_bonus))],
                ]
            )
        if message_id is None:
            return await self._send(event, text, markup)
        await self._edit(event, message_id, text, markup)
        return message_id

    async def countdown(self, event: Event, remaining: int, message_id: int | None) -> int:
        text = self.svc.render(event.language, "event_countdown", remaining=remaining)
        if message_id is None:
            return await self._send(event, text)
        await self._edit(event, message_id, text)
        return message_id

    async def setup(self, view: SetupView, message_id: int | None) -> int:
        shown = setup_view(self.svc, view)
        if message_id is None:
            return await self._send_to(view.chat_id, shown.text, shown.markup)
        await self._edit_in(view.chat_id, message_id, shown.text, shown.markup)
        return message_id

    async def board(self, event: Event, board: Board, message_id: int | None) -> int:
        text = self.svc.render(
            event.language,
            "event_board",
            rows=board.rows,
            participants=board.participants,
            done=board.done,
            total=board.total,
        )
        if message_id is None:
            return await self._send(event, text)
        await self._edit(event, message_id, text)
        return message_id

    async def scenario(self, event: Event, question: Question, number: int) -> int:
        assert question.scenario is not None
        text = self.svc.render(
            event.language,
            "event_scenario",
            number=number,
            total=event.question_count,
            scenario=question.scenario.get(event.language),
        )
        return await self._send(event, text)

    async def scene(self, event: Event, question: Question, number: int) -> int:
        """The scene's picture; its caption is the text version, cut to Telegram's limit (the
        validator keeps shipped ones far below it; a group gets no "show as text" button,
        which would send messages outside the event's budget)."""
        lang, scene = event.language, question.scene
        assert scene is not None
        context = {"number": number, "total": event.question_count}
        text = scenario_text(question, lang) or ""
        room = CAPTION - visible_len(
            self.svc.render(lang, "event_scene_caption", text="", **context)
        )
        caption = self.svc.render(lang, "event_scene_caption", text=shorten(text, room), **context)
        try:
            sent = await send_scene(
                self.bot, event.chat_id, self.svc, scene, lang, caption=caption
            )
        except Forbidden as exc:
            raise ChatGone(exc.message) from exc
        return sent.message_id

    async def poll(
        self,
        event: Event,
        question: Question,
        order: tuple[int, ...],
        number: int,
        inline_scenario: bool,
    ) -> SentPoll:
        svc, lang = self.svc, event.language
        title = self._poll_title(event, question, number, inline_scenario)
        correct: list[Any] = [  # PTB types the ids as Literal[0..11]
            i for i, bank_index in enumerate(order) if question.options[bank_index].correct
        ]

        async def send(chat_id: int) -> Message:
            return await self.bot.send_poll(
                chat_id,
                title,
                [html.escape(question.options[i].text.get(lang), quote=False) for i in order],
                type=PollType.QUIZ,
                is_anonymous=False,
                allows_multiple_answers=len(correct) > 1,
                correct_option_ids=correct,
                explanation=svc.render(
                    lang, "event_poll_explanation", explanation=question.explanation.get(lang)
                ),
                open_period=event.seconds,
            )

        sent = await self._to_group(event.chat_id, send)
        assert sent.poll is not None
        return SentPoll(sent.message_id, sent.poll.id)

    def _poll_title(
        self, event: Event, question: Question, number: int, inline_scenario: bool
    ) -> str:
        """The poll's question, numbered when that still fits Telegram's 300 characters."""
        lang = event.language
        scenario = question.scenario.get(lang) if inline_scenario and question.scenario else None
        context = {
            "number": number,
            "total": event.question_count,
            "scenario": scenario,
            "text": question.text.get(lang),
        }
        title = self.svc.render(lang, "event_poll_question", numbered=True, **context)
        if tg_len(html.unescape(title)) > POLL_QUESTION:
            title = self.svc.render(lang, "event_poll_question", numbered=False, **context)
        return title

    async def stop_poll(self, event: Event, message_id: int) -> None:
        try:
            await self.bot.stop_poll(event.chat_id, message_id)
        except ChatMigrated as exc:  # it closes at its open_period; the move goes on
            await self._moved(event.chat_id, exc.new_chat_id)
        except Forbidden as exc:
            raise ChatGone(exc.message) from exc
        except BadRequest as exc:  # Telegram closed it already at open_period: fine
            log.debug("event %s: stopPoll: %s", event.id, exc.message)

    async def result(self, event: Event, result: QuestionResult) -> int:
        lang, question = event.language, result.question
        text = self.svc.render(
            lang,
            "event_result",
            number=result.number,
            total=result.total,
            correct_options=[o.text.get(lang) for o in question.options if o.correct],
            explanation=question.explanation.get(lang),
            detail=question.detail.get(lang) if question.detail else None,
            source=question.source.get(lang),
            answered=result.answered,
            correct=result.correct,
            top=result.top,
            last=result.last,
        )
        return await self._send(event, text, self._report_link(event, result))

    def _report_link(self, event: Event, result: QuestionResult) -> InlineKeyboardMarkup | None:
        """纠错 for the people who answered: it opens the private chat (reports are personal)."""
        try:
            username = self.bot.username
        except RuntimeError:  # not initialised (no getMe yet): no link
            return None
        answer = AnswerRef(AnswerOrigin.EVENT, event.id, result.number - 1)
        return keyboard([[report_link(self.svc.render, event.language, username, answer)]])

    def _podium(self, results: FinalResults) -> str:
        event, lang, summary = results.event, results.event.language, results.summary
        hardest, hardest_index = results.hardest, summary.hardest_index
        names = results.names
        podium = [
            {"rank": s.rank, "name": names.get(s.user_id, str(s.user_id)), "points": s.points}
            for s in results.standings
            if s.rank <= 3 and s.points > 0
        ]
        hardest_share = (
            summary.question_accuracy[hardest_index] if hardest_index is not None else 0
        )
        return self.svc.render(
            lang,
            "event_podium",
            bank=results.bank.title.get(lang) if results.bank else event.bank_id,
            podium=podium,
            participants=results.participants,
            accuracy=round(summary.average_accuracy * 100),
            hardest=hardest.text.get(lang) if hardest else None,
            hardest_accuracy=round((hardest_share or 0) * 100),
            stopped=event.status is EventStatus.STOPPED,
            report_sent=results.report_sent,
        )

    async def final(self, results: FinalResults) -> None:
        event, render = results.event, self.svc.render
        await self._send(event, self._podium(results))
        png = await asyncio.to_thread(self.picture, results)
        if png is None:
            return

        async def send(chat_id: int) -> Message:
            return await self.bot.send_photo(
                chat_id,
                InputFile(png, filename=f"event-{event.id}.png"),
                caption=render.label(event.language, "event_photo_caption"),
            )

        await self._to_group(event.chat_id, send)

    def picture(self, results: FinalResults) -> bytes | None:
        """The results PNG, or None (logged) if it cannot be drawn: the podium is enough."""
        event, lang = results.event, results.event.language
        label = self.svc.render.label
        try:
            picture = charts.ResultsPicture(
                title=results.bank.title.get(lang) if results.bank else event.bank_id,
                subtitle=self.svc.render(
                    lang,
                    "event_picture",
                    date=_local_date(self.svc, event),
                    participants=results.participants,
                    questions=len(results.questions),
                ),
                leaderboard=[
                    (s.rank, results.names.get(s.user_id, str(s.user_id)), s.points)
                    for s in results.standings[: charts.MAX_ROWS]
                ],
                question_labels=[f"Q{i + 1}" for i in range(len(results.questions))],
                question_accuracy=list(results.summary.question_accuracy),
                labels=charts.ChartLabels(
                    leaderboard_heading=label(lang, "event_chart_leaderboard"),
                    accuracy_heading=label(lang, "event_chart_accuracy"),
                    points_unit=label(lang, "event_chart_points"),
                    no_answers=label(lang, "event_chart_no_answers"),
                    hardest=label(lang, "event_chart_hardest"),
                ),
            )
            return charts.render_results_png(picture)
        except Exception:
            log.exception("event %s: the results picture failed", event.id)
            return None

    async def report(
        self, user_id: int, results: FinalResults, language: str, *, as_csv: bool
    ) -> bool:
        event = results.event
        caption = self.svc.render(
            language,
            "event_report_caption",
            bank=self._bank_title(event, language),
            date=_local_date(self.svc, event),
            participants=results.participants,
            csv=as_csv,
        )
        if as_csv:
            filename, data = EventService.report_csv(results)
        else:
            data = await asyncio.to_thread(results_workbook, results, self.svc.render, language)
            filename = f"event-{event.id}.xlsx"
        try:
            await self.bot.send_document(
                user_id, InputFile(data, filename=filename), caption=caption
            )
        except (Forbidden, BadRequest) as exc:  # never started the bot, or blocked it
            log.info("event %s: the report could not be sent privately: %s", event.id, exc)
            return False
        return True

    def _bank_title(self, event: Event, language: str) -> str:
        bank = self.svc.content.catalog.banks.get(event.bank_id)
        return bank.title.get(language) if bank else event.bank_id


def setup_view(svc: Services, view: SetupView) -> View:
    """The ``/event_new`` set-up message: the step, what is chosen so far, the choices."""
    lang, label = view.language, svc.render.label
    if view.step == "refused" and isinstance(view.refusal, Refusal):
        return View(svc.render(lang, "event_refused", reason=view.refusal.value))
    if view.step == "budget" and isinstance(view.refusal, BudgetRefused):
        bank = view.bank.id if view.bank else None
        return View(budget_text(svc, lang, view.refusal, bank))
    text = svc.render(
        lang,
        "event_setup",
        step=view.step,
        bank=view.bank.title.get(lang) if view.bank else None,
        questions=view.questions,
    )
    rows: list[list[Button]] = [[(b.title.get(lang), SetupBank(b.id))] for b in view.banks]
    if view.step == SetupStep.QUESTIONS:
        rows.append(
            [(label(lang, "event_setup_questions", n), SetupQuestions(n)) for n in view.numbers]
        )
    elif view.step == SetupStep.SECONDS:
        rows.append(
            [(label(lang, "event_setup_seconds", n), SetupSeconds(n)) for n in view.numbers]
        )
    if isinstance(view.step, SetupStep):
        rows.append([(label(lang, "event_setup_cancel"), SetupCancel())])
    return View(text, keyboard(rows))


def _local_date(svc: Services, event: Event) -> str:
    when = event.started_at or event.created_at
    return when.astimezone(svc.settings.timezone).strftime("%Y-%m-%d")


class JobTimer:
    """One pending JobQueue job per event; tests never start the queue and call ``tick``."""

    def __init__(self, job_queue: JobQueue[Any] | None) -> None:
        self.job_queue = job_queue

    def wake(self, event_id: int, after: float) -> None:
        if self.job_queue is None:
            return
        self.cancel(event_id)
        self.job_queue.run_once(
            _on_timer, when=timedelta(seconds=max(after, 0.05)), data=event_id, name=_job(event_id)
        )

    def cancel(self, event_id: int) -> None:
        if self.job_queue is None:
            return
        for job in self.job_queue.get_jobs_by_name(_job(event_id)):
            job.schedule_removal()


def _job(event_id: int) -> str:
    return f"event:{event_id}"


class EventRuntime:
    """What events keep in memory per application: the service and a short admin cache."""

    def __init__(self, app: PTBApp) -> None:
        svc = app.bot_data["services"]
        assert isinstance(svc, Services)
        self.svc = svc
        self.timer = JobTimer(app.job_queue)
        self.service = svc.event_service(TelegramOutbox(app), self.timer)
        self.setup = EventSetupService(self.service)


def runtime(app: PTBApp) -> EventRuntime:
    found = app.bot_data.get(RUNTIME_KEY)
    if not isinstance(found, EventRuntime):
        found = EventRuntime(app)
        app.bot_data[RUNTIME_KEY] = found
    return found


async def _on_timer(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    if job is None or not isinstance(job.data, int):
        return
    rt = runtime(context.application)
    with priority(Priority.TIMED):  # after people's replies, before lessons (bot/ratelimit.py)
        await run_tick(rt, job.data)


async def run_tick(rt: EventRuntime, event_id: int) -> None:
    """A timer step; Telegram hiccups are retried later instead of stalling the event."""
    try:
        await rt.service.tick(event_id, rt.svc.clock())
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        log.warning("event %s: flood limit, retrying in %.0f s", event_id, seconds)
        rt.timer.wake(event_id, seconds + 1)
    except (TimedOut, NetworkError) as exc:
        log.warning("event %s: network trouble (%s), retrying", event_id, exc)
        rt.timer.wake(event_id, RETRY_SECONDS)


async def resume_events(app: PTBApp) -> list[int]:
    """Start-up: pick up every event that was running when the process stopped.

    Overdue questions are closed and the event goes on; the rest get their timers back.
    """
    rt = runtime(app)
    with priority(Priority.TIMED):
        return await _resume(rt)


async def _resume(rt: EventRuntime) -> list[int]:
    resumed: list[int] = []
    for event in await rt.service.running():
        try:
            await rt.service.recover(event.id, rt.svc.clock())
        except (RetryAfter, TimedOut, NetworkError) as exc:
            log.warning("event %s: could not resume yet (%s), retrying", event.id, exc)
            rt.timer.wake(event.id, RETRY_SECONDS)
        resumed.append(event.id)
    if resumed:
        log.info("resumed %d quiz event(s)", len(resumed))
    return resumed


# --- commands -------------------------------------------------------------------------------


async def chat_language(svc: Services, update: Update) -> str:
    """A group's chosen language (``/language`` there), else the default; in a private chat
    the person's."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        return await svc.groups.language(chat.id)
    if user is not None:
        return await svc.people.language_of(user.id, user.language_code)
    return svc.settings.default_language


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """An event command from someone allowed, in a group: where to reply, in which language."""

    message: Message
    chat_id: int
    user_id: int
    rt: EventRuntime
    lang: str

    @property
    def svc(self) -> Services:
        return self.rt.svc

    async def reply(self, template: str, **context: Any) -> None:
        await self.message.reply_text(self.svc.render(self.lang, template, **context))


async def _group_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> GroupCommand | None:
    """The command, when it came from someone allowed in a group; replies otherwise."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return None
    svc = services(context)
    lang = await chat_language(svc, update)
    if chat.type == ChatType.PRIVATE:
        await message.reply_text(svc.render(lang, "event_group_only"))
        return None
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return None
    if not await svc.staff.may_manage(chat.id, user.id):
        await message.reply_text(svc.render(lang, "event_refused", reason="not_allowed"))
        return None
    return GroupCommand(message, chat.id, user.id, runtime(context.application), lang)


def usage_text(svc: Services, lang: str, reason: str) -> str:
    banks = svc.content.catalog.ordered_banks
    return svc.render(
        lang,
        "event_usage",
        reason=reason,
        banks=[{"id": b.id, "title": b.title.get(lang)} for b in banks],
        example=banks[0].id if banks else "bank",
        min_questions=MIN_QUESTIONS,
        max_questions=MAX_QUESTIONS,
        min_seconds=MIN_SECONDS,
        max_seconds=MAX_SECONDS,
    )


async def event_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/event_new``: buttons (bank, questions, seconds) without arguments; typed arguments
    open the lobby at once."""
    cmd = await _group_guard(update, context)
    if cmd is None:
        return
    svc, rt = cmd.svc, cmd.rt
    if not context.args:
        opened = await _guarded_send(
            rt.setup.open(cmd.chat_id, cmd.user_id, cmd.lang, svc.clock())
        )
        if isinstance(opened, Refusal):
            await cmd.reply("event_refused", reason=opened.value)
        return
    parsed = parse_event_args(context.args, list(svc.content.catalog.banks))
    if isinstance(parsed, str):
        await cmd.message.reply_text(usage_text(svc, cmd.lang, parsed))
        return
    bank_id, questions, seconds = parsed
    outcome = await _guarded_send(
        rt.service.create(
            chat_id=cmd.chat_id,
            host_id=cmd.user_id,
            bank_id=bank_id,
            questions=questions,
            seconds=seconds,
            language=cmd.lang,
            now=svc.clock(),
        )
    )
    if isinstance(outcome, Refusal):
        await cmd.reply("event_refused", reason=outcome.value)
    elif isinstance(outcome, BudgetRefused):
        await cmd.message.reply_text(budget_text(svc, cmd.lang, outcome, bank_id))


async def _guarded_send(step: Awaitable[T]) -> T | None:
    """A step that posts in the group; None when the bot can no longer post there."""
    try:
        return await step
    except ChatGone:
        return None


def budget_text(svc: Services, lang: str, outcome: BudgetRefused, bank_id: str | None) -> str:
    return svc.render(
        lang,
        "event_budget",
        limit=GROUP_MESSAGES_PER_MINUTE,
        questions=outcome.questions,
        seconds=outcome.seconds,
        peak=outcome.check.peak_per_minute,
        min_seconds=outcome.check.min_seconds,
        bank=bank_id or "",
    )


async def event_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cmd = await _group_guard(update, context)
    if cmd is None:
        return
    outcome = await cmd.rt.service.start(cmd.chat_id, cmd.svc.clock())
    if isinstance(outcome, Refusal):
        await cmd.reply("event_refused", reason=outcome.value)


async def event_next(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cmd = await _group_guard(update, context)
    if cmd is None:
        return
    outcome = await cmd.rt.service.skip(cmd.chat_id, cmd.svc.clock())
    if isinstance(outcome, Refusal):
        await cmd.reply("event_refused", reason=outcome.value)
    elif isinstance(outcome, SkipRefused):
        await cmd.reply("event_control", action="skip_wait", seconds=outcome.wait_seconds)


async def event_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cmd = await _group_guard(update, context)
    if cmd is None:
        return
    outcome = await cmd.rt.service.pause(cmd.chat_id, cmd.svc.clock())
    if isinstance(outcome, Refusal):
        await cmd.reply("event_refused", reason=outcome.value)
        return
    await cmd.reply("event_control", action="paused", open=outcome[1])


async def event_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cmd = await _group_guard(update, context)
    if cmd is None:
        return

    async def announce() -> None:  # said before the next poll goes out
        await cmd.reply("event_control", action="resumed")

    outcome = await cmd.rt.service.resume(cmd.chat_id, cmd.svc.clock(), before=announce)
    if isinstance(outcome, Refusal):
        await cmd.reply("event_refused", reason=outcome.value)


async def event_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cmd = await _group_guard(update, context)
    if cmd is None:
        return
    outcome = await cmd.rt.service.stop(cmd.chat_id, cmd.svc.clock())
    if isinstance(outcome, Refusal):
        await cmd.reply("event_refused", reason=outcome.value)
    elif not outcome[1]:
        await cmd.reply("event_control", action="cancelled")


async def event_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group: the results of its last event, privately to the person who asks. In
    private: the newest event they hosted or may see (``/event_report <id>`` picks one).
    The file is a workbook; ``csv`` asks for the CSV instead."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    rt = runtime(context.application)
    svc, lang = rt.svc, await chat_language(rt.svc, update)
    private = chat.type == ChatType.PRIVATE
    wanted = parse_report_args(context.args or [], private=private)
    if wanted is None:
        await message.reply_text(svc.render(lang, "event_report", outcome="usage"))
        return
    found = await rt.service.report_for(user.id, None if private else chat.id, wanted.event_id)
    if isinstance(found, ReportRefusal):
        await message.reply_text(svc.render(lang, "event_report", outcome=found.value))
        return
    sent = await rt.service.send_report(found, user.id, as_csv=wanted.csv)
    if not private:
        await _report_sent(message, svc, lang, sent, context.bot.username)


async def _report_sent(message: Message, svc: Services, lang: str, sent: bool, bot: str) -> None:
    if sent:
        await message.reply_text(svc.render(lang, "event_report", outcome="sent"))
        return
    link = Link(f"https://t.me/{bot}")
    await message.reply_text(
        svc.render(lang, "event_report", outcome="start_bot"),
        reply_markup=keyboard([[(svc.render.label(lang, "open_private"), link)]]),
    )


async def volunteer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/volunteer add|remove|list`` for operators, by reply or by user id."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    rt = runtime(context.application)
    svc, lang = rt.svc, await chat_language(rt.svc, update)
    replied = message.reply_to_message.from_user if message.reply_to_message else None
    by_reply = (replied.id, display_name(replied)) if replied and not replied.is_bot else None
    action, target = parse_volunteer_args(context.args or [], by_reply)
    outcome = await rt.service.manage_volunteers(user.id, action, target, svc.clock())
    if outcome.action == "not_operator":
        await message.reply_text(svc.render(lang, "owner_only"))
        return
    if outcome.action == "list":
        await _volunteer_list(message, svc, lang, outcome)
        return
    text = svc.render(
        lang,
        "event_volunteer",
        action=outcome.action,
        people=[{"user_id": uid, "name": name} for uid, name in outcome.people],
        user_id=outcome.user_id,
        name=outcome.name or outcome.user_id,
    )
    await message.reply_text(text)


@dataclass(frozen=True, slots=True)
class ReportArgs:
    event_id: int | None  # private chat only: a chosen event
    csv: bool


def parse_report_args(args: list[str], *, private: bool) -> ReportArgs | None:
    """``/event_report [id] [csv]`` (the id in private chat only); None for anything else."""
    rest = list(args)
    as_csv = bool(rest) and rest[-1].lower() == "csv"
    if as_csv:
        rest.pop()
    if not rest:
        return ReportArgs(None, as_csv)
    found = number(rest[0], 15) if private and len(rest) == 1 else None
    return None if found is None else ReportArgs(found, as_csv)


def parse_volunteer_args(
    args: list[str], by_reply: tuple[int, str | None] | None
) -> tuple[str, tuple[int, str | None] | None]:
    """``add|remove <id>`` or ``add|remove`` in reply to someone, or ``list``."""
    action = args[0].lower() if args else ""
    if action == "list" and len(args) == 1:
        return "list", None
    if action in ("add", "remove") and len(args) == 2:
        user_id = number(args[1], 15)
        if user_id is not None:
            return action, (user_id, None)
    if action in ("add", "remove") and len(args) == 1 and by_reply is not None:
        return action, by_reply
    return "usage", None


async def _volunteer_list(
    message: Message, svc: Services, lang: str, outcome: VolunteerOutcome
) -> None:
    people = [f"{name or '—'} ({uid})" for uid, name in outcome.people]

    def page(shown: Sequence[str], more: int) -> str:
        return svc.render(
            lang, "event_volunteer", action="list", lines=shown, more=more, count=len(people)
        )

    caption = svc.render.label(lang, "full_list_caption")
    await reply_list(message, page, people, filename="volunteers.txt", caption=caption)


# --- buttons and poll answers ---------------------------------------------------------------


@on(Join)
async def join(press: Press, action: Join) -> None:
    """Join from the lobby: only the lobby message of that event, in its own group."""
    rt = runtime(press.application)
    name = display_name(press.tg_user)
    joined = await rt.service.join(press.origin, action.event, name, rt.svc.clock())
    if joined is None:
        await press.toast(await rt.svc.groups.language(press.origin.chat_id), "event_toast_stale")
        return
    event, new = joined  # the lobby's count is edited by the timer, after this pop-up
    await press.toast(
        event.language, "event_toast_joined" if new else "event_toast_already_joined"
    )


@on(SpeedBonus)
async def speed_bonus(press: Press, action: SpeedBonus) -> None:
    """The lobby's speed-bonus switch, for the people who may run events in the group."""
    rt = runtime(press.application)
    outcome = await rt.service.set_bonus(press.origin, action.event, action.on, rt.svc.clock())
    lang = await rt.svc.groups.language(press.origin.chat_id)
    if outcome is None or outcome is False:
        key = "event_toast_stale" if outcome is None else "event_toast_not_allowed"
        await press.toast(lang, key)
        return
    await press.toast(lang, "event_toast_bonus_on" if action.on else "event_toast_bonus_off")


@on(SetupBank)
async def setup_bank(press: Press, action: SetupBank) -> None:
    await _setup_press(press, SetupPick(SetupStep.BANK, bank_id=action.bank))


@on(SetupQuestions)
async def setup_questions(press: Press, action: SetupQuestions) -> None:
    await _setup_press(press, SetupPick(SetupStep.QUESTIONS, number=action.questions))


@on(SetupSeconds)
async def setup_seconds(press: Press, action: SetupSeconds) -> None:
    await _setup_press(press, SetupPick(SetupStep.SECONDS, number=action.seconds))


@on(SetupCancel)
async def setup_cancel(press: Press, action: SetupCancel) -> None:
    await _setup_press(press, SetupPick(None))


async def _setup_press(press: Press, pick: SetupPick) -> None:
    """A press on the ``/event_new`` set-up: only its host, on that message, at that step;
    anyone else gets a toast and nothing changes."""
    rt = runtime(press.application)
    lang = await rt.svc.groups.language(press.origin.chat_id)
    try:
        outcome = await rt.setup.press(press.origin, pick, lang, rt.svc.clock())
    except ChatGone:
        return
    if isinstance(outcome, SetupRefusal):
        await press.toast(lang, f"event_setup_toast_{outcome.value}")


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:  # voted as a chat (anonymous admin): no score
        return
    rt = runtime(context.application)
    await rt.service.record_answer(
        answer.poll_id,
        answer.user.id,
        display_name(answer.user),
        list(answer.option_ids),
        rt.svc.clock(),
    )


def register(app: PTBApp) -> None:
    app.add_handler(CommandHandler("event_new", event_new))
    app.add_handler(CommandHandler("event_start", event_start))
    app.add_handler(CommandHandler("event_next", event_next))
    app.add_handler(CommandHandler("event_pause", event_pause))
    app.add_handler(CommandHandler("event_resume", event_resume))
    app.add_handler(CommandHandler("event_stop", event_stop))
    app.add_handler(CommandHandler("event_report", event_report))
    app.add_handler(CommandHandler("volunteer", volunteer))
    app.add_handler(PollAnswerHandler(on_poll_answer))
