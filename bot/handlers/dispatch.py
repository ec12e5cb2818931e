"""Every button press goes through here: decode the action, route it to its one handler.

Callback data is untrusted. ``decode`` turns anything the bot did not encode into None, which
becomes a toast; a decoded action reaches the handler registered for its class with ``@on``.
The handler gets a :class:`Press`: who pressed, in which chat, on which message — the origin its
service checks the action against — and a way to answer the query at most once (an expired
query is not an error).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import Bot, CallbackQuery, Message, Update
from telegram import User as TgUser
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.actions import Action, decode
from bot.context import Services, services
from bot.services.common import Origin

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Action)
Route = Callable[["Press", Any], Awaitable[None]]
_ROUTES: dict[type[Action], Route] = {}


def on(kind: type[A]) -> Callable[[Callable[[Press, A], Awaitable[None]]], Route]:
    """Register the handler of one action class (exactly one per class)."""

    def register(handler: Callable[[Press, A], Awaitable[None]]) -> Route:
        if kind in _ROUTES:
            raise ValueError(f"{kind.__name__} already has a handler")
        _ROUTES[kind] = handler
        return handler

    return register


REPEAT_SECONDS = 10.0
"""A press of the same button by the same person within this many seconds is a repeat."""
_RECENT = "recent_presses"
"""``Services.extras`` key: when each (person, message, button) was last pressed."""


def routes() -> dict[type[Action], Route]:
    return dict(_ROUTES)


@dataclass
class Press:
    """One button press, as the handlers and services see it."""

    query: CallbackQuery
    tg_user: TgUser
    message: Message | None  # None: too old for Telegram to send it (inaccessible)
    svc: Services
    bot: Bot
    application: Application[Any, Any, Any, Any, Any, Any]
    _answered: bool = field(default=False, init=False)
    _language: str | None = field(default=None, init=False)

    @property
    def origin(self) -> Origin:
        chat_id = self.message.chat.id if self.message is not None else 0
        message_id = self.message.message_id if self.message is not None else None
        return Origin(
            self.tg_user.id, chat_id, message_id, self.private, self.tg_user.language_code
        )

    @property
    def private(self) -> bool:
        return self.message is not None and self.message.chat.type == ChatType.PRIVATE

    @property
    def guessed_language(self) -> str:
        """The presser's Telegram language, for people the bot has not stored (or forgot)."""
        return self.svc.people.guess_language(self.tg_user.language_code)

    async def language(self) -> str:
        """The presser's language: as stored, else guessed from Telegram (read once)."""
        if self._language is None:
            self._language = await self.svc.people.language_of(
                self.tg_user.id, self.tg_user.language_code
            )
        return self._language

    def repeated(self, seconds: float = REPEAT_SECONDS) -> bool:
        """Whether this person pressed this same button on this message moments ago: a double
        tap, or the update delivered twice. A handler whose press sends a new message asks
        (after its checks) and points at the first message instead of sending another; a
        later press sends again, since the first may have scrolled away. Notes this press."""
        recent: dict[tuple[int, int, int, str], float] = self.svc.extras.setdefault(_RECENT, {})
        now = self.svc.clock().timestamp()
        for key in [k for k, at in recent.items() if now - at >= seconds]:
            del recent[key]
        origin = self.origin
        key = (origin.user_id, origin.chat_id, origin.message_id or 0, self.query.data or "")
        if key in recent:
            return True
        recent[key] = now
        return False

    async def refuse(self, key: str) -> None:
        """A toast saying why nothing changed, in the presser's language."""
        await self.toast(await self.language(), key)

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the query once; later calls and an expired query change nothing."""
        if self._answered:
            return
        self._answered = True
        try:
            await self.query.answer(text[:200] if text else None, show_alert=alert)
        except BadRequest as exc:  # too old (a restart, a slow network): nothing to undo
            log.info("could not answer a callback query: %s", exc.message)

    async def toast(self, lang: str, key: str) -> None:
        await self.answer(self.svc.render.label(lang, key))


def refusal_key(prefix: str, outcome: object) -> str:
    """The toast for a refusal (an enum whose value names it), or "stale" for anything else
    (the message itself is gone: Telegram no longer sends it with the press)."""
    value = getattr(outcome, "value", None)
    return f"{prefix}{value if isinstance(value, str) else 'stale'}"


async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, tg_user = update.callback_query, update.effective_user
    if query is None or tg_user is None:
        return
    svc = services(context)
    message = query.message if isinstance(query.message, Message) else None
    press = Press(query, tg_user, message, svc, context.bot, context.application)
    action = decode(query.data)
    route = _ROUTES.get(type(action)) if action is not None else None
    if action is None or route is None:
        await press.toast(press.guessed_language, "toast_invalid")
        return
    try:
        await route(press, action)
    finally:
        await press.answer()  # stop the client's spinner if the handler said nothing


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One handler for every button; call after the feature modules registered their routes."""
    app.add_handler(CallbackQueryHandler(handle))
