"""The command menu registered with setMyCommands, per chat kind and language.

Each feature adds its commands here; descriptions live in templates ``commands.j2`` so the
menu is translated like every other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)

from bot.domain.content import LANGUAGES
from bot.render import Renderer

Scope = Literal["private", "group"]


@dataclass(frozen=True)
class MenuCommand:
    command: str
    scopes: tuple[Scope, ...]


COMMANDS: tuple[MenuCommand, ...] = (
    MenuCommand("start", ("private",)),
    # --- scam checker and /sos ---
    MenuCommand("check", ("private", "group")),
    MenuCommand("sos", ("private", "group")),
    MenuCommand("quiz", ("private",)),
    MenuCommand("stats", ("private",)),
    MenuCommand("leaderboard", ("private",)),
    MenuCommand("settings", ("private",)),
    MenuCommand("language", ("private",)),
    MenuCommand("mydata", ("private",)),
    MenuCommand("forget", ("private",)),
    MenuCommand("help", ("private", "group")),
    # --- group events ---
    MenuCommand("event_new", ("group",)),
    MenuCommand("event_start", ("group",)),
    MenuCommand("event_next", ("group",)),
    MenuCommand("event_pause", ("group",)),
    MenuCommand("event_resume", ("group",)),
    MenuCommand("event_stop", ("group",)),
    MenuCommand("event_report", ("private", "group")),
    # --- daily lessons ---
    MenuCommand("subscribe", ("private", "group")),
    MenuCommand("unsubscribe", ("private", "group")),
    MenuCommand("lesson", ("private",)),
    MenuCommand("schedule", ("private", "group")),
    MenuCommand("timezone", ("private",)),
    # --- campaigns ---
    MenuCommand("campaign", ("private",)),
    MenuCommand("verify", ("private", "group")),
    MenuCommand("campaign_report", ("private",)),
    MenuCommand("campaign_links", ("private",)),
    MenuCommand("campaign_group", ("group",)),
)

# Shown by /help to operators only; never in the public command menu.
OWNER_COMMANDS: tuple[str, ...] = (
    "reload",
    "volunteer",
    "broadcast_stats",
    # --- editors' insight (issue 15) ---
    "feedback",
    "question_stats",
)


async def register_commands(bot: Bot, render: Renderer, default_language: str) -> None:
    """setMyCommands for private chats and groups, in Chinese and English.

    The scope without a language code serves everyone whose Telegram language is neither.
    """
    scopes: dict[Scope, BotCommandScope] = {
        "private": BotCommandScopeAllPrivateChats(),
        "group": BotCommandScopeAllGroupChats(),
    }
    for scope_name, scope in scopes.items():
        for language in (*LANGUAGES, None):
            lang = language or default_language
            commands = [
                BotCommand(c.command, render.label(lang, f"cmd_{c.command}"))
                for c in COMMANDS
                if scope_name in c.scopes
            ]
            await bot.set_my_commands(commands, scope=scope, language_code=language)
