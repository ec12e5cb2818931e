"""Campaigns in chat: joining by a unit's link, ``/campaign`` and attempts, certificates,
``/verify``, the organizers' commands, and the job that closes attempts and announces ends.

An attempt is a private quiz session: its questions and answers go through the quiz screens
and the one answer path of ``bot.handlers.quiz``; ``CampaignService`` rules when it starts and
ends. What the messages look like is in ``bot.handlers.campaign_views``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram import Bot, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.actions import (
    Action,
    CampaignBoard,
    ChangeUnit,
    GetCertificate,
    LessonMenu,
    ShowCampaign,
    StartAttempt,
)
from bot.campaign_render import (
    CertificateView,
    Labels,
    certificate_picture,
    poster_picture,
    report_dashboard,
    report_workbook,
)
from bot.context import Services, services
from bot.domain.campaign_stats import CampaignReport
from bot.domain.campaigns import Unit
from bot.domain.content import Catalog
from bot.handlers.campaign_views import (
    closed_view,
    local,
    plain,
    share_link,
    status_view,
)
from bot.handlers.common import Button, View, edit, from_person, keyboard, offers, reply, run_every
from bot.handlers.dispatch import Press, on
from bot.handlers.quiz import bank_rows, private_only, send_shown
from bot.ratelimit import Priority, priority
from bot.services.campaigns import (
    AttemptRefused,
    BindRefusal,
    Bound,
    CampaignLinks,
    CertificateRefusal,
    ChangeOffer,
    ChooseCampaign,
    FinalResults,
    IssuedCertificate,
    Joined,
    JoinRefused,
    attempt_time_left,
)
from bot.services.people import clean_name
from bot.services.quiz import AttemptShown

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
JOIN_LINK = filters.Regex(r"^/start(@\w+)?\s+C-")
"""``/start C-…``: a unit's deep link (bank ids are lower case, so never ``C-``)."""
ORGANIZER_COMMANDS = ("campaign_report", "campaign_links")
JOB_NAME = "campaigns"
JOB_INTERVAL_SECONDS = 30


# --- joining -----------------------------------------------------------------------------------


def join_view(svc: Services, lang: str, outcome: Joined | ChangeOffer | JoinRefused) -> View:
    """The answer to a unit's link: joined, the one change of unit offered, or why not (with
    the bank menu, so the person can still practise)."""
    label, render = svc.render.label, svc.render
    if isinstance(outcome, JoinRefused):
        text = render(
            lang, "campaign_join", outcome="refused", reason=outcome.reason.value,
            campaign=outcome.campaign, unit=outcome.unit, opens_on=outcome.opens_on,
        )  # fmt: skip
        return View(text, keyboard(bank_rows(svc, lang)))
    campaign = outcome.campaign
    if isinstance(outcome, ChangeOffer):
        proposed = outcome.proposed
        text = render(lang, "campaign_join", outcome="offer", campaign=campaign, unit=proposed,
                      current=outcome.current)  # fmt: skip
        change = plain(label(lang, "campaign_btn_change", proposed.name.get(lang)))
        rows: list[list[Button]] = [
            [(change, ChangeUnit.to(campaign.id, proposed.id))],
            [(label(lang, "campaign_btn_keep"), ShowCampaign(campaign.id))],
        ]
        return View(text, keyboard(rows))
    kind = "changed" if outcome.changed else "joined" if outcome.new else "already"
    text = render(lang, "campaign_join", outcome=kind, campaign=campaign, unit=outcome.unit)
    rows = [[(label(lang, "campaign_btn_start"), StartAttempt(campaign.id))]]
    if outcome.new:
        rows.append([(label(lang, "lesson_btn_subscribe"), LessonMenu("sub"))])
    return View(text, keyboard(rows))


async def join_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start C-<campaign>-U-<unit>``: join the unit (or offer the one change)."""
    who = await from_person(update, context)
    if who is None:
        return
    payload = context.args[0] if context.args else ""
    outcome = await who.svc.campaigns.join(who.user.user_id, payload, who.svc.clock())
    await reply(who.message, join_view(who.svc, who.lang, outcome))


# --- /campaign and attempts --------------------------------------------------------------------


async def campaign_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who = await from_person(update, context)
    if who is None:
        return
    wanted = context.args[0] if context.args else None
    await send_statuses(who.message, who.svc, who.lang, who.user.user_id, wanted)


async def send_statuses(
    message: Message, svc: Services, lang: str, user_id: int, wanted: str | None
) -> None:
    statuses = await svc.campaigns.overview(user_id, wanted, svc.clock())
    if not statuses:
        await message.reply_text(svc.render(lang, "campaign_none"))
    for status in statuses:
        await reply(message, status_view(svc, lang, status))


async def guarded(press: Press, action: Action) -> tuple[Message, str] | None:
    """The message and the presser's language when the press is theirs to make: a known
    person, in their own private chat, on a message that offers this very button."""
    message = press.message
    if message is None or not press.origin.own_private_chat:
        await press.refuse("campaign_toast_not_yours")
        return None
    user = await press.svc.people.known(press.tg_user.id)
    if user is None:
        await press.refuse("toast_start")  # a press never creates a person
        return None
    if not offers(message, action):
        await press.refuse("campaign_toast_stale")
        return None
    return message, user.language


def refused_text(svc: Services, lang: str, refused: AttemptRefused) -> str:
    campaign = refused.campaign
    return svc.render(
        lang, "campaign_attempt", outcome="refused", reason=refused.reason.value,
        campaign=campaign, opens_local=local(refused.opens_at, campaign) if campaign else None,
    )  # fmt: skip


@on(StartAttempt)
async def start_attempt(press: Press, action: StartAttempt) -> None:
    found = await guarded(press, action)
    if found is None:
        return
    message, lang = found
    svc, now = press.svc, press.svc.clock()
    outcome = await svc.quiz.start_attempt(press.tg_user.id, action.campaign, now)
    await press.answer()
    if isinstance(outcome, AttemptRefused):
        await message.reply_text(refused_text(svc, lang, outcome))
        return
    await message.reply_text(attempt_intro(svc, lang, outcome, now))
    await send_shown(message, svc, lang, outcome.shown)


def attempt_intro(svc: Services, lang: str, shown: AttemptShown, now: datetime) -> str:
    started = shown.started
    return svc.render(
        lang, "campaign_attempt", outcome="resumed" if started.resumed else "started",
        campaign=started.campaign, left_today=started.left_today,
        seconds_left=int(attempt_time_left(started.attempt, now).total_seconds()),
    )  # fmt: skip


@on(ChangeUnit)
async def change_unit(press: Press, action: ChangeUnit) -> None:
    ids = action.ids
    found = await guarded(press, action) if ids is not None else None
    if ids is None or found is None:
        await press.refuse("toast_invalid")  # a no-op when guarded() has already answered
        return
    message, lang = found
    svc = press.svc
    outcome = await svc.campaigns.change_unit(press.tg_user.id, ids[0], ids[1], svc.clock())
    await press.answer()
    await edit(message, join_view(svc, lang, outcome))


@on(ShowCampaign)
async def show_campaign(press: Press, action: ShowCampaign) -> None:
    found = await guarded(press, action)
    if found is None:
        return
    await press.answer()
    message, lang = found
    await send_statuses(message, press.svc, lang, press.tg_user.id, action.campaign)


@on(CampaignBoard)
async def show_board(press: Press, action: CampaignBoard) -> None:
    found = await guarded(press, action)
    if found is None:
        return
    message, lang = found
    svc = press.svc
    board = await svc.campaigns.board(action.campaign)
    campaign = svc.campaigns.campaign(action.campaign)
    if board is None or campaign is None:
        await press.refuse("campaign_toast_unknown_campaign")
        return
    await press.answer()
    text = svc.render(lang, "campaign_board", campaign=campaign, board=board, final=False,
                      top=[], summary=None)  # fmt: skip
    await message.reply_text(text)


# --- certificates ------------------------------------------------------------------------------


@on(GetCertificate)
async def get_certificate(press: Press, action: GetCertificate) -> None:
    """The certificate; the person's name only when they chose to show it."""
    found = await guarded(press, action)
    if found is None:
        return
    message, lang = found
    svc = press.svc
    name = clean_name(press.tg_user.full_name, "") if action.named else None
    issued = await svc.campaigns.issue_certificate(
        press.tg_user.id, action.campaign, svc.clock(), name=name or None
    )
    if isinstance(issued, CertificateRefusal):
        await press.refuse(f"campaign_toast_{issued.value}")
        return
    await press.answer()
    await send_certificate(message, svc, lang, issued)


async def send_certificate(
    message: Message, svc: Services, lang: str, issued: IssuedCertificate
) -> None:
    cert, unit = issued.certificate, issued.unit
    view = CertificateView(issued.campaign.title, unit.name if unit else None)
    png = await asyncio.to_thread(certificate_picture, cert, view, Labels(svc.render, lang))
    username = message.get_bot().username
    caption = svc.render(lang, "campaign_certificate", campaign=issued.campaign, unit=unit,
                         certificate=cert, bot_username=username)  # fmt: skip
    share = share_link(svc, lang, issued, username)
    await message.reply_photo(
        InputFile(png, filename=f"certificate-{cert.code}.png"),
        caption=caption,
        reply_markup=keyboard([[(svc.render.label(lang, "campaign_btn_share"), share)]]),
    )


async def verify_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/verify CODE``: anyone may check a certificate, a few times in ten minutes."""
    message, tg_user = update.effective_message, update.effective_user
    if message is None or tg_user is None:
        return
    svc = services(context)
    lang = await svc.people.language_of(tg_user.id, tg_user.language_code)
    text = " ".join(context.args or [])
    result = await svc.campaigns.verify(tg_user.id, text, svc.clock())
    await message.reply_text(svc.render(lang, "campaign_verify", result=result))


# --- organizers --------------------------------------------------------------------------------


def organizer_text(
    svc: Services, lang: str, found: BindRefusal | ChooseCampaign, command: str
) -> str:
    """Why an organizer's command did nothing, or which campaigns to choose from."""
    if isinstance(found, ChooseCampaign):
        return svc.render(lang, "campaign_organizer", outcome="choose",
                          campaigns=found.campaigns, command=command)  # fmt: skip
    return svc.render(lang, "campaign_organizer", outcome=found.value, campaign=None)


def report_files(report: CampaignReport, catalog: Catalog, label: Labels) -> tuple[bytes, bytes]:
    """The workbook and the dashboard picture (CPU work: run in a thread)."""
    return report_workbook(report, catalog, label), report_dashboard(report, catalog, label)


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/campaign_report [id]``: the board, the workbook and the dashboard, privately."""
    who = await from_person(update, context)
    if who is None:
        return
    svc, lang, message = who.svc, who.lang, who.message
    wanted = context.args[0] if context.args else None
    found = await svc.campaigns.organizer_report(who.user.user_id, wanted, svc.clock())
    if not isinstance(found, CampaignReport):
        await message.reply_text(organizer_text(svc, lang, found, "campaign_report"))
        return
    campaign, label = found.campaign, Labels(svc.render, lang)
    xlsx, png = await asyncio.to_thread(report_files, found, svc.content.catalog, label)
    board = [u.standing for u in found.units]
    await message.reply_text(svc.render(lang, "campaign_board", campaign=campaign, board=board,
                                        final=False, top=[], summary=None))  # fmt: skip
    day = local(found.generated_at, campaign)
    stem = f"{campaign.id}-{day:%Y-%m-%d}" if day else campaign.id
    caption = svc.render(lang, "campaign_organizer", outcome="report", campaign=campaign,
                         summary=found.summary)  # fmt: skip
    await message.reply_document(InputFile(xlsx, filename=f"{stem}.xlsx"), caption=caption)
    await message.reply_photo(InputFile(png, filename=f"{stem}.png"))


async def links_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/campaign_links [id]``: every unit's deep link, and its QR poster to print."""
    who = await from_person(update, context)
    if who is None:
        return
    svc, lang, message = who.svc, who.lang, who.message
    wanted = context.args[0] if context.args else None
    found = svc.campaigns.organizer_links(who.user.user_id, wanted, context.bot.username)
    if not isinstance(found, CampaignLinks):
        await message.reply_text(organizer_text(svc, lang, found, "campaign_links"))
        return
    await message.reply_text(svc.render(lang, "campaign_organizer", outcome="links",
                                        campaign=found.campaign, links=found.links))  # fmt: skip
    await send_posters(message, svc, lang, found)


async def send_posters(message: Message, svc: Services, lang: str, found: CampaignLinks) -> None:
    label = Labels(svc.render, lang)
    for link in found.links:
        png = await asyncio.to_thread(poster_picture, link, found.campaign.title, label)
        caption = svc.render(lang, "campaign_organizer", outcome="poster",
                             campaign=found.campaign, unit=link.unit, url=link.url)  # fmt: skip
        await message.reply_photo(InputFile(png, filename=f"{link.unit.id}.png"), caption=caption)


async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/campaign_group <campaign> <unit>`` in a group binds it to the unit (``off``: no
    more); its event players then count towards the unit's reach, never its scores."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    svc, args = services(context), context.args or []
    lang = svc.settings.default_language
    campaign = svc.campaigns.campaign(args[0]) if args else None
    if chat.type == ChatType.PRIVATE or len(args) != 2:
        units = campaign.units if campaign else ()
        text = svc.render(lang, "campaign_organizer", outcome="usage", campaign=campaign,
                          units=units)  # fmt: skip
        await message.reply_text(text)
        return
    outcome, unit = await bind(svc, user.id, chat.id, args[0], args[1])
    await message.reply_text(svc.render(lang, "campaign_organizer", outcome=outcome,
                                        campaign=campaign, unit=unit))  # fmt: skip


async def bind(
    svc: Services, user_id: int, chat_id: int, campaign_id: str, unit_id: str
) -> tuple[str, Unit | None]:
    """What ``/campaign_group`` did, as the template's outcome, and the unit bound."""
    if unit_id.lower() == "off":
        done = await svc.campaigns.unbind_group(user_id, chat_id, campaign_id)
        if isinstance(done, BindRefusal):
            return done.value, None
        return ("unbound" if done else "not_bound"), None
    bound = await svc.campaigns.bind_group(user_id, chat_id, campaign_id, unit_id, svc.clock())
    return ("bound", bound.unit) if isinstance(bound, Bound) else (bound.value, None)


# --- the job -----------------------------------------------------------------------------------


async def campaign_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    with priority(Priority.TIMED):  # after people's replies, before lessons (bot/ratelimit.py)
        await run_job(context.bot, services(context))


async def run_job(bot: Bot, svc: Services) -> None:
    """Close attempts whose time ran out (or that a crash left open) and tell their people;
    then announce each campaign that has ended, once, to its organizers and bound groups."""
    now = svc.clock()
    for closed in await svc.campaigns.close_due(now):
        user_id = closed.attempt.user_id
        lang = await svc.people.language_of(user_id, None)
        await send_quietly(bot, user_id, closed_view(svc, lang, closed))
    for news in await svc.campaigns.announcements(now):
        for chat_id in (*news.organizers, *news.groups):
            lang = await svc.people.language_of(chat_id, None)  # a group: the bot's default
            await send_quietly(bot, chat_id, View(final_text(svc, lang, news.results)))
        await svc.campaigns.announced(news.results.campaign.id, now)


def final_text(svc: Services, lang: str, results: FinalResults) -> str:
    return svc.render(
        lang, "campaign_board", campaign=results.campaign, board=results.board, final=True,
        top=results.top, summary=results.report.summary,
    )  # fmt: skip


async def send_quietly(bot: Bot, chat_id: int, view: View) -> None:
    """A message nobody asked for just now: a chat that blocked the bot is not an error."""
    try:
        await bot.send_message(chat_id, view.text, reply_markup=view.markup)
    except TelegramError as exc:
        log.info("campaign message to chat %s not sent: %s", chat_id, exc)


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One repeating job for every campaign (started by ``build_application``)."""
    run_every(
        app,
        campaign_tick,
        seconds=JOB_INTERVAL_SECONDS,
        first=10,
        name=JOB_NAME,
        needed_by="campaigns",
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before ``quiz.register``: a unit's link is a ``/start`` that campaigns answer."""
    app.add_handler(CommandHandler("start", join_link, filters=PRIVATE & JOIN_LINK))
    app.add_handler(CommandHandler("campaign", campaign_command, filters=PRIVATE))
    app.add_handler(CommandHandler("campaign_report", report_command, filters=PRIVATE))
    app.add_handler(CommandHandler("campaign_links", links_command, filters=PRIVATE))
    app.add_handler(
        CommandHandler(("campaign", *ORGANIZER_COMMANDS), private_only, filters=~PRIVATE)
    )
    app.add_handler(CommandHandler("campaign_group", group_command))
    app.add_handler(CommandHandler("verify", verify_command))
