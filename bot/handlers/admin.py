"""Operator commands (OWNER_IDS only)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.context import services

MAX_PROBLEMS_SHOWN = 20


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    lang = svc.settings.default_language
    if not svc.is_owner(user.id):
        await message.reply_text(svc.render(lang, "owner_only"))
        return
    result = svc.content.reload()
    catalog = svc.content.catalog
    await message.reply_text(
        svc.render(
            lang,
            "reload_result",
            ok=result.ok,
            problems=[str(p) for p in result.problems[:MAX_PROBLEMS_SHOWN]],
            more=max(0, len(result.problems) - MAX_PROBLEMS_SHOWN),
            errors=len(result.errors),
            banks=len(catalog.banks),
            questions=len(catalog.questions),
            lessons=len(catalog.lessons),
            version=catalog.version,
        )
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("reload", reload_command))
