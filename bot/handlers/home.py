"""The menu's buttons (``Open``): each opens what its command shows, for the person pressing,
in their own private chat, on a message that offers that button. A press never creates a
person: after ``/forget`` the old menu asks them to send /start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.actions import Open
from bot.context import Services
from bot.domain.people import User
from bot.handlers.campaigns import send_statuses
from bot.handlers.common import from_person, offers, reply
from bot.handlers.dispatch import Press, on
from bot.handlers.lessons import send_schedule, send_zone_prompt
from bot.handlers.menu import home_view
from bot.handlers.profile import (
    ask_forget,
    send_leaderboard,
    send_mydata,
    send_stats,
    settings_view,
)

Show = Callable[[Message, Services, User], Awaitable[object]]


async def _menu(message: Message, svc: Services, user: User) -> None:
    await reply(message, home_view(svc, user.language))


async def _lessons(message: Message, svc: Services, user: User) -> None:
    await send_schedule(message, svc, user.user_id, "private", user.language)


async def _zone(message: Message, svc: Services, user: User) -> None:
    await send_zone_prompt(message, svc, user.user_id, user.language)


async def _settings(message: Message, svc: Services, user: User) -> None:
    await reply(message, settings_view(svc, user))


async def _campaign(message: Message, svc: Services, user: User) -> None:
    await send_statuses(message, svc, user.language, user.user_id, None)


SHOW: dict[str, Show] = {
    "menu": _menu,
    "stats": send_stats,
    "board": send_leaderboard,
    "lessons": _lessons,
    "zone": _zone,
    "settings": _settings,
    "data": send_mydata,
    "forget": ask_forget,
    "campaign": _campaign,
}


@on(Open)
async def open_item(press: Press, action: Open) -> None:
    message, svc = press.message, press.svc
    if message is None or not press.origin.own_private_chat:
        await press.refuse("toast_not_yours")
        return
    user = await svc.people.known(press.tg_user.id)
    if user is None or not offers(message, action):
        await press.refuse("toast_start" if user is None else "toast_invalid")
        return
    await press.answer()
    await SHOW[action.what](message, svc, user)


async def menu_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await reply(who.message, home_view(who.svc, who.lang))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("menu", menu_command, filters=filters.ChatType.PRIVATE))
