"""Sending a scene picture: by Telegram's file id when it was uploaded before, else uploaded.

``PictureService`` keeps the PNG (in memory) and the file ids (in the database); this module is
the Telegram side. A file id Telegram refuses (a 400: another bot's id, a deleted file) falls
back to uploading the picture again, and the new id replaces the old one.
"""

from __future__ import annotations

import html
import logging
import re

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest

from bot.context import Services
from bot.domain.content import Question, Scene, scene_text
from bot.domain.limits import tg_len
from bot.scene_pictures import SceneLabels

log = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]+>")


def scene_labels(svc: Services, lang: str) -> SceneLabels:
    """The words a picture shows besides the scene, from ``labels.j2``."""
    label = svc.render.label
    return SceneLabels(
        sms=label(lang, "scene_sms"),
        today=label(lang, "scene_today"),
        chat_input=label(lang, "scene_chat_input"),
        incoming_call=label(lang, "scene_incoming_call"),
        captions=label(lang, "scene_captions"),
        decline=label(lang, "scene_decline"),
        accept=label(lang, "scene_accept"),
    )


def scenario_text(question: Question, lang: str) -> str | None:
    """A question's scenario as text: the editor's own words around a scene when written
    (they carry its context), else the scene's text version."""
    if question.scenario is not None:
        return question.scenario.get(lang)
    return scene_text(question.scene, lang) if question.scene is not None else None


def visible_len(text: str) -> int:
    """What Telegram counts of an HTML text: without tags, entities decoded (UTF-16 units)."""
    return tg_len(html.unescape(TAG.sub("", text)))


async def send_scene(
    bot: Bot,
    chat_id: int,
    svc: Services,
    scene: Scene,
    lang: str,
    *,
    caption: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send the scene's picture with ``caption``; each picture is uploaded once."""
    pictures, labels = svc.pictures, scene_labels(svc, lang)
    key = pictures.key(scene, lang, labels)
    known = await pictures.file_id(key)
    if known is not None:
        sent = await _by_file_id(bot, chat_id, known, caption, markup)
        if sent is not None:
            return sent
    async with pictures.upload_lock(key):
        latest = await pictures.file_id(key)
        if latest is not None and latest != known:  # uploaded meanwhile by someone else
            sent = await _by_file_id(bot, chat_id, latest, caption, markup)
            if sent is not None:
                return sent
        png = await pictures.png(scene, lang, labels)
        photo = InputFile(png, filename="scene.png")
        sent = await bot.send_photo(chat_id, photo, caption=caption, reply_markup=markup)
        await pictures.uploaded(key, sent.photo[-1].file_id, svc.clock())
        return sent


async def _by_file_id(
    bot: Bot, chat_id: int, file_id: str, caption: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    try:
        return await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=markup)
    except BadRequest as exc:
        log.info("a stored picture's file id was refused (%s): uploading it again", exc.message)
        return None
