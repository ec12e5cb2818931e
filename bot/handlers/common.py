"""Small pieces every handler uses: the person behind a command, keyboards, safe edits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram import User as TgUser
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext

from bot.actions import Action, decode
from bot.context import Services, services
from bot.domain.limits import ITEM_TEXT, fit_items, shorten
from bot.domain.people import User
from bot.services.people import clean_name

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Link:
    """A button that opens an address instead of sending callback data."""

    url: str


Button = tuple[str, Action | Link]


@dataclass(frozen=True, slots=True)
class View:
    """A message as a handler builds it: text and buttons."""

    text: str
    markup: InlineKeyboardMarkup | None = None


async def reply(message: Message, view: View) -> Message:
    return await message.reply_text(view.text, reply_markup=view.markup)


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Inline buttons; None when there are none (Telegram refuses an empty markup)."""
    if not any(rows):
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=target.url)
                if isinstance(target, Link)
                else InlineKeyboardButton(label, callback_data=target.encode())
                for label, target in row
            ]
            for row in rows
            if row
        ]
    )


@dataclass(frozen=True, slots=True)
class Private:
    """What a command from a person needs: where to reply, who they are, in which language."""

    message: Message
    tg_user: TgUser
    svc: Services
    user: User

    @property
    def lang(self) -> str:
        return self.user.language


async def from_person(
    update: Update, context: CallbackContext[Any, Any, Any, Any]
) -> Private | None:
    """The person behind a command (created on first contact); None without a sender."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return None
    svc = services(context)
    user = await svc.people.meet(tg_user.id, tg_user.language_code, tg_user.full_name)
    return Private(message, tg_user, svc, user)


async def from_operator(
    update: Update, context: CallbackContext[Any, Any, Any, Any]
) -> tuple[Message, Services] | None:
    """The message and services when an operator (OWNER_IDS) sent it; anyone else is told no."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return None
    svc = services(context)
    if not svc.is_owner(tg_user.id):
        await message.reply_text(svc.render(svc.settings.default_language, "owner_only"))
        return None
    return message, svc


async def reply_list(
    message: Message,
    render: Callable[[Sequence[str], int], str],
    items: Sequence[str],
    *,
    filename: str,
    caption: str,
) -> None:
    """A list for operators: the first page that fits one message ("…and N more"), and the
    whole list as a .txt file when it does not fit."""
    lines = [shorten(item, ITEM_TEXT) for item in items]
    page, shown = fit_items(render, lines)
    await message.reply_text(page)
    if shown < len(items):
        data = ("\n".join(items) + "\n").encode()
        await message.reply_document(InputFile(data, filename=filename), caption=caption)


async def private_only(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Personal commands sent in a group: point to the private chat instead of answering."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    chat = update.effective_chat
    lang = await svc.groups.language(chat.id) if chat else svc.settings.default_language
    link = Link(f"https://t.me/{context.bot.username}?start=group")
    await message.reply_text(
        svc.render(lang, "private_only"),
        reply_markup=keyboard([[(svc.render.label(lang, "open_private"), link)]]),
    )


def display_name(tg_user: TgUser) -> str:
    """A Telegram name as shown in groups' leaderboards and reports: one line, cut short."""
    return clean_name(tg_user.full_name, str(tg_user.id))


def is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


async def edit(message: Message, view: View) -> None:
    """Edit a message; editing it into what it already shows is not an error."""
    try:
        await message.edit_text(view.text, reply_markup=view.markup)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


async def edit_markup(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


def offers(message: Message, action: Action) -> bool:
    """Whether the message itself shows this button. Telegram sends the message with the
    press, but the callback data comes from the client and may be forged."""
    markup = message.reply_markup
    buttons = [b for row in markup.inline_keyboard for b in row] if markup else []
    return any(
        decode(b.callback_data if isinstance(b.callback_data, str) else None) == action
        for b in buttons
    )


def run_every(
    app: Application[Any, Any, Any, Any, Any, Any],
    callback: Callable[[CallbackContext[Any, Any, Any, Any]], Any],
    *,
    seconds: float,
    first: float,
    name: str,
    needed_by: str,
) -> None:
    """One repeating job for everyone (never a job per chat); late runs merge, never pile up."""
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError(f"{needed_by} need python-telegram-bot[job-queue]")
    job_queue.run_repeating(
        callback,
        interval=seconds,
        first=first,
        name=name,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
    )
