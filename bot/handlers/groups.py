"""Telegram's side of a group: who manages it, its language, and its move to a supergroup.

The rule (operators, volunteers, the group's admins) lives in ``bot.services.staff``; this module
asks Telegram for the admin list and tells the rule when an admin is promoted or demoted
(``chat_member`` updates, which Telegram sends to a bot that is an administrator itself).
``/language`` in a group sets the language its events and lessons speak (``GroupService``).
When a group becomes a supergroup Telegram posts ``migrate_to_chat_id`` in the old chat and
``migrate_from_chat_id`` in the new one: every row keyed by the chat moves (``move_chat``).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, ChatMember, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.actions import SetGroupLanguage
from bot.context import services
from bot.domain.content import LANGUAGES
from bot.handlers.common import View, edit, keyboard
from bot.handlers.dispatch import Press, on
from bot.handlers.events import runtime
from bot.services.groups import GroupRefusal

log = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


class TelegramAdmins:
    """``AdminLookup`` through getChatAdministrators."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, chat_id: int, /) -> frozenset[int] | None:
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except (Forbidden, BadRequest, ChatMigrated) as exc:  # moved: ask in the new chat
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


async def group_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/language`` in a group: its language buttons, for the people who may run events."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    svc = services(context)
    current = await svc.groups.language_prompt(chat.id, user.id)
    if isinstance(current, GroupRefusal):
        lang = await svc.groups.language(chat.id)
        await message.reply_text(svc.render(lang, "group_language", outcome="not_allowed"))
        return
    buttons = [
        (svc.render.label(code, "language_name"), SetGroupLanguage(code)) for code in LANGUAGES
    ]
    text = svc.render(current, "group_language", outcome="prompt")
    await message.reply_text(text, reply_markup=keyboard([buttons]))


@on(SetGroupLanguage)
async def set_group_language(press: Press, action: SetGroupLanguage) -> None:
    svc = press.svc
    outcome = await svc.groups.set_language(press.origin, action.language)
    if isinstance(outcome, GroupRefusal) or press.message is None:
        lang = await svc.groups.language(press.origin.chat_id)
        key = (
            "toast_invalid"
            if outcome is GroupRefusal.INVALID
            else "group_language_toast_not_allowed"
        )
        await press.toast(lang, key)
        return
    await press.answer()
    await edit(press.message, View(svc.render(outcome, "group_language", outcome="set")))


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The group became a supergroup: its rows move to the new id, a live event goes on there."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:  # posted in the old group
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:  # posted in the new supergroup
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    rt = runtime(context.application)
    await rt.service.move_chat(old, new, rt.svc.clock())


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(ChatMemberHandler(on_member_change, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(CommandHandler("language", group_language, filters=~filters.ChatType.PRIVATE))
