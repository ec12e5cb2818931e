"""Daily lessons: commands, the check-question buttons, the Telegram sender and the job.

The delivery logic lives in ``bot.services.lessons``; this module renders, sends and turns
Telegram's errors into the service's ``SendError`` kinds.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.actions import (
    ChooseBank,
    LessonAnswer,
    LessonMenu,
    LessonSubmit,
    LessonToggle,
    SetZone,
)
from bot.context import Services, services
from bot.domain.content import Question, QuestionType
from bot.domain.insight import AnswerRef, Origin
from bot.domain.schedule import ChatKind, example_times, format_hhmm, parse_hhmm
from bot.domain.zones import ZONE_CHOICES, choice_for, offset_label, zone_choice
from bot.handlers.common import (
    Button,
    Link,
    View,
    edit,
    edit_markup,
    from_operator,
    keyboard,
    offers,
    run_every,
)
from bot.handlers.dispatch import Press, on, refusal_key
from bot.handlers.feedback import report_button
from bot.handlers.quiz import LETTERS, private_only
from bot.ratelimit import Priority, priority
from bot.render import Renderer
from bot.services.lessons import (
    CheckResult,
    Moved,
    Outgoing,
    Rejected,
    RetryLater,
    ScheduleView,
    SubscribeRefusal,
    Transient,
    Unreachable,
)
from bot.services.quiz import Refusal

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
JOB_NAME = "daily-lessons"
JOB_INTERVAL_SECONDS = 60


def chat_kind(chat_type: str) -> ChatKind:
    return "private" if chat_type == ChatType.PRIVATE else "group"


# --- rendering ----------------------------------------------------------------------------


def _check_view(check: Question, lang: str) -> dict[str, Any]:
    return {
        "text": check.text.get(lang),
        "scenario": check.scenario.get(lang) if check.scenario else None,
        "options": [
            {"letter": LETTERS[i], "text": option.text.get(lang)}
            for i, option in enumerate(check.options)
        ],
        "multiple": check.type is QuestionType.MULTIPLE,
        "true_false": check.type is QuestionType.TRUE_FALSE,
    }


def _result_view(result: CheckResult, lang: str) -> dict[str, Any]:
    q = result.question
    return {
        "correct": result.correct,
        "chosen": [LETTERS[i] for i in sorted(result.chosen)],
        "answer": [LETTERS[i] for i in sorted(q.correct_indices)],
        "explanation": q.explanation.get(lang),
        "source": q.source.get(lang),
    }


def lesson_text(render: Renderer, out: Outgoing, result: CheckResult | None = None) -> str:
    lang, lesson = out.language, out.lesson
    recap = [
        {
            "text": q.text.get(lang),
            "answer": [q.options[i].text.get(lang) for i in sorted(q.correct_indices)],
            "explanation": q.explanation.get(lang),
        }
        for q in out.recap
    ]
    return render(
        lang,
        "lesson_message",
        kind=out.delivery.kind,
        title=lesson.title.get(lang) if lesson else None,
        body=lesson.body.get(lang) if lesson else None,
        takeaways=[t.get(lang) for t in lesson.takeaways] if lesson else [],
        action=lesson.action.get(lang) if lesson else None,
        source=lesson.source.get(lang) if lesson else None,
        recap=recap,
        check=_check_view(out.check, lang) if out.check is not None else None,
        result=_result_view(result, lang) if result is not None else None,
        group=out.chat_kind == "group",
    )


def lesson_keyboard(
    render: Renderer,
    out: Outgoing,
    bot_username: str | None,
    *,
    selected: int = 0,
    answered: bool = False,
) -> list[list[Button]]:
    """Check buttons (a multiple-answer selection lives in its buttons), or once answered in
    private chat 纠错; then the quiz."""
    lang, delivery_id, check = out.language, out.delivery.id, out.check
    rows: list[list[Button]] = []
    if check is not None and not answered:
        count = len(check.options)
        buttons: list[Button]
        if check.type is QuestionType.MULTIPLE:
            buttons = [
                (
                    ("☑️ " if selected & (1 << i) else "") + LETTERS[i],
                    LessonToggle(delivery_id, selected ^ (1 << i)),
                )
                for i in range(count)
            ]
            rows += [buttons[i : i + 4] for i in range(0, count, 4)]
            submit = LessonSubmit(delivery_id, selected)
            rows.append([(render.label(lang, "lesson_submit"), submit)])
        else:
            buttons = [(LETTERS[i], LessonAnswer(delivery_id, i)) for i in range(count)]
            rows += [buttons[i : i + 4] for i in range(0, count, 4)]
    if check is not None and answered and out.chat_kind == "private":
        rows.append([report_button(render, lang, AnswerRef(Origin.LESSON, delivery_id, 0))])
    if out.quiz_bank is not None:
        label = render.label(lang, "lesson_full_quiz")
        if out.chat_kind == "private":
            rows.append([(label, ChooseBank(out.quiz_bank))])
        elif bot_username:
            rows.append([(label, Link(f"https://t.me/{bot_username}?start={out.quiz_bank}"))])
    return rows


def _seconds(value: int | float | timedelta) -> float:
    """RetryAfter.retry_after: a timedelta with PTB_TIMEDELTA=1, else an int (PTB 22.8)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _username(bot: Bot) -> str | None:
    try:
        return bot.username
    except RuntimeError:  # not initialised (no getMe yet): groups get no deep-link button
        return None


class TelegramSend:
    """The service's ``send``: render, send, and translate Telegram's errors."""

    def __init__(self, bot: Bot, render: Renderer) -> None:
        self.bot = bot
        self.render = render

    async def __call__(self, out: Outgoing, /) -> int:
        username = _username(self.bot)
        text = lesson_text(self.render, out)
        markup = keyboard(lesson_keyboard(self.render, out, username))
        private = out.chat_kind == "private"
        try:
            sent = await self.bot.send_message(out.chat_id, text, reply_markup=markup)
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc.retry_after)) from exc
        except Forbidden as exc:
            raise Unreachable("blocked" if private else "removed", exc.message) from exc
        except ChatMigrated as exc:  # the service moves the chat's rows and sends again
            raise Moved(exc.new_chat_id) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable("chat_not_found", exc.message) from exc
            raise Rejected("rejected", exc.message) from exc
        except NetworkError as exc:  # TimedOut included
            raise Transient("network", exc.message) from exc
        except TelegramError as exc:
            raise Rejected("rejected", exc.message) from exc
        return sent.message_id


# --- the job ------------------------------------------------------------------------------


async def lesson_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every minute: deliver what is due, on a connection of its own.

    Handlers share one connection and open transactions on it; the job's autocommit writes
    must not land inside (and be rolled back with) one of theirs.
    """
    svc = services(context)
    with priority(Priority.BULK):  # after people's replies and group events (bot/ratelimit.py)
        await svc.lessons.run_due_alone(TelegramSend(context.bot, svc.render))


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One repeating job for everyone (never a job per chat)."""
    run_every(
        app,
        lesson_tick,
        seconds=JOB_INTERVAL_SECONDS,
        first=5,
        name=JOB_NAME,
        needed_by="daily lessons",
    )


# --- commands -----------------------------------------------------------------------------


async def _language(svc: Services, update: Update) -> str:
    """In a private chat the person's (a command is first contact too); a group's own."""
    chat, tg_user = update.effective_chat, update.effective_user
    if chat is not None and chat.type == ChatType.PRIVATE and tg_user is not None:
        user = await svc.people.meet(tg_user.id, tg_user.language_code, tg_user.full_name)
        return user.language
    if chat is not None:
        return await svc.groups.language(chat.id)
    return svc.settings.default_language


async def _guard_group(svc: Services, update: Update, lang: str) -> bool:
    """True when the chat is private or the sender manages the group; else says why."""
    chat, tg_user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or tg_user is None or message is None:
        return False
    if chat.type == ChatType.PRIVATE or await svc.staff.may_manage(chat.id, tg_user.id):
        return True
    await message.reply_text(svc.render(lang, "lesson_admins_only"))
    return False


async def _command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, guarded: bool
) -> tuple[Message, Services, int, ChatKind, str] | None:
    """The preamble of every lesson command: message, services, chat, its kind, language."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    svc = services(context)
    lang = await _language(svc, update)
    if guarded and not await _guard_group(svc, update, lang):
        return None
    return message, svc, chat.id, chat_kind(chat.type), lang


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _command(update, context, guarded=True)
    if found is None:
        return
    message, svc, chat_id, kind, lang = found
    text = " ".join(context.args or [])
    at = parse_hhmm(text) if text else None
    if text and at is None:
        await message.reply_text(
            svc.render(lang, "lesson_bad_time", text=text[:40], **example_fields(svc))
        )
        return
    await _subscribe(message, svc, chat_id, kind, lang, at)


def _schedule_fields(
    svc: Services, view: ScheduleView, kind: ChatKind, lang: str
) -> dict[str, Any]:
    """What every schedule message shows: time, zone, next push, quiet hours, examples."""
    quiet = svc.settings.quiet_hours
    return {
        "time": format_hhmm(view.send_at),
        "zone": zone_text(svc, lang, view.zone),
        "next": view.next_push,
        "group": kind == "group",
        "quiet_start": format_hhmm(quiet.start),
        "quiet_end": format_hhmm(quiet.end),
        **example_fields(svc),
    }


def example_fields(svc: Services) -> dict[str, str]:
    """The times the bot's examples suggest: computed from LESSON_TIME and QUIET_HOURS, so
    every example works when followed."""
    first, second = example_times(svc.settings.lesson_time, svc.settings.quiet_hours)
    return {"example_time": format_hhmm(first), "other_time": format_hhmm(second)}


def zone_text(svc: Services, lang: str, zone: ZoneInfo) -> str:
    """ "北京时间（UTC+8）": the place the buttons offer and today's offset; a zone the buttons
    do not offer shows its offset only. Never an IANA name."""
    offset = offset_label(svc.clock().astimezone(zone).utcoffset() or timedelta())
    choice = choice_for(zone.key)
    if choice is None:
        return offset
    place = svc.render.label(lang, f"zone_{choice.key}")
    return svc.render.label(lang, "zone_named", place, offset)


def zone_rows(svc: Services, lang: str) -> list[list[Button]]:
    """A button per offered place, two a row: "北京时间 UTC+8"."""
    label, now = svc.render.label, svc.clock()
    buttons: list[Button] = [
        (
            label(
                lang,
                "zone_named",
                label(lang, f"zone_{c.key}"),
                offset_label(now.astimezone(ZoneInfo(c.iana)).utcoffset() or timedelta()),
            ),
            SetZone(c.key),
        )
        for c in ZONE_CHOICES
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _subscribe(
    message: Message, svc: Services, chat_id: int, kind: ChatKind, lang: str, at: time | None
) -> None:
    result = await svc.lessons.subscribe(chat_id, kind, lang, at, svc.clock())
    if result is SubscribeRefusal.QUIET:
        quiet = svc.settings.quiet_hours
        text = svc.render(
            lang,
            "lesson_quiet_time",
            time=format_hhmm(at or svc.settings.lesson_time),
            quiet_start=format_hhmm(quiet.start),
            quiet_end=format_hhmm(quiet.end),
            **example_fields(svc),
        )
        await message.reply_text(text)
        return
    view = await svc.lessons.schedule(chat_id, svc.clock())
    await message.reply_text(
        svc.render(lang, "lesson_subscribed", **_schedule_fields(svc, view, kind, lang)),
        reply_markup=keyboard(menu_rows(svc, lang, kind, active=True)),
    )


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _command(update, context, guarded=True)
    if found is not None:
        await _unsubscribe(*found)


async def _unsubscribe(
    message: Message, svc: Services, chat_id: int, kind: ChatKind, lang: str
) -> None:
    stopped = await svc.lessons.unsubscribe(chat_id, svc.clock())
    await message.reply_text(
        svc.render(lang, "lesson_unsubscribed", stopped=stopped, group=kind == "group"),
        reply_markup=keyboard(menu_rows(svc, lang, kind, active=False)),
    )


def menu_rows(svc: Services, lang: str, kind: ChatKind, *, active: bool) -> list[list[Button]]:
    label = svc.render.label
    toggle: Button = (
        (label(lang, "lesson_btn_unsubscribe"), LessonMenu("unsub"))
        if active
        else (label(lang, "lesson_btn_subscribe"), LessonMenu("sub"))
    )
    rows = [[toggle]]
    if kind == "private":
        rows.insert(0, [(label(lang, "lesson_btn_now"), LessonMenu("now"))])
    return rows


async def lesson_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _command(update, context, guarded=False)
    if found is not None:
        message, svc, chat_id, _, lang = found
        await _lesson_now(message, svc, context.bot, chat_id, lang)


async def _lesson_now(message: Message, svc: Services, bot: Bot, chat_id: int, lang: str) -> None:
    shown = await svc.lessons.deliver_now(chat_id, "private", lang, TelegramSend(bot, svc.render))
    if shown is None:
        total = len(svc.content.catalog.lessons)
        await message.reply_text(svc.render(lang, "lesson_done", total=total))


async def schedule_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _command(update, context, guarded=False)
    if found is not None:
        await send_schedule(*found)


async def send_schedule(
    message: Message, svc: Services, chat_id: int, kind: ChatKind, lang: str
) -> None:
    view = await svc.lessons.schedule(chat_id, svc.clock())
    sub = view.subscription
    active = sub is not None and sub.active
    await message.reply_text(
        svc.render(
            lang,
            "lesson_schedule",
            active=active,
            reason=sub.inactive_reason if sub is not None and not active else None,
            sent=view.lessons_sent,
            total=view.lessons_total,
            **_schedule_fields(svc, view, kind, lang),
        ),
        reply_markup=keyboard(menu_rows(svc, lang, kind, active=active)),
    )


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/timezone``: the places as buttons; a typed zone name still works (any letter case)."""
    name = " ".join(context.args or []).strip()
    found = await _command(update, context, guarded=bool(name))
    if found is None:
        return
    message, svc, chat_id, kind, lang = found
    if not name:
        await send_zone_prompt(message, svc, chat_id, lang)
        return
    zone = await svc.lessons.set_timezone(chat_id, kind, lang, name, svc.clock())
    if zone is None:
        await message.reply_text(
            svc.render(lang, "lesson_timezone_unknown", name=name[:64]),
            reply_markup=keyboard(zone_rows(svc, lang)),
        )
        return
    await message.reply_text(zone_set_text(svc, lang, zone))


async def send_zone_prompt(message: Message, svc: Services, chat_id: int, lang: str) -> None:
    current = await svc.lessons.zone_of(chat_id)
    await message.reply_text(
        svc.render(lang, "lesson_timezone_usage", zone=zone_text(svc, lang, current)),
        reply_markup=keyboard(zone_rows(svc, lang)),
    )


def zone_set_text(svc: Services, lang: str, zone: ZoneInfo) -> str:
    local = format_hhmm(svc.clock().astimezone(zone).time())
    return svc.render(lang, "lesson_timezone_set", zone=zone_text(svc, lang, zone), local=local)


async def broadcast_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    operator = await from_operator(update, context)
    if operator is None:
        return
    message, svc = operator
    stats = await svc.lessons.stats(svc.clock())
    day = svc.clock().astimezone(svc.settings.timezone).date().isoformat()
    text = svc.render(
        svc.settings.default_language, "lesson_broadcast_stats", stats=stats, day=day
    )
    await message.reply_text(text)


async def lesson_in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await private_only(update, context)


# --- buttons --------------------------------------------------------------------------------


@on(LessonMenu)
async def lesson_menu(press: Press, action: LessonMenu) -> None:
    """Subscribe, unsubscribe, or today's lesson now: in a private chat its owner, in a group
    the people who manage it."""
    svc, message, origin = press.svc, press.message, press.origin
    kind: ChatKind = "private" if press.private else "group"
    if message is None or (kind == "private" and not origin.own_private_chat):
        await press.refuse("lesson_toast_not_yours")
        return
    if kind == "group" and (
        action.what == "now" or not await svc.staff.may_manage(origin.chat_id, origin.user_id)
    ):
        await press.refuse("lesson_toast_admins_only")
        return
    await press.answer()
    lang = (
        await press.language() if kind == "private" else await svc.groups.language(origin.chat_id)
    )
    if action.what == "sub":
        at = await svc.lessons.send_time(origin.chat_id)
        await _subscribe(message, svc, origin.chat_id, kind, lang, at)
    elif action.what == "unsub":
        await _unsubscribe(message, svc, origin.chat_id, kind, lang)
    else:
        await _lesson_now(message, svc, press.bot, origin.chat_id, lang)


@on(SetZone)
async def set_zone(press: Press, action: SetZone) -> None:
    """A place's button: private, the person's own (never creating one); in a group, for the
    people who manage it; only on a message that offers it."""
    svc, message, origin = press.svc, press.message, press.origin
    choice = zone_choice(action.zone)
    refusal = await _zone_refusal(press, action)
    if refusal is not None or message is None or choice is None:
        await press.refuse(refusal or "toast_invalid")
        return
    await press.answer()
    kind: ChatKind = "private" if press.private else "group"
    lang = await press.language() if press.private else await svc.groups.language(origin.chat_id)
    zone = await svc.lessons.set_timezone(origin.chat_id, kind, lang, choice.iana, svc.clock())
    if zone is not None:
        await edit(message, View(zone_set_text(svc, lang, zone)))


async def _zone_refusal(press: Press, action: SetZone) -> str | None:
    """The toast key when this press may not set the zone, else None."""
    origin, message = press.origin, press.message
    if message is None or not offers(message, action):
        return "toast_invalid"
    if press.private:
        if not origin.own_private_chat:
            return "lesson_toast_not_yours"
        return None if await press.svc.people.known(origin.user_id) else "toast_start"
    if not await press.svc.staff.may_manage(origin.chat_id, origin.user_id):
        return "lesson_toast_admins_only"
    return None


@on(LessonToggle)
async def lesson_toggle(press: Press, action: LessonToggle) -> None:
    out = await press.svc.lessons.check_on_screen(press.origin, action.delivery, action.selected)
    if isinstance(out, Refusal) or press.message is None:
        await press.refuse(refusal_key("lesson_toast_", out))
        return
    await press.answer()
    rows = lesson_keyboard(press.svc.render, out, press.bot.username, selected=action.selected)
    await edit_markup(press.message, keyboard(rows))


@on(LessonAnswer)
async def lesson_answer(press: Press, action: LessonAnswer) -> None:
    await _check(press, action.delivery, frozenset({action.option}), submitted=False)


@on(LessonSubmit)
async def lesson_submit(press: Press, action: LessonSubmit) -> None:
    chosen = frozenset(i for i in range(12) if action.selected & (1 << i))
    await _check(press, action.delivery, chosen, submitted=True)


async def _check(press: Press, delivery: int, chosen: frozenset[int], *, submitted: bool) -> None:
    svc = press.svc
    outcome = await svc.lessons.answer_check(press.origin, delivery, chosen, submitted=submitted)
    if isinstance(outcome, Refusal) or press.message is None:
        await press.refuse(
            f"lesson_toast_{outcome.value if isinstance(outcome, Refusal) else 'stale'}"
        )
        return
    lang = await press.language()
    verdict = svc.render.label(lang, f"lesson_toast_{'correct' if outcome.correct else 'wrong'}")
    if not press.private:  # a shared message: the answer is shown to the person who pressed
        explanation = outcome.question.explanation.get(lang)
        await press.answer(f"{verdict}\n{explanation}", alert=True)
        return
    await press.answer(verdict)
    text = lesson_text(svc.render, outcome.message, outcome)
    rows = lesson_keyboard(svc.render, outcome.message, press.bot.username, answered=True)
    await edit(press.message, View(text, keyboard(rows)))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("subscribe", subscribe))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe))
    app.add_handler(CommandHandler("schedule", schedule_command))
    app.add_handler(CommandHandler("timezone", timezone_command))
    app.add_handler(CommandHandler("lesson", lesson_command, filters=PRIVATE))
    app.add_handler(CommandHandler("lesson", lesson_in_group, filters=~PRIVATE))
    app.add_handler(CommandHandler("broadcast_stats", broadcast_stats))
