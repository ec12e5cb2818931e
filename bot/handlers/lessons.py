"""Daily lessons: commands, the check-question buttons, the Telegram sender and the job.

The delivery logic lives in ``bot.services.lessons``; this module renders, sends and turns
Telegram's errors into the service's ``SendError`` kinds.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

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
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.context import Services, services
from bot.domain.content import QuestionType
from bot.domain.schedule import ChatKind, format_hhmm, parse_hhmm
from bot.handlers.common import (
    Button,
    data,
    from_operator,
    is_not_modified,
    keyboard,
    parse_ints,
    person,
    toast,
)
from bot.handlers.groups import group_staff
from bot.handlers.quiz import LETTERS, private_only
from bot.render import Renderer
from bot.services.lessons import (
    CheckResult,
    LessonService,
    Outgoing,
    Rejected,
    RetryLater,
    ScheduleView,
    SubscribeRefusal,
    Transient,
    Unreachable,
)
from bot.services.quiz import Refusal
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
JOB_NAME = "daily-lessons"
JOB_INTERVAL_SECONDS = 60
BULK_BURST = 2
BULK_MESSAGES_PER_SECOND = 28
"""Burst + rate per second = Telegram's 30: no one-second window can hold more (rate_limiter)."""


def rate_limiter() -> AIORateLimiter:
    """PTB's limiter tuned so a broadcast never meets a 429.

    AIORateLimiter is a leaky bucket: capacity ``c`` drained at ``r`` per second lets through
    at most ``c + r`` messages in any one second. PTB's default (c = r = 30) allows 60, so a
    broadcast against Telegram's 30 per second meets 429s. c = 2, r = 28 keeps every second at
    30, and the small burst absorbs timer jitter so the pace stays near 28/s. Groups keep PTB's
    20 per minute.
    """
    return AIORateLimiter(
        overall_max_rate=BULK_BURST,
        overall_time_period=BULK_BURST / BULK_MESSAGES_PER_SECOND,
        max_retries=3,
    )


def lesson_service(svc: Services, repo: Repository | None = None) -> LessonService:
    return LessonService(repo or svc.repo, svc.content, svc.settings, clock=svc.clock)


def chat_kind(chat_type: str) -> ChatKind:
    return "private" if chat_type == ChatType.PRIVATE else "group"


# --- rendering ----------------------------------------------------------------------------


def lesson_text(render: Renderer, out: Outgoing, result: CheckResult | None = None) -> str:
    lang = out.language
    lesson, check = out.lesson, out.check
    check_view: dict[str, Any] | None = None
    if check is not None:
        check_view = {
            "text": check.text.get(lang),
            "scenario": check.scenario.get(lang) if check.scenario else None,
            "options": [
                {"letter": LETTERS[i], "text": option.text.get(lang)}
                for i, option in enumerate(check.options)
            ],
            "multiple": check.type is QuestionType.MULTIPLE,
            "true_false": check.type is QuestionType.TRUE_FALSE,
        }
    result_view: dict[str, Any] | None = None
    if result is not None:
        q = result.question
        result_view = {
            "correct": result.correct,
            "chosen": [LETTERS[i] for i in sorted(result.chosen)],
            "answer": [LETTERS[i] for i in sorted(q.correct_indices)],
            "explanation": q.explanation.get(lang),
            "source": q.source.get(lang),
        }
    return render(
        lang,
        "lesson_message",
        kind=out.delivery.kind,
        title=lesson.title.get(lang) if lesson else None,
        body=lesson.body.get(lang) if lesson else None,
        takeaways=[t.get(lang) for t in lesson.takeaways] if lesson else [],
        action=lesson.action.get(lang) if lesson else None,
        source=lesson.source.get(lang) if lesson else None,
        recap=[
            {
                "text": q.text.get(lang),
                "answer": [q.options[i].text.get(lang) for i in sorted(q.correct_indices)],
                "explanation": q.explanation.get(lang),
            }
            for q in out.recap
        ],
        check=check_view,
        result=result_view,
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
    """Check buttons (short codes: delivery id and option index or bit mask), then the quiz."""
    lang, delivery_id, check = out.language, out.delivery.id, out.check
    rows: list[list[Button]] = []
    if check is not None and not answered:
        count = len(check.options)
        if check.type is QuestionType.MULTIPLE:
            buttons = [
                (
                    ("☑️ " if selected & (1 << i) else "") + LETTERS[i],
                    data("lt", delivery_id, selected ^ (1 << i)),
                )
                for i in range(count)
            ]
            rows += [buttons[i : i + 4] for i in range(0, count, 4)]
            rows.append([(render.label(lang, "lesson_submit"), data("lk", delivery_id, selected))])
        else:
            buttons = [(LETTERS[i], data("lq", delivery_id, i)) for i in range(count)]
            rows += [buttons[i : i + 4] for i in range(0, count, 4)]
    if out.quiz_bank is not None:
        label = render.label(lang, "lesson_full_quiz")
        if out.chat_kind == "private":
            rows.append([(label, data("b", out.quiz_bank))])
        elif bot_username:
            rows.append([(label, f"url:https://t.me/{bot_username}?start={out.quiz_bank}")])
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
        except ChatMigrated as exc:
            raise Unreachable("migrated", str(exc.new_chat_id)) from exc
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
    repo = await Repository.open(svc.settings.database_path)
    try:
        await lesson_service(svc, repo).run_due(TelegramSend(context.bot, svc.render))
    finally:
        await repo.close()


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One repeating job for everyone (never a job per chat)."""
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("daily lessons need python-telegram-bot[job-queue]")
    job_queue.run_repeating(
        lesson_tick,
        interval=JOB_INTERVAL_SECONDS,
        first=5,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
    )


# --- commands -----------------------------------------------------------------------------


async def _language(svc: Services, update: Update) -> str:
    chat, tg_user = update.effective_chat, update.effective_user
    if chat is not None and chat.type == ChatType.PRIVATE and tg_user is not None:
        return (await person(svc, tg_user)).language
    return svc.settings.default_language


async def may_manage(svc: Services, bot: Bot, chat_id: int, user_id: int) -> bool:
    """Who may change a group's lessons: the same people who may run its events."""
    return await group_staff(svc).may_manage(bot, chat_id, user_id)


async def _guard_group(svc: Services, update: Update, bot: Bot, lang: str) -> bool:
    """True when the chat is private or the sender manages the group; else says why."""
    chat, tg_user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or tg_user is None or message is None:
        return False
    if chat.type == ChatType.PRIVATE or await may_manage(svc, bot, chat.id, tg_user.id):
        return True
    await message.reply_text(svc.render(lang, "lesson_admins_only"))
    return False


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    lang = await _language(svc, update)
    if not await _guard_group(svc, update, context.bot, lang):
        return
    text = " ".join(context.args or [])
    at = None
    if text:
        at = parse_hhmm(text)
        if at is None:
            await message.reply_text(svc.render(lang, "lesson_bad_time", text=text[:40]))
            return
    await _subscribe(message, svc, chat.id, chat_kind(chat.type), lang, at)


def _schedule_fields(svc: Services, view: ScheduleView, kind: ChatKind) -> dict[str, Any]:
    """What every schedule message shows: time, zone, next push, quiet hours."""
    quiet = svc.settings.quiet_hours
    return {
        "time": format_hhmm(view.send_at),
        "zone": view.zone.key,
        "next": view.next_push,
        "group": kind == "group",
        "quiet_start": format_hhmm(quiet.start),
        "quiet_end": format_hhmm(quiet.end),
    }


async def _subscribe(
    message: Message, svc: Services, chat_id: int, kind: ChatKind, lang: str, at: Any
) -> None:
    service = lesson_service(svc)
    quiet = svc.settings.quiet_hours
    result = await service.subscribe(chat_id, kind, lang, at, svc.clock())
    if result is SubscribeRefusal.QUIET:
        await message.reply_text(
            svc.render(
                lang,
                "lesson_quiet_time",
                time=format_hhmm(at or svc.settings.lesson_time),
                quiet_start=format_hhmm(quiet.start),
                quiet_end=format_hhmm(quiet.end),
            )
        )
        return
    view = await service.schedule(chat_id, svc.clock())
    await message.reply_text(
        svc.render(lang, "lesson_subscribed", **_schedule_fields(svc, view, kind)),
        reply_markup=keyboard(menu_rows(svc, lang, kind, active=True)),
    )


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    lang = await _language(svc, update)
    if not await _guard_group(svc, update, context.bot, lang):
        return
    await _unsubscribe(message, svc, chat.id, chat_kind(chat.type), lang)


async def _unsubscribe(
    message: Message, svc: Services, chat_id: int, kind: ChatKind, lang: str
) -> None:
    stopped = await lesson_service(svc).unsubscribe(chat_id, svc.clock())
    await message.reply_text(
        svc.render(lang, "lesson_unsubscribed", stopped=stopped, group=kind == "group"),
        reply_markup=keyboard(menu_rows(svc, lang, kind, active=False)),
    )


def menu_rows(svc: Services, lang: str, kind: ChatKind, *, active: bool) -> list[list[Button]]:
    label = svc.render.label
    toggle = (
        (label(lang, "lesson_btn_unsubscribe"), data("lm", "unsub"))
        if active
        else (label(lang, "lesson_btn_subscribe"), data("lm", "sub"))
    )
    rows = [[toggle]]
    if kind == "private":
        rows.insert(0, [(label(lang, "lesson_btn_now"), data("lm", "now"))])
    return rows


async def lesson_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    svc = services(context)
    lang = (await person(svc, tg_user)).language
    await _lesson_now(message, svc, context.bot, tg_user.id, lang)


async def _lesson_now(message: Message, svc: Services, bot: Bot, chat_id: int, lang: str) -> None:
    shown = await lesson_service(svc).deliver_now(
        chat_id, "private", lang, TelegramSend(bot, svc.render)
    )
    if shown is None:
        await message.reply_text(
            svc.render(lang, "lesson_done", total=len(svc.content.catalog.lessons))
        )


async def schedule_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    lang = await _language(svc, update)
    await send_schedule(message, svc, chat.id, chat_kind(chat.type), lang)


async def send_schedule(
    message: Message, svc: Services, chat_id: int, kind: ChatKind, lang: str
) -> None:
    view = await lesson_service(svc).schedule(chat_id, svc.clock())
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
            **_schedule_fields(svc, view, kind),
        ),
        reply_markup=keyboard(menu_rows(svc, lang, kind, active=active)),
    )


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    svc = services(context)
    lang = await _language(svc, update)
    service = lesson_service(svc)
    name = " ".join(context.args or []).strip()
    if not name:
        current = service.zone(await svc.repo.lessons.lesson_subscription(chat.id))
        await message.reply_text(svc.render(lang, "lesson_timezone_usage", zone=current.key))
        return
    if not await _guard_group(svc, update, context.bot, lang):
        return
    zone = await service.set_timezone(chat.id, chat_kind(chat.type), lang, name, svc.clock())
    if zone is None:
        await message.reply_text(svc.render(lang, "lesson_timezone_unknown", name=name[:64]))
        return
    local = svc.clock().astimezone(zone)
    await message.reply_text(
        svc.render(lang, "lesson_timezone_set", zone=zone.key, local=format_hhmm(local.time()))
    )


async def broadcast_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    operator = await from_operator(update, context)
    if operator is None:
        return
    message, svc = operator
    lang = svc.settings.default_language
    stats = await lesson_service(svc).stats(svc.clock())
    await message.reply_text(
        svc.render(
            lang,
            "lesson_broadcast_stats",
            stats=stats,
            day=svc.clock().astimezone(svc.settings.timezone).date().isoformat(),
        )
    )


async def lesson_in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await private_only(update, context)


# --- buttons ------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, tg_user = update.callback_query, update.effective_user
    if query is None or tg_user is None or query.data is None:
        return
    svc = services(context)
    message = query.message if isinstance(query.message, Message) else None
    kind, *parts = query.data.split(":")
    chat = message.chat if message is not None else None
    private = chat is not None and chat.type == ChatType.PRIVATE
    user = await person(svc, tg_user)
    lang = user.language if private else svc.settings.default_language
    if message is None or chat is None:
        await toast(update, svc.render.label(lang, "lesson_toast_stale"))
        return
    if kind == "lm" and len(parts) == 1:
        await _menu_button(update, context, svc, message, parts[0], lang)
        return
    ids = parse_ints(parts, 2)
    if ids is None or kind not in {"lq", "lt", "lk"}:
        await toast(update, svc.render.label(lang, "lesson_toast_invalid"))
        return
    delivery_id, value = ids
    service = lesson_service(svc)
    delivery = await svc.repo.lessons.lesson_delivery(delivery_id)
    out = (
        service.outgoing(delivery, chat_kind(chat.type), lang)
        if delivery is not None and delivery.chat_id == chat.id
        else None
    )
    if out is None or out.check is None:
        await toast(update, svc.render.label(lang, "lesson_toast_stale"))
        return
    if private and chat.id != tg_user.id:
        await toast(update, svc.render.label(lang, "lesson_toast_not_yours"))
        return
    username = context.bot.username
    if kind == "lt":
        if value >= 1 << len(out.check.options):
            await toast(update, svc.render.label(lang, "lesson_toast_invalid"))
            return
        await query.answer()
        markup = keyboard(lesson_keyboard(svc.render, out, username, selected=value))
        try:
            await message.edit_reply_markup(reply_markup=markup)
        except BadRequest as exc:
            if not is_not_modified(exc):
                raise
        return
    if kind == "lq":
        chosen = frozenset({value})
    else:
        chosen = frozenset(i for i in range(len(out.check.options)) if value & (1 << i))
    outcome = await service.answer_check(delivery_id, chat.id, tg_user.id, chosen)
    if isinstance(outcome, Refusal):
        await toast(update, svc.render.label(lang, f"lesson_toast_{outcome.value}"))
        return
    verdict = svc.render.label(
        lang, "lesson_toast_correct" if outcome.correct else "lesson_toast_wrong"
    )
    if not private:  # a shared message: the answer is shown to the person who pressed only
        explanation = outcome.question.explanation.get(lang)
        await query.answer(f"{verdict}\n{explanation}"[:200], show_alert=True)
        return
    await toast(update, verdict)
    try:
        await message.edit_text(
            lesson_text(svc.render, out, outcome),
            reply_markup=keyboard(lesson_keyboard(svc.render, out, username, answered=True)),
        )
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


async def _menu_button(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    svc: Services,
    message: Message,
    action: str,
    lang: str,
) -> None:
    chat, tg_user = message.chat, update.effective_user
    assert tg_user is not None
    kind = chat_kind(chat.type)
    if action not in {"sub", "unsub", "now"} or (action == "now" and kind != "private"):
        await toast(update, svc.render.label(lang, "lesson_toast_invalid"))
        return
    if kind == "private" and chat.id != tg_user.id:
        await toast(update, svc.render.label(lang, "lesson_toast_not_yours"))
        return
    if kind == "group" and not await may_manage(svc, context.bot, chat.id, tg_user.id):
        await toast(update, svc.render.label(lang, "lesson_toast_admins_only"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if action == "sub":
        current = await svc.repo.lessons.lesson_subscription(chat.id)
        await _subscribe(message, svc, chat.id, kind, lang, current.send_at if current else None)
    elif action == "unsub":
        await _unsubscribe(message, svc, chat.id, kind, lang)
    else:
        await _lesson_now(message, svc, context.bot, chat.id, lang)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("subscribe", subscribe))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe))
    app.add_handler(CommandHandler("schedule", schedule_command))
    app.add_handler(CommandHandler("timezone", timezone_command))
    app.add_handler(CommandHandler("lesson", lesson_command, filters=PRIVATE))
    app.add_handler(CommandHandler("lesson", lesson_in_group, filters=~PRIVATE))
    app.add_handler(CommandHandler("broadcast_stats", broadcast_stats))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(lq|lt|lk|lm):"))
