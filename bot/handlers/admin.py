"""Operator commands (OWNER_IDS only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.content.problems import Severity
from bot.handlers.common import from_operator, reply_list


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload content; the report's first page fits one message, the rest comes as a file."""
    operator = await from_operator(update, context)
    if operator is None:
        return
    message, svc = operator
    lang = svc.settings.default_language
    result = svc.content.reload()
    catalog = svc.content.catalog

    def page(shown: Sequence[str], more: int) -> str:
        return svc.render(
            lang,
            "reload_result",
            ok=result.ok,
            problems=shown,
            more=more,
            errors=len(result.errors),
            banks=len(catalog.banks),
            questions=len(catalog.questions),
            lessons=len(catalog.lessons),
            version=catalog.version,
        )

    # Errors first: they are why nothing changed.
    ranked = sorted(result.problems, key=lambda p: p.severity is not Severity.ERROR)
    problems = [str(p) for p in ranked]
    caption = svc.render.label(lang, "full_list_caption")
    await reply_list(message, page, problems, filename="content-problems.txt", caption=caption)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("reload", reload_command))
