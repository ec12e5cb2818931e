"""Telegram's side of "who manages this group": the administrator list, and keeping it fresh.

The rule (operators, volunteers, the group's admins) lives in ``bot.services.staff``; this module
asks Telegram for the admin list and tells the rule when an admin is promoted or demoted
(``chat_member`` updates, which Telegram sends to a bot that is an administrator itself).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, ChatMember, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from bot.context import services

log = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


class TelegramAdmins:
    """``AdminLookup`` through getChatAdministrators."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, chat_id: int, /) -> frozenset[int] | None:
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except (Forbidden, BadRequest) as exc:
            log.info("cannot list the admins of %s: %s", chat_id, exc.message)
            return None
        return frozenset(m.user.id for m in members)


async def on_member_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Someone became or stopped being an admin: forget the cached list at once."""
    change = update.chat_member
    if change is None:
        return
    was = change.old_chat_member.status in _ADMIN_STATUSES
    now = change.new_chat_member.status in _ADMIN_STATUSES
    if was != now:
        services(context).staff.forget_chat(change.chat.id)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(ChatMemberHandler(on_member_change, ChatMemberHandler.CHAT_MEMBER))
