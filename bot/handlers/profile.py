"""A citizen's own data: stats, leaderboard, settings, language, export and deletion."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from telegram import InputFile, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.context import Services, services
from bot.domain.content import LANGUAGES
from bot.handlers.common import data, display_name, from_person, keyboard, person, toast
from bot.handlers.quiz import quiz_service
from bot.storage.repository import User

PRIVATE = filters.ChatType.PRIVATE
LEADERBOARD_SIZE = 10


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, svc, user = who.message, who.svc, who.user
    lang = user.language
    titles = topic_titles(svc, lang)
    topics = [
        {
            "title": titles.get(stat.topic, stat.topic),
            "answered": stat.answered,
            "accuracy": round(100 * stat.correct / stat.answered) if stat.answered else 0,
        }
        for stat in await svc.repo.people.topic_stats(user.user_id)
    ]
    await message.reply_text(
        svc.render(
            lang,
            "stats",
            answered=user.answered,
            accuracy=round(100 * user.correct / user.answered) if user.answered else 0,
            topics=topics,
            streak=quiz_service(svc).streak_today(user, svc.clock()),
            best=user.streak_best,
            points=user.points,
            rank=await svc.repo.people.rank_of(user.user_id),
            users=await svc.repo.people.user_count(),
        )
    )


def topic_titles(svc: Services, lang: str) -> dict[str, str]:
    """A topic's name is the title of its first bank in menu order."""
    titles: dict[str, str] = {}
    for bank in sorted(svc.content.catalog.banks.values(), key=lambda b: (b.order, b.id)):
        titles.setdefault(bank.topic, bank.title.get(lang))
    return titles


async def leaderboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, svc, user = who.message, who.svc, who.user
    top = await svc.repo.people.top_users(LEADERBOARD_SIZE)
    await message.reply_text(
        svc.render(
            user.language,
            "leaderboard",
            rows=[
                {
                    "rank": r.rank,
                    "name": r.display_name,
                    "points": r.points,
                    "me": r.user_id == user.user_id,
                }
                for r in top
            ],
            my_rank=await svc.repo.people.rank_of(user.user_id) if user.points > 0 else None,
            my_points=user.points,
            show_name=user.show_name,
        )
    )


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, svc, user = who.message, who.svc, who.user
    await message.reply_text(**settings_view(svc, user))


def settings_view(svc: Services, user: User) -> dict[str, Any]:
    lang = user.language
    return {
        "text": svc.render(lang, "settings", show_name=user.show_name, language=lang),
        "reply_markup": keyboard(
            [
                [
                    (
                        svc.render.label(lang, "hide_name" if user.show_name else "show_name"),
                        data("set", "name", 0 if user.show_name else 1),
                    )
                ],
                [(svc.render.label(lang, "change_language"), data("set", "lang"))],
            ]
        ),
    }


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, svc, user = who.message, who.svc, who.user
    await send_language_prompt(message, svc, user.language)


async def send_language_prompt(message: Message, svc: Services, lang: str) -> None:
    await message.reply_text(
        svc.render(lang, "language_prompt"),
        reply_markup=keyboard(
            [[(svc.render.label(code, "language_name"), data("lang", code)) for code in LANGUAGES]]
        ),
    )


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    message, svc, user = who.message, who.svc, who.user
    exported = await svc.repo.privacy.export_user(user.user_id)
    payload = json.dumps(
        {"exported_at": svc.clock().isoformat(), "data": exported},
        ensure_ascii=False,
        indent=2,
        default=str,
    ).encode()
    await message.reply_document(
        InputFile(BytesIO(payload), filename=f"quizbot-mydata-{user.user_id}.json"),
        caption=svc.render(user.language, "mydata_caption"),
    )


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    svc = services(context)
    user = await svc.repo.people.get_user(tg_user.id)
    lang = user.language if user else svc.settings.default_language
    await message.reply_text(
        svc.render(lang, "forget_confirm"),
        reply_markup=keyboard(
            [
                [(svc.render.label(lang, "forget_yes"), data("fg", "yes", tg_user.id))],
                [(svc.render.label(lang, "forget_no"), data("fg", "no", tg_user.id))],
            ]
        ),
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, tg_user = update.callback_query, update.effective_user
    if query is None or tg_user is None or query.data is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    svc = services(context)
    kind, *parts = query.data.split(":")
    if kind == "fg":
        # Deleting must not recreate the person, so read without ensure_user.
        stored = await svc.repo.people.get_user(tg_user.id)
        lang = stored.language if stored else svc.settings.default_language
        if len(parts) != 2 or parts[0] not in {"yes", "no"} or parts[1] != str(tg_user.id):
            await toast(update, svc.render.label(lang, "toast_not_yours"))
            return
        await query.answer()
        if message is not None:
            if parts[0] == "yes":
                await svc.repo.privacy.delete_user(tg_user.id)
                await message.edit_text(svc.render(lang, "forget_done"))
            else:
                await message.edit_text(svc.render(lang, "forget_cancelled"))
        return
    user = await person(svc, tg_user)
    if kind == "lang" and len(parts) == 1 and parts[0] in LANGUAGES:
        await svc.repo.people.set_language(user.user_id, parts[0])
        await query.answer()
        if message is not None:
            await message.edit_text(svc.render(parts[0], "language_set"))
        return
    if kind == "set" and parts == ["lang"]:
        await query.answer()
        if message is not None:
            await send_language_prompt(message, svc, user.language)
        return
    if kind == "set" and len(parts) == 2 and parts[0] == "name" and parts[1] in {"0", "1"}:
        show = parts[1] == "1"
        await svc.repo.people.set_show_name(
            user.user_id, show, display_name(tg_user) if show else None
        )
        await query.answer(svc.render.label(user.language, "saved"))
        updated = await svc.repo.people.get_user(user.user_id)
        if message is not None and updated is not None:
            await message.edit_text(**settings_view(svc, updated))
        return
    await toast(update, svc.render.label(user.language, "toast_invalid"))


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data no handler recognises (forged, or from an older version of the bot)."""
    svc = services(context)
    await toast(update, svc.render.label(svc.settings.default_language, "toast_invalid"))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("stats", stats, filters=PRIVATE))
    app.add_handler(CommandHandler("leaderboard", leaderboard, filters=PRIVATE))
    app.add_handler(CommandHandler("settings", settings_command, filters=PRIVATE))
    app.add_handler(CommandHandler("language", language_command, filters=PRIVATE))
    app.add_handler(CommandHandler("mydata", mydata, filters=PRIVATE))
    app.add_handler(CommandHandler("forget", forget, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(fg|lang|set):"))


def register_fallbacks(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Registered last: within a group PTB runs the first handler that matches."""
    app.add_handler(CallbackQueryHandler(unknown_button))
