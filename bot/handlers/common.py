"""Small pieces every handler uses: the person, their language, keyboards, callback data."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram import User as TgUser
from telegram.error import BadRequest
from telegram.ext import CallbackContext

from bot.context import Services, services
from bot.domain.limits import CALLBACK_DATA_BYTES
from bot.storage.repository import User

log = logging.getLogger(__name__)

Button = tuple[str, str]  # (label, callback data); data starting with "url:" opens a link


def guess_language(code: str | None, default: str) -> str:
    """Telegram's language_code: Chinese variants read Chinese, other known ones English."""
    if not code:
        return default
    return "zh" if code.lower().startswith("zh") else "en"


async def person(svc: Services, tg_user: TgUser) -> User:
    """The stored person, created on first contact with a guessed language."""
    user = await svc.repo.people.ensure_user(
        tg_user.id,
        guess_language(tg_user.language_code, svc.settings.default_language),
        svc.clock(),
    )
    if user.show_name:
        name = display_name(tg_user)
        if name != user.display_name:
            await svc.repo.people.set_show_name(user.user_id, True, name)
    return user


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
    """The person behind a command; None for updates without a message or a sender."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return None
    svc = services(context)
    return Private(message, tg_user, svc, await person(svc, tg_user))


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


def display_name(tg_user: TgUser) -> str:
    return tg_user.full_name.strip()[:32] or str(tg_user.id)


def data(*parts: object) -> str:
    """Callback data: short codes joined by ':', never raw text; at most 64 bytes."""
    encoded = ":".join(str(part) for part in parts)
    if not 0 < len(encoded.encode()) <= CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data {encoded!r} does not fit Telegram's 64-byte limit")
    return encoded


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Inline buttons; None when there are none (Telegram refuses an empty markup)."""
    if not any(rows):
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=value[4:])
                if value.startswith("url:")
                else InlineKeyboardButton(label, callback_data=value)
                for label, value in row
            ]
            for row in rows
            if row
        ]
    )


def parse_ints(parts: Sequence[str], count: int) -> list[int] | None:
    """``count`` integers from callback data parts, or None for forged or malformed data."""
    if len(parts) != count:
        return None
    try:
        values = [int(part) for part in parts]
    except ValueError:
        return None
    return values if all(0 <= v < 2**53 for v in values) else None


async def toast(update: Update, text: str) -> None:
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text[:200])
        except BadRequest as exc:  # the query expired (after a restart, say): nothing to undo
            log.info("could not answer a callback query: %s", exc.message)


def is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()
