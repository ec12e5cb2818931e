"""Reports of a problem (纠错), and what operators see of them: /feedback, /question_stats.

Every answered question offers 纠错 (``report_button``): the private quiz's answered message and
a lesson check's result in private chat; a group event's result links to the private chat
instead (``report_link``: reports are personal). Then:

1. the button (or the link) → the reasons, in a message of their own;
2. a reason → the report is stored (once per person and question) and the 纠错 button above
   says so; the reasons message offers "skip", and a reply prompt asks for the note;
3. a reply to that prompt → the note (``InsightService.add_note``); anything else typed goes
   to the scam checker as always.

Every press is checked: the presser's own private chat, a button the message really shows, a
known person, and an answer of theirs (``InsightService``: forged ids find none).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.actions import Action, ReportProblem, ReportReason, SkipNote
from bot.context import Services
from bot.domain.campaigns import deep_link
from bot.domain.insight import (
    NOTE_LIMIT,
    AnswerRef,
    FeedbackGroup,
    Reason,
    feedback_payload,
    parse_feedback_payload,
)
from bot.domain.quiz import question_version
from bot.handlers.common import (
    Button,
    Link,
    View,
    edit,
    edit_markup,
    from_operator,
    from_person,
    keyboard,
    private_only,
    reply,
    reply_list,
)
from bot.handlers.dispatch import Press, on, refusal_key
from bot.handlers.prompts import PromptReply, ask, prompt_kind
from bot.render import Renderer
from bot.services.common import Origin as Pressed
from bot.services.insight import (
    FEEDBACK_PROMPT,
    FeedbackRefusal,
    NoteOutcome,
    Reported,
    ReportStart,
    UnknownBankError,
)

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
FEEDBACK_LINK = filters.Regex(r"^/start(@\w+)?\s+F-")
"""``/start F-…``: a 纠错 link (bank ids are lower case; campaigns' links start with ``C-``)."""
BACKGROUND = "background_tasks"
"""``Services.extras`` key: the running background replies (tests wait for them)."""


# --- the buttons ------------------------------------------------------------------------------


def report_button(render: Renderer, lang: str, answer: AnswerRef) -> Button:
    """纠错 under an answered question in the person's private chat."""
    return (render.label(lang, "feedback_button"), ReportProblem.of(answer))


def report_link(render: Renderer, lang: str, bot_username: str, answer: AnswerRef) -> Button:
    """纠错 under a group message: opens the private chat, where the report is made."""
    link = deep_link(bot_username, feedback_payload(answer))
    return (render.label(lang, "feedback_button"), Link(link))


def reasons_view(svc: Services, start: ReportStart) -> View:
    lang, answer, question = start.language, start.answer, start.question
    labels = [(svc.render.label(lang, f"feedback_reason_{r.value}"), r) for r in Reason]
    width = 2 if max(len(text) for text, _ in labels) <= 8 else 1
    buttons: list[Button] = [
        (text, ReportReason(answer.origin.value, answer.ref, answer.position, reason.value))
        for text, reason in labels
    ]
    text = svc.render(
        lang, "feedback_reasons", question_id=question.id, question_text=question.text.get(lang)
    )
    return View(text, keyboard([buttons[i : i + width] for i in range(0, len(buttons), width)]))


def offered(message: Message | None, action: Action) -> bool:
    """Whether ``message`` shows a button with exactly this action (a forged press does not)."""
    markup = message.reply_markup if message is not None else None
    data = action.encode()
    return markup is not None and any(
        button.callback_data == data for row in markup.inline_keyboard for button in row
    )


async def mark_reported(message: Message | None, action: ReportProblem, label: str) -> None:
    """The 纠错 button on ``message`` (if it has it) now says the question is reported."""
    if message is None or not offered(message, action):
        return
    assert message.reply_markup is not None
    data = action.encode()
    rows = [
        [
            InlineKeyboardButton(label, callback_data=data) if b.callback_data == data else b
            for b in row
        ]
        for row in message.reply_markup.inline_keyboard
    ]
    await edit_markup(message, InlineKeyboardMarkup(rows))


@on(ReportProblem)
async def report_problem(press: Press, action: ReportProblem) -> None:
    message = press.message
    if message is None or not offered(message, action):
        await press.refuse("feedback_toast_stale")
        return
    outcome = await press.svc.insight.start_report(press.origin, action.answer)
    if isinstance(outcome, FeedbackRefusal):
        await press.refuse(refusal_key("feedback_toast_", outcome))
        if outcome is FeedbackRefusal.ALREADY:
            done = press.svc.render.label(await press.language(), "feedback_button_done")
            await mark_reported(message, action, done)
        return
    if press.repeated():
        await press.refuse("feedback_toast_reasons_below")
        return
    await press.answer()
    view = reasons_view(press.svc, outcome)
    await message.reply_text(view.text, reply_markup=view.markup, do_quote=True)


@on(ReportReason)
async def report_reason(press: Press, action: ReportReason) -> None:
    message, svc = press.message, press.svc
    if message is None or not offered(message, action):
        await press.refuse("feedback_toast_stale")
        return
    reason = Reason(action.reason)
    outcome = await svc.insight.report(press.origin, action.answer, reason, svc.clock())
    if isinstance(outcome, FeedbackRefusal):
        await press.refuse(refusal_key("feedback_toast_", outcome))
        return
    await press.toast(outcome.language, "feedback_toast_recorded")
    await show_recorded(press, message, outcome, ReportProblem.of(action.answer))


async def show_recorded(
    press: Press, message: Message, done: Reported, button: ReportProblem
) -> None:
    """The reasons message says what was stored and offers "skip"; the answered message it
    quotes says "reported"; the prompt for the note comes last (the app opens its reply box)."""
    svc, lang, qid = press.svc, done.language, done.question.id
    label = svc.render.label
    text = svc.render(
        lang, "feedback_recorded", reason=done.reason.value, question_id=qid, asking=True
    )
    skip = SkipNote(qid, done.reason.value)
    await edit(message, View(text, keyboard([[(label(lang, "feedback_skip"), skip)]])))
    await mark_reported(message.reply_to_message, button, label(lang, "feedback_button_done"))
    await ask_note(message, svc, press.tg_user.id, lang, qid, "feedback_ask", limit=NOTE_LIMIT)


async def ask_note(
    message: Message, svc: Services, user_id: int, lang: str, qid: str, template: str, **extra: Any
) -> None:
    text = svc.render(lang, template, question_id=qid, **extra)
    placeholder = svc.render.label(lang, "feedback_placeholder")
    await ask(message, svc, user_id, FEEDBACK_PROMPT, text, payload=qid, placeholder=placeholder)


@on(SkipNote)
async def skip_note(press: Press, action: SkipNote) -> None:
    message, svc = press.message, press.svc
    if message is None or not offered(message, action):
        await press.refuse("feedback_toast_stale")
        return
    closed = await svc.insight.skip_note(press.origin, action.question)
    if isinstance(closed, FeedbackRefusal):
        await press.refuse(refusal_key("feedback_toast_", closed))
        return
    lang = await press.language()
    await press.toast(
        lang, "feedback_toast_skipped" if closed else "feedback_toast_nothing_to_skip"
    )
    text = svc.render(
        lang, "feedback_recorded", reason=action.reason, question_id=action.question, asking=False
    )
    await edit(message, View(text))


@prompt_kind(FEEDBACK_PROMPT)
async def feedback_note(reply: PromptReply) -> None:
    """A reply to the note's prompt: saved, or asked again (empty, too long)."""
    svc, lang, qid, user_id = reply.svc, reply.lang, reply.prompt.payload, reply.prompt.user_id
    result = await svc.insight.add_note(user_id, qid, reply.text)
    if result.outcome is NoteOutcome.SAVED:
        await reply.message.reply_text(svc.render(lang, "feedback_note_saved", question_id=qid))
    elif result.outcome is NoteOutcome.NO_REPORT:  # forgotten meanwhile, say
        await reply.message.reply_text(svc.render(lang, "feedback_unavailable", question_id=qid))
    elif result.outcome is NoteOutcome.EMPTY:
        await ask_note(reply.message, svc, user_id, lang, qid, "feedback_note_empty")
    else:
        await ask_note(
            reply.message, svc, user_id, lang, qid, "feedback_note_too_long",
            length=result.length, limit=result.limit,
        )  # fmt: skip


async def report_link_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start F-<origin>-<ref>-<position>``: a group result's 纠错 link, in private chat."""
    who = await from_person(update, context)
    if who is None:
        return
    answer = parse_feedback_payload(context.args[0] if context.args else "")
    outcome: ReportStart | FeedbackRefusal = FeedbackRefusal.NOT_ANSWERED
    if answer is not None:
        here = Pressed(who.tg_user.id, who.message.chat.id, who.message.message_id, True)
        outcome = await who.svc.insight.start_report(here, answer)
    if isinstance(outcome, FeedbackRefusal):
        text = who.svc.render.label(who.lang, refusal_key("feedback_toast_", outcome))
        await who.message.reply_text(text)
        return
    await reply(who.message, reasons_view(who.svc, outcome))


# --- operators ----------------------------------------------------------------------------------


async def feedback_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/feedback [bank]``: reports newest first, grouped by question; the rest as a file."""
    operator = await from_operator(update, context)
    if operator is None:
        return
    message, svc = operator
    lang = svc.settings.default_language
    try:
        groups = await svc.insight.feedback(context.args[0] if context.args else None)
    except UnknownBankError:
        await message.reply_text(svc.render.label(lang, "feedback_unknown_bank"))
        return
    await send_feedback(message, svc, lang, groups)


async def send_feedback(
    message: Message, svc: Services, lang: str, groups: list[FeedbackGroup]
) -> None:
    total = sum(len(group.reports) for group in groups)

    def page(shown: Sequence[str], more: int) -> str:
        return svc.render(
            lang,
            "feedback_list",
            groups=groups[: len(shown)],
            total=total,
            questions=len(groups),
            more=more,
        )

    items = [feedback_item(svc, lang, group) for group in groups]
    caption = svc.render.label(lang, "full_list_caption")
    await reply_list(message, page, items, filename="feedback.txt", caption=caption)


def feedback_item(svc: Services, lang: str, group: FeedbackGroup) -> str:
    """One question's reports, whole, as plain text for the file (notes as people wrote them:
    the template escapes them for HTML, unescaping gives them back exactly)."""
    current = question_version(group.question) if group.question is not None else None
    return html.unescape(svc.render(lang, "feedback_item", group=group, current=current)) + "\n"


async def question_stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/question_stats ID``: answered off the update processor (the bank's analysis can take
    seconds on a big database, and the bot handles one update at a time)."""
    operator = await from_operator(update, context)
    if operator is None:
        return
    message, svc = operator
    question_id = (context.args[0] if context.args else "")[:64]
    work = send_question_stats(message, svc, question_id)
    in_background(context.application, svc, work, name=f"question_stats {question_id}")


async def send_question_stats(message: Message, svc: Services, question_id: str) -> None:
    lang = svc.settings.default_language
    stats = await svc.insight.question_stats(question_id, svc.clock()) if question_id else None
    text = svc.render(lang, "question_stats", stats=stats, question_id=question_id)
    await message.reply_text(text)


def in_background(
    app: Application[Any, Any, Any, Any, Any, Any],
    svc: Services,
    work: Coroutine[Any, Any, None],
    *,
    name: str,
) -> None:
    """Run ``work`` without holding the update processor. A running application awaits it when
    it stops and reports its errors; ``svc.extras[BACKGROUND]`` holds it until it ends."""
    if app.running:
        task = app.create_task(work, name=name)
    else:  # handler tests drive an application they never start
        task = asyncio.get_running_loop().create_task(work, name=name)
    tasks: set[asyncio.Task[None]] = svc.extras.setdefault(BACKGROUND, set())
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before ``quiz.register``: a 纠错 link is a ``/start`` of its own."""
    app.add_handler(CommandHandler("start", report_link_command, filters=PRIVATE & FEEDBACK_LINK))
    app.add_handler(CommandHandler("feedback", feedback_command, filters=PRIVATE))
    app.add_handler(CommandHandler("feedback", private_only, filters=~PRIVATE))
    app.add_handler(CommandHandler("question_stats", question_stats_command))
