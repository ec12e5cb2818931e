"""Reply prompts: how a feature asks a person for a line of text (``bot.domain.prompts``).

Text in private chat belongs to the scam checker; a feature that needs a line of text (a
feedback note, say) asks for it with a reply prompt instead of listening to all text:

1. register a kind, with the handler that gets the reply::

       @prompt_kind("feedback")
       async def feedback_note(reply: PromptReply) -> None:
           await reply.svc.feedback.note(reply.prompt.payload, reply.text)  # one service call
           await reply.message.reply_text(reply.svc.render(reply.lang, "feedback_thanks"))

2. ask, from any handler::

       await ask(message, svc, user_id, "feedback", svc.render(lang, "feedback_ask"),
                 payload=question_id, placeholder=svc.render.label(lang, "feedback_hint"))

``ask`` sends the question with Telegram's ForceReply (the app opens the reply box) and stores
the prompt: chat, message, person, kind, payload (an id, never text), expiry (an hour by
default). ``route`` runs before the checker (handler group ``PROMPT_GROUP``): a text that
replies to a live prompt, sent by the person it asked, goes to its kind's handler, once; a
reply to an expired one is told so; every other text goes on to the checker. Prompts work in
private chats (in groups the bot ignores everything but commands addressed to it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.context import Services, services
from bot.domain.prompts import DEFAULT_TTL, KIND, Prompt
from bot.services.prompts import Expired

log = logging.getLogger(__name__)

PROMPT_GROUP = -1
"""Before group 0, where the checker takes every other private text."""


@dataclass(frozen=True, slots=True)
class PromptReply:
    """A person's reply to a prompt of yours: their message, text and language."""

    message: Message
    text: str
    prompt: Prompt
    svc: Services
    lang: str


PromptHandler = Callable[[PromptReply], Awaitable[None]]
_KINDS: dict[str, PromptHandler] = {}


def prompt_kind(kind: str) -> Callable[[PromptHandler], PromptHandler]:
    """Register the handler of one prompt kind (exactly one per kind)."""
    if not KIND.fullmatch(kind):
        raise ValueError(f"prompt kind {kind!r}: lower-case letters, digits and '_'")

    def register(handler: PromptHandler) -> PromptHandler:
        if kind in _KINDS:
            raise ValueError(f"prompt kind {kind!r} already has a handler")
        _KINDS[kind] = handler
        return handler

    return register


def kinds() -> dict[str, PromptHandler]:
    return dict(_KINDS)


async def ask(
    message: Message,
    svc: Services,
    user_id: int,
    kind: str,
    text: str,
    *,
    payload: str = "",
    placeholder: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> Message:
    """Send ``text`` as a reply prompt in ``message``'s chat; only ``user_id``'s reply counts."""
    if kind not in _KINDS:
        raise ValueError(f"prompt kind {kind!r} has no handler")
    markup = ForceReply(selective=True, input_field_placeholder=(placeholder or "")[:64] or None)
    sent = await message.reply_text(text, reply_markup=markup)
    await svc.prompts.opened(sent.chat.id, sent.message_id, user_id, kind, payload, ttl)
    return sent


async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to a live prompt goes to its feature and stops there; anything else goes on."""
    message, tg_user = update.effective_message, update.effective_user
    replied = message.reply_to_message if message is not None else None
    if message is None or tg_user is None or replied is None or message.text is None:
        return
    svc = services(context)
    found = await svc.prompts.answered(message.chat.id, replied.message_id, tg_user.id)
    if found is None:
        return
    lang = await svc.people.language_of(tg_user.id, tg_user.language_code)
    if isinstance(found, Expired):
        await message.reply_text(svc.render(lang, "prompt_expired"))
        raise ApplicationHandlerStop
    handler = _KINDS.get(found.kind)
    if handler is None:  # a kind removed since the prompt was sent: the checker takes it
        log.warning("a reply to a prompt of unknown kind %r", found.kind)
        return
    await handler(PromptReply(message, message.text, found, svc, lang))
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    replies = (
        filters.ChatType.PRIVATE
        & filters.UpdateType.MESSAGE
        & filters.REPLY
        & filters.TEXT
        & ~filters.COMMAND
    )
    app.add_handler(MessageHandler(replies, route), group=PROMPT_GROUP)
