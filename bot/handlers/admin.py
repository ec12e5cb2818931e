"""Operator commands (OWNER_IDS only)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.domain.limits import MESSAGE_TEXT, tg_len
from bot.handlers.common import from_operator

MAX_PROBLEMS_SHOWN = 20


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    operator = await from_operator(update, context)
    if operator is None:
        return
    message, svc = operator
    lang = svc.settings.default_language
    result = svc.content.reload()
    catalog = svc.content.catalog
    # Errors first (they are why nothing changed), as many as fit one message.
    problems = [str(p) for p in (result.errors or result.problems)[:MAX_PROBLEMS_SHOWN]]
    while True:
        text = svc.render(
            lang,
            "reload_result",
            ok=result.ok,
            problems=problems,
            more=len(result.problems) - len(problems),
            errors=len(result.errors),
            banks=len(catalog.banks),
            questions=len(catalog.questions),
            lessons=len(catalog.lessons),
            version=catalog.version,
        )
        if tg_len(text) <= MESSAGE_TEXT or not problems:
            break
        problems.pop()
    await message.reply_text(text)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("reload", reload_command))
