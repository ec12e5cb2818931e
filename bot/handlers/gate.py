"""Groups: the bot hears only commands addressed to it.

With privacy mode Telegram already sends a bot little from groups, but a bot that is an
administrator (or whose privacy mode is off) gets every message. None of those reach a handler:
this gate runs first (handler group ``GATE_GROUP``) and stops every message in a group or
channel that is not a command for this bot (``/cmd`` or ``/cmd@this_bot``), except the service
message that tells of the group's new id (``migrate_to_chat_id``/``migrate_from_chat_id``,
handled in ``groups.on_migrate``). Button presses, poll answers and member changes are not
messages and pass untouched.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

GATE_GROUP = -2


def addressed_command(message: Message) -> bool:
    """The message starts with a command that is for this bot (no @name, or ours)."""
    entities = message.entities
    text = message.text
    if not text or not entities:
        return False
    first = entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return False
    command = text[: first.length]  # ASCII: UTF-16 offsets equal str indices
    _, at, name = command.partition("@")
    return not at or name.lower() == (message.get_bot().username or "").lower()


class GroupChatter(filters.MessageFilter):
    """A message in a group or channel that is not a command addressed to this bot (nor
    the service message of a move to a new chat id)."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return False
        if message.migrate_to_chat_id or message.migrate_from_chat_id:
            return False
        return not addressed_command(message)


async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(MessageHandler(GroupChatter(), ignore), group=GATE_GROUP)
