"""A citizen's own data: stats, leaderboard, settings, language, export and deletion."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from telegram import InputFile, Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.actions import ChooseLanguage, Forget, SetLanguage, ShowName
from bot.context import Services
from bot.domain.content import LANGUAGES
from bot.domain.people import User
from bot.handlers.common import Button, View, edit, from_person, keyboard, reply
from bot.handlers.dispatch import Press, on
from bot.services.people import ForgetRefusal

PRIVATE = filters.ChatType.PRIVATE


def settings_view(svc: Services, user: User) -> View:
    lang, label = user.language, svc.render.label
    name_key = "hide_name" if user.show_name else "show_name"
    text = svc.render(lang, "settings", show_name=user.show_name, language=lang)
    rows: list[list[Button]] = [
        [(label(lang, name_key), ShowName(not user.show_name))],
        [(label(lang, "change_language"), ChooseLanguage())],
    ]
    return View(text, keyboard(rows))


def language_view(svc: Services, lang: str) -> View:
    buttons = [(svc.render.label(code, "language_name"), SetLanguage(code)) for code in LANGUAGES]
    return View(svc.render(lang, "language_prompt"), keyboard([buttons]))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await send_stats(who.message, who.svc, who.user)


async def send_stats(message: Message, svc: Services, user: User) -> None:
    """``/stats`` and the menu's "我的学习进度"."""
    view = await svc.people.stats(user)
    user = view.user
    text = svc.render(
        user.language,
        "stats",
        answered=user.answered,
        accuracy=view.accuracy,
        topics=view.topics,
        streak=view.streak,
        best=user.streak_best,
        points=user.points,
        rank=view.rank,
        users=view.users,
    )
    await message.reply_text(text)


async def leaderboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await send_leaderboard(who.message, who.svc, who.user)


async def send_leaderboard(message: Message, svc: Services, user: User) -> None:
    view = await svc.people.leaderboard(user)
    me = view.me.user_id
    rows = [
        {"rank": r.rank, "name": r.display_name, "points": r.points, "me": r.user_id == me}
        for r in view.rows
    ]
    text = svc.render(
        user.language,
        "leaderboard",
        rows=rows,
        my_rank=view.my_rank,
        my_points=view.me.points,
        show_name=view.me.show_name,
    )
    await message.reply_text(text)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await reply(who.message, settings_view(who.svc, who.user))


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await reply(who.message, language_view(who.svc, who.lang))


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await send_mydata(who.message, who.svc, who.user)


async def send_mydata(message: Message, svc: Services, user: User) -> None:
    """``/mydata`` and the menu's "我的数据（文件）": everything stored about the person."""
    filename, payload = await svc.people.export(user)
    await message.reply_document(
        InputFile(BytesIO(payload), filename=filename),
        caption=svc.render(user.language, "mydata_caption"),
    )


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is not None:
        await ask_forget(who.message, who.svc, who.user)


async def ask_forget(message: Message, svc: Services, user: User) -> None:
    """Ask first; only a press on this very message, by this person, deletes anything."""
    lang, user_id = user.language, user.user_id
    rows = [
        [(svc.render.label(lang, "forget_yes"), Forget(True, user_id))],
        [(svc.render.label(lang, "forget_no"), Forget(False, user_id))],
    ]
    sent = await message.reply_text(
        svc.render(lang, "forget_confirm"), reply_markup=keyboard(rows)
    )
    await svc.people.forget_prompted(user_id, sent.message_id)


@on(Forget)
async def confirm_forget(press: Press, action: Forget) -> None:
    lang = await press.language()  # read before the deletion: the reply is in their language
    outcome = await press.svc.people.forget(press.origin, action.user, action.confirm)
    if isinstance(outcome, ForgetRefusal) or press.message is None:
        key = "toast_forget_not_yours" if outcome is ForgetRefusal.NOT_YOURS else "toast_stale"
        await press.refuse(key)
        return
    await press.answer()
    done = "forget_done" if action.confirm else "forget_cancelled"
    await edit(press.message, View(press.svc.render(lang, done)))


@on(SetLanguage)
async def set_language(press: Press, action: SetLanguage) -> None:
    if not press.origin.own_private_chat:
        await press.refuse("toast_not_yours")
        return
    user = await press.svc.people.set_language(press.origin, action.language)
    if user is None or press.message is None:
        await press.refuse("toast_start")
        return
    await press.answer()
    await edit(press.message, View(press.svc.render(user.language, "language_set")))


@on(ChooseLanguage)
async def choose_language(press: Press, action: ChooseLanguage) -> None:
    if press.message is None or not press.origin.own_private_chat:
        await press.refuse("toast_not_yours")
        return
    await press.answer()
    await reply(press.message, language_view(press.svc, await press.language()))


@on(ShowName)
async def show_name(press: Press, action: ShowName) -> None:
    if not press.origin.own_private_chat:
        await press.refuse("toast_not_yours")
        return
    user = await press.svc.people.show_name(press.origin, action.show, press.tg_user.full_name)
    if user is None or press.message is None:
        await press.refuse("toast_start")
        return
    await press.toast(user.language, "saved")
    await edit(press.message, settings_view(press.svc, user))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("stats", stats, filters=PRIVATE))
    app.add_handler(CommandHandler("leaderboard", leaderboard, filters=PRIVATE))
    app.add_handler(CommandHandler("settings", settings_command, filters=PRIVATE))
    app.add_handler(CommandHandler("language", language_command, filters=PRIVATE))
    app.add_handler(CommandHandler("mydata", mydata, filters=PRIVATE))
    app.add_handler(CommandHandler("forget", forget, filters=PRIVATE))
