"""A local Telegram Bot API emulator for handler tests, end-to-end tests and the preview."""

from bot.emulator.core import BotApiEmulator, BotApiError, FloodLimits
from bot.emulator.html import HtmlParseError, parse_html, plain_len

__all__ = [
    "BotApiEmulator",
    "BotApiError",
    "FloodLimits",
    "HtmlParseError",
    "parse_html",
    "plain_len",
]
