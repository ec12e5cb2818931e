"""The command menu registered with setMyCommands, per chat kind and language, and the menu
of buttons that reaches every citizen feature without typing a command.

Each feature adds its commands here; descriptions live in ``labels.j2`` (``cmd_<command>``) so
the menu is translated like every other text. Commands must be Latin (Telegram's rule); the
buttons of :func:`home_view` carry Chinese labels, for people who type no English.
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

from bot.actions import MENU_ITEMS, ChooseLanguage, Open, ShowBanks
from bot.context import Services
from bot.domain.content import LANGUAGES
from bot.handlers.common import Button, View, keyboard
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
    MenuCommand("menu", ("private",)),
    MenuCommand("quiz", ("private",)),
    MenuCommand("stats", ("private",)),
    MenuCommand("leaderboard", ("private",)),
    MenuCommand("settings", ("private",)),
    MenuCommand("language", ("private", "group")),
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


def home_view(svc: Services, lang: str) -> View:
    """Every citizen feature as a button, two a row (``/menu``, and from /start and /help)."""
    label = svc.render.label
    items = [i for i in MENU_ITEMS if i != "campaign" or svc.content.catalog.campaigns]
    buttons: list[Button] = [(label(lang, "menu_quiz"), ShowBanks())]
    buttons += [(label(lang, f"menu_{item}"), Open(item)) for item in items]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(label(lang, "change_language"), ChooseLanguage())])
    return View(svc.render(lang, "home"), keyboard(rows))
