"""Help in the moment: "is this a scam?" (any text in private chat, /check) and /sos.

This module owns what the bot does with messages in private chat that are not commands: a text
or caption is checked by ``CheckerService`` and answered on one phone screen; a greeting gets
the menu; a photo, a voice message or a sticker gets a short note. An album or a burst of
forwards gets one reply (the service says when to edit it instead). In a group, ``/check`` in
reply to a message checks that one message, briefly. A reply to a reply prompt never gets
here (``bot.handlers.prompts`` runs first); an unknown command gets the menu (``fallback``,
registered after every other command).

Privacy: handlers pass the text to the service and drop it; nothing here logs it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from telegram import Message, Update
from telegram import User as TgUser
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.actions import ChooseBank, ShowLesson, ShowSos
from bot.context import Services, services
from bot.domain.checker import Risk, Verdict
from bot.domain.incoming import Content, Incoming, Outcome, content_of
from bot.handlers.common import Button, Link, View, from_person, is_not_modified, keyboard, reply
from bot.handlers.dispatch import Press, on
from bot.handlers.prompts import PromptReply, ask, prompt_kind
from bot.handlers.quiz import bank_rows
from bot.services.checker import LessonView, Reply, Sender

PRIVATE = filters.ChatType.PRIVATE
NEW = filters.UpdateType.MESSAGE
# One phone screen: the reply is cut (fewer signs) until it fits both.
SCREEN_CHARS = 700
SCREEN_LINES = 15
PRIVATE_SIGNS = 3
GROUP_SIGNS = 2
QUOTE_CHARS = 30
LABEL_TITLE_CHARS = 28
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


# --- views: what each message says and which buttons it has --------------------------------


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters; English is cut between words."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and text[limit - 1].isascii() and text[limit - 1].isalnum():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.:;") + "…"


def on_screen(text: str) -> tuple[int, int]:
    """(characters, lines) of a message as the phone shows it (HTML tags and entities gone)."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain), plain.count("\n") + 1


def fits(text: str) -> bool:
    chars, lines = on_screen(text)
    return chars <= SCREEN_CHARS and lines <= SCREEN_LINES


def verdict_text(svc: Services, lang: str, verdict: Verdict, template: str, most: int) -> str:
    """The verdict with as many signs (at most ``most``) as fit one phone screen."""
    shown = min(most, len(verdict.findings))
    while True:
        signs = [
            {"quote": shorten(f.safe_quote, QUOTE_CHARS), "explanation": f.explanation.get(lang)}
            for f in verdict.findings[:shown]
        ]
        text = svc.render(
            lang,
            template,
            risk=verdict.risk.value,
            signs=signs,
            more=len(verdict.findings) - shown,
            money_gone=verdict.money_gone,
            truncated=verdict.truncated,
        )
        if shown <= 1 or fits(text):
            return text
        shown -= 1


def urgent(verdict: Verdict) -> bool:
    """High risk, or money already gone: /sos is offered."""
    return verdict.risk is Risk.HIGH or verdict.money_gone


def verdict_rows(svc: Services, lang: str, verdict: Verdict) -> list[list[Button]]:
    """Flagged (high or medium): the lesson and a quiz on that kind of fraud; urgent: /sos.
    A low score's one weak sign links nothing (its lesson would rarely be the right one)."""
    label = svc.render.label
    rows: list[list[Button]] = []
    lesson_title = svc.checker.lesson_title(verdict.lesson, lang)
    if verdict.risk.flagged and verdict.lesson and lesson_title:
        title = shorten(lesson_title, LABEL_TITLE_CHARS)
        rows.append([(label(lang, "checker_btn_lesson", title), ShowLesson(verdict.lesson))])
    bank_title = svc.checker.bank_title(verdict.bank, lang)
    if verdict.risk.flagged and verdict.bank and bank_title:
        title = shorten(bank_title, LABEL_TITLE_CHARS)
        rows.append([(label(lang, "checker_btn_quiz", title), ChooseBank(verdict.bank))])
    if urgent(verdict):
        rows.append([(label(lang, "checker_btn_sos"), ShowSos())])
    return rows


def menu_rows(svc: Services, lang: str) -> list[list[Button]]:
    return [*bank_rows(svc, lang), [(svc.render.label(lang, "checker_btn_sos"), ShowSos())]]


def reply_view(svc: Services, lang: str, outcome: Outcome) -> View:
    """The one reply to a private message (or burst), by what it held."""
    if outcome.content is Content.TEXT:
        verdict = outcome.verdict
        if verdict is None:
            return View(svc.render(lang, "checker_unavailable"))
        text = verdict_text(svc, lang, verdict, "checker_verdict", PRIVATE_SIGNS)
        return View(text, keyboard(verdict_rows(svc, lang, verdict)))
    if outcome.content is Content.PHOTO:
        return View(svc.render(lang, "checker_photo"))
    if outcome.content is Content.VOICE:
        return View(svc.render(lang, "checker_voice"))
    key = "checker_greeting" if outcome.content is Content.GREETING else "checker_other"
    return View(svc.render(lang, key), keyboard(menu_rows(svc, lang)))


def group_view(svc: Services, lang: str, verdict: Verdict | None, username: str) -> View:
    """Brief, for everyone in the group: no button opens a private screen there, a deep link
    to the private chat instead."""
    if verdict is None:
        return View(svc.render(lang, "checker_unavailable"))
    text = verdict_text(svc, lang, verdict, "checker_group", GROUP_SIGNS)
    sos = urgent(verdict)
    label = svc.render.label(lang, "checker_btn_private_sos" if sos else "checker_btn_private")
    link = Link(f"https://t.me/{username}?start={'sos' if sos else 'check'}")
    return View(text, keyboard([[(label, link)]]))


def sos_view(svc: Services, lang: str) -> View:
    return View(svc.render(lang, "sos"))


def lesson_view(svc: Services, lang: str, shown: LessonView) -> View:
    lesson = shown.lesson
    text = svc.render(
        lang,
        "checker_lesson",
        title=lesson.title.get(lang),
        body=lesson.body.get(lang),
        takeaways=[t.get(lang) for t in lesson.takeaways],
        action=lesson.action.get(lang),
        source=lesson.source.get(lang),
    )
    rows: list[list[Button]] = []
    if shown.bank is not None:
        rows.append([(svc.render.label(lang, "lesson_full_quiz"), ChooseBank(shown.bank))])
    return View(text, keyboard(rows))


# --- decoding -------------------------------------------------------------------------------


def incoming_of(message: Message) -> Incoming:
    """What the checker needs of a private message (the text is only passed on)."""
    text = message.text or message.caption
    picture = bool(message.photo or message.video or message.animation)
    sound = bool(message.voice or message.audio or message.video_note)
    return Incoming(
        chat_id=message.chat.id,
        message_id=message.message_id,
        date=int(message.date.timestamp()),
        content=content_of(text, picture=picture, sound=sound),
        text=text or "",
        media_group=message.media_group_id,
        forwarded=message.forward_origin is not None,
    )


def sender_of(tg_user: TgUser) -> Sender:
    return Sender(tg_user.id, tg_user.language_code, tg_user.full_name)


def text_of(message: Message | None) -> str | None:
    if message is None:
        return None
    text = message.text or message.caption
    return text if text and text.strip() else None


def command_rest(message: Message) -> str | None:
    """What follows ``/check`` in the same message, line breaks kept."""
    text, entities = message.text or "", message.entities
    if not entities or entities[0].offset != 0:
        return None
    rest = text[entities[0].length :].strip()
    return rest or None


# --- sending --------------------------------------------------------------------------------


async def edit_reply(message: Message, reply_id: int, view: View) -> None:
    """A burst's later message: the one reply is edited to say what the burst holds."""
    try:
        await message.get_bot().edit_message_text(
            view.text, chat_id=message.chat.id, message_id=reply_id, reply_markup=view.markup
        )
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


# --- private chat ---------------------------------------------------------------------------


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any private message that is not a command (and not a reply to a prompt)."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    svc = services(context)
    incoming = incoming_of(message)
    answer = await svc.checker.receive(sender_of(tg_user), incoming)
    if answer is None:
        return  # answered already: a redelivery, or a burst whose reply says it all
    view = reply_view(svc, answer.language, answer.outcome)
    if answer.edit is not None:
        await edit_reply(message, answer.edit, view)
        return
    sent = await reply(message, view)
    await svc.checker.replied(incoming, sent.message_id)


async def check_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/check: in a group, of the message it replies to; in private, of that or its own text."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    svc = services(context)
    if message.chat.type != ChatType.PRIVATE:
        await check_in_group(message, svc)
        return
    text = text_of(message.reply_to_message) or command_rest(message)
    if text is None:
        lang = await svc.people.language_of(tg_user.id, tg_user.language_code)
        placeholder = svc.render.label(lang, "checker_placeholder")
        intro = svc.render(lang, "checker_intro")
        await ask(message, svc, tg_user.id, "check", intro, placeholder=placeholder)
        return
    answer = await svc.checker.check_for(sender_of(tg_user), text)
    await reply(message, reply_view(svc, answer.language, answer.outcome))


async def check_in_group(message: Message, svc: Services) -> None:
    lang = svc.settings.default_language
    target = message.reply_to_message
    if target is None:
        await message.reply_text(svc.render(lang, "checker_group_usage"))
        return
    text = text_of(target)
    if text is None:
        await message.reply_text(svc.render(lang, "checker_no_text"))
        return
    verdict = await svc.checker.check(text)
    await reply(message, group_view(svc, lang, verdict, message.get_bot().username))


@prompt_kind("check")
async def check_reply(answer: PromptReply) -> None:
    """A reply to /check's prompt: checked like any text (the prompt only invited it)."""
    tg_user = answer.message.from_user
    if tg_user is None:
        return
    result: Reply = await answer.svc.checker.check_for(sender_of(tg_user), answer.text)
    await reply(answer.message, reply_view(answer.svc, result.language, result.outcome))


async def sos_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sos: the steps, in private chat and in groups alike (nothing in them is personal)."""
    message, tg_user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or tg_user is None or chat is None:
        return
    svc = services(context)
    lang = svc.settings.default_language
    if chat.type == ChatType.PRIVATE:
        lang = await svc.people.language_of(tg_user.id, tg_user.language_code)
    await reply(message, sos_view(svc, lang))


async def start_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start sos`` and ``/start check``: the deep links of the group replies."""
    who = await from_person(update, context)
    if who is None:
        return
    if context.args and context.args[0] == "sos":
        await reply(who.message, sos_view(who.svc, who.lang))
        return
    await who.message.reply_text(who.svc.render(who.lang, "checker_intro"))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler took (a typo, an old one): say so, show the menu."""
    who = await from_person(update, context)
    if who is None:
        return
    word = (who.message.text or "/").split()[0].split("@")[0][:32]
    text = who.svc.render(who.lang, "checker_unknown_command", command=word)
    await reply(who.message, View(text, keyboard(menu_rows(who.svc, who.lang))))


# --- buttons --------------------------------------------------------------------------------


@on(ShowSos)
async def show_sos(press: Press, action: ShowSos) -> None:
    if press.message is None or not press.origin.own_private_chat:
        await press.refuse("checker_toast_private")
        return
    await press.answer()
    await reply(press.message, sos_view(press.svc, await press.language()))


@on(ShowLesson)
async def show_lesson(press: Press, action: ShowLesson) -> None:
    shown = press.svc.checker.lesson(press.origin, action.lesson)
    if shown is None or press.message is None:
        own = press.origin.own_private_chat
        await press.refuse("checker_toast_lesson_gone" if own else "checker_toast_private")
        return
    await press.answer()
    await reply(press.message, lesson_view(press.svc, await press.language(), shown))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before the quiz's handlers: ``/start sos`` must not reach the quiz's ``/start``."""
    links = filters.Regex(r"^/start(@\w+)?\s+(sos|check)\s*$")
    app.add_handler(CommandHandler("start", start_link, filters=PRIVATE & links))
    app.add_handler(CommandHandler("check", check_command))
    app.add_handler(CommandHandler("sos", sos_command))
    private = PRIVATE & NEW & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(private, private_message))


def register_fallback(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Last in group 0: a private command that no other handler took."""
    app.add_handler(MessageHandler(PRIVATE & NEW & filters.COMMAND, unknown_command))
