"""What campaign messages look like: the attempt's result, ``/campaign``, certificates.

Apart from ``bot.handlers.campaigns`` (the commands, buttons and job) so that the quiz
handlers can show an attempt's result after its last answer without importing them.
"""

from __future__ import annotations

import html
from datetime import datetime
from urllib.parse import quote

from bot.actions import CampaignBoard, GetCertificate, Mistakes, StartAttempt
from bot.context import Services
from bot.domain.campaigns import Campaign, Phase, Unit, deep_link, join_payload
from bot.handlers.common import Button, Link, View, keyboard
from bot.services.campaigns import AttemptClosed, CampaignStatus, IssuedCertificate, zone


def local(moment: datetime | None, campaign: Campaign) -> datetime | None:
    """An instant as the campaign's people read it: in the campaign's time zone."""
    return moment.astimezone(zone(campaign.timezone)) if moment is not None else None


def plain(text: str) -> str:
    """A label macro's output (autoescaped HTML) as the plain text of a button or a URL."""
    return html.unescape(text)


def certificate_rows(
    svc: Services, lang: str, campaign: Campaign, unit: Unit | None
) -> list[list[Button]]:
    """Ask how the certificate should name the person; school units never show a name."""
    label = svc.render.label
    if unit is None or unit.anonymous:
        return [[(label(lang, "campaign_btn_cert"), GetCertificate(campaign.id, False))]]
    return [
        [(label(lang, "campaign_btn_cert_named"), GetCertificate(campaign.id, True))],
        [(label(lang, "campaign_btn_cert_anonymous"), GetCertificate(campaign.id, False))],
    ]


def closed_view(svc: Services, lang: str, closed: AttemptClosed) -> View:
    """An attempt's result: score, time, best, passed; then what the person can do next."""
    campaign, attempt, label = closed.campaign, closed.attempt, svc.render.label
    text = svc.render(lang, "campaign_attempt", outcome="closed", campaign=campaign, c=closed)
    rows: list[list[Button]] = []
    if closed.passed:
        rows += certificate_rows(svc, lang, campaign, closed.unit)
    if attempt.session_id is not None and (attempt.correct or 0) < attempt.total:
        rows.append([(label(lang, "review_mistakes"), Mistakes(attempt.session_id))])
    rows.append(
        [
            (label(lang, "campaign_btn_again"), StartAttempt(campaign.id)),
            (label(lang, "campaign_btn_board"), CampaignBoard(campaign.id)),
        ]
    )
    return View(text, keyboard(rows))


def status_view(svc: Services, lang: str, status: CampaignStatus) -> View:
    """``/campaign``: the campaign, my unit, best, rank, attempts left, and what to do."""
    campaign, label = status.campaign, svc.render.label
    text = svc.render(
        lang,
        "campaign_status",
        s=status,
        next_opens_local=local(status.next_opens_at, campaign),
    )
    rows: list[list[Button]] = []
    if status.phase is Phase.OPEN and (status.open_attempt or status.left_today):
        key = "campaign_btn_continue" if status.open_attempt else "campaign_btn_start"
        rows.append([(label(lang, key), StartAttempt(campaign.id))])
    if status.passed:
        rows += certificate_rows(svc, lang, campaign, status.unit)
    rows.append([(label(lang, "campaign_btn_board"), CampaignBoard(campaign.id))])
    return View(text, keyboard(rows))


def share_link(svc: Services, lang: str, issued: IssuedCertificate, bot_username: str) -> Link:
    """Telegram's share sheet with the person's unit's link: friends join the same unit."""
    campaign, cert = issued.campaign, issued.certificate
    url = deep_link(bot_username, join_payload(campaign.id, cert.unit_id))
    text = plain(
        svc.render.label(
            lang, "campaign_share_text", campaign.title.get(lang), cert.correct, cert.total
        )
    )
    return Link(f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(text, safe='')}")
