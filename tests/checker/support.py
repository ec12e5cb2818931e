"""Messages the emulator's client cannot type: photos, voice, stickers, forwards, albums."""

from __future__ import annotations

from typing import Any

from telegram import Update

from tests.harness import Harness

PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 800, "height": 600}]
VOICE = {"file_id": "v1", "file_unique_id": "uv1", "duration": 7}
STICKER = {
    "file_id": "s1",
    "file_unique_id": "us1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


def forwarded(name: str = "张经理", date: int = 1_773_500_000) -> dict[str, Any]:
    """``forward_origin`` of a message forwarded from a person who hides their account."""
    return {"type": "hidden_user", "sender_user_name": name, "date": date}


async def poll(bot: Harness) -> list[dict[str, Any]]:
    """Fetch what is queued with getUpdates, as the running bot does (PTB logs the call and
    its result at DEBUG), process it, and confirm it."""
    assert bot.app is not None
    updates = await bot.app.bot.get_updates(timeout=0)
    for update in updates:
        await bot.app.process_update(update)
    if updates:
        await bot.app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    bot.check()
    return [u.to_dict() for u in updates]


async def deliver(
    bot: Harness,
    user_id: int,
    *,
    text: str | None = None,
    caption: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A private message with ``fields`` (photo, voice, sticker, forward_origin,
    media_group_id …), numbered in the chat like the emulator's own, delivered to the bot
    through getUpdates. Returns the update."""
    bot.user(user_id)
    chat = bot.emu._private_chat(bot.emu.users[user_id])
    stored = bot.emu._store(chat, user_id, text=text, caption=caption)
    message = bot.emu.message_json(stored)
    message.update(fields)
    bot.emu._push("message", message)
    (update,) = await poll(bot)
    return update


async def redeliver(bot: Harness, update: dict[str, Any]) -> None:
    """Telegram sends one update again (a restart before the offset was confirmed)."""
    assert bot.app is not None
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    bot.check()


def bot_messages(bot: Harness, chat_id: int) -> list[str]:
    """Every message the bot has in ``chat_id``, oldest first, as shown."""
    return [
        m.text or m.caption or "" for m in bot.emu.messages(chat_id) if m.from_id == bot.emu.bot.id
    ]
