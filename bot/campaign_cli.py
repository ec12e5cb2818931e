"""``quizbot campaign links | report | verify``: what organizers need, without a token.

``links`` writes each unit's deep link and QR poster; ``report`` the organizers' workbook and
dashboard picture from the bot's database; ``verify`` checks a certificate code.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import html
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

# Pictures, spreadsheets and storage load only when a campaign command runs, so `quizbot
# validate` and `quizbot schema` stay quick to start.
if TYPE_CHECKING:
    from bot.campaign_render import Labels
    from bot.domain.campaign_stats import CampaignReport
    from bot.services.campaigns import Verification
    from bot.services.content import ContentStore

PREVIEW_BOT = "quiz315_bot"
"""The local preview's bot username, used (with a warning) when no other is known."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    campaign = commands.add_parser(
        "campaign", help="campaign links and QR posters, the organizers' report, certificates"
    )
    actions = campaign.add_subparsers(dest="action", required=True, metavar="ACTION")
    links = actions.add_parser("links", help="write each unit's deep link and QR code PNG")
    links.add_argument("campaign_id", metavar="ID")
    links.add_argument("--out", type=Path, default=None, help="folder (default: ./<ID>-links)")
    links.add_argument("--bot", default=None, help="the bot's username (default: BOT_USERNAME)")
    links.add_argument("--lang", choices=("zh", "en"), default=None)
    report = actions.add_parser("report", help="the organizers' workbook and dashboard picture")
    report.add_argument("campaign_id", metavar="ID")
    report.add_argument("--xlsx", type=Path, required=True, metavar="FILE")
    report.add_argument(
        "--png", type=Path, default=None, metavar="FILE", help="dashboard (default: beside FILE)"
    )
    report.add_argument("--lang", choices=("zh", "en"), default=None)
    verify = actions.add_parser("verify", help="check a certificate's verification code")
    verify.add_argument("code", metavar="CODE")
    verify.add_argument("--lang", choices=("zh", "en"), default=None)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.campaign_render import Labels
    from bot.content.problems import summary
    from bot.render import Renderer
    from bot.services.content import ContentStore

    content = ContentStore(settings.served_paths)
    result = content.reload()
    if not result.ok:
        for problem in result.errors:
            print(problem, file=sys.stderr)
        print(
            f"quizbot: the content has errors ({summary(result.problems, result.files)})",
            file=sys.stderr,
        )
        return 1
    lang = args.lang or settings.default_language
    label = Labels(Renderer(settings.templates_dir, settings.default_language), lang)
    if args.action == "links":
        return _links(args, settings, content, label)
    return _database(args, settings, content, label)


def _unknown(campaign_id: str, content: ContentStore) -> int:
    known = ", ".join(sorted(content.catalog.campaigns)) or "none"
    print(f"quizbot: no campaign '{campaign_id}' (known: {known})", file=sys.stderr)
    return 1


def _links(
    args: argparse.Namespace, settings: Settings, content: ContentStore, label: Labels
) -> int:
    from bot.campaign_render import poster_picture
    from bot.services.campaigns import unit_links

    username = (args.bot or settings.bot_username or "").removeprefix("@")
    if not username and settings.token:
        asked = _ask_telegram(settings)
        if asked is None:
            return 1
        username = asked
    if not username:
        username = PREVIEW_BOT
        print(
            f"quizbot: warning: no bot username (use --bot or set BOT_USERNAME): the links "
            f"use the preview's @{PREVIEW_BOT}, which only the local preview answers",
            file=sys.stderr,
        )
    elif not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", username):
        print(f"quizbot: {username!r} is not a Telegram username", file=sys.stderr)
        return 2
    campaign = content.catalog.campaigns.get(args.campaign_id)
    if campaign is None:
        return _unknown(args.campaign_id, content)
    links = unit_links(campaign, username)
    out: Path = args.out or Path(f"{campaign.id}-links")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "links.csv").open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["unit_id", "name_zh", "name_en", "kind", "payload", "link", "qr_png"])
        for link in links:
            png = out / f"{link.unit.id}.png"
            png.write_bytes(poster_picture(link, campaign.title, label))
            unit = link.unit
            writer.writerow(
                [unit.id, unit.name.zh, unit.name.en or "", unit.kind.value, link.payload,
                 link.url, png.name]
            )  # fmt: skip
            print(f"{unit.id}\t{link.url}\t{png}")
    print(f"{len(links)} units: links in {out / 'links.csv'}")
    return 0


def _ask_telegram(settings: Settings) -> str | None:
    """The bot's username from getMe (a token is set); None, said in one sentence, if the Bot
    API cannot be asked."""
    from telegram.error import TelegramError

    from bot.connection import describe_startup_error

    try:
        return asyncio.run(_get_me(settings))
    except TelegramError as exc:
        reason = describe_startup_error(exc, settings) or type(exc).__name__
        print(
            f"quizbot: could not ask Telegram for the bot's username ({reason}); "
            "use --bot or set BOT_USERNAME",
            file=sys.stderr,
        )
        return None


async def _get_me(settings: Settings) -> str:
    from telegram import Bot

    from bot.connection import build_requests

    assert settings.token is not None
    request, _ = build_requests(settings)
    async with Bot(settings.token, base_url=settings.base_url, request=request) as bot:
        return bot.username


async def _read(
    args: argparse.Namespace, settings: Settings, content: ContentStore
) -> CampaignReport | Verification | None:
    from bot.services.campaigns import CampaignService
    from bot.storage.repository import Repository

    repo = await Repository.open(settings.database_path)
    try:
        service = CampaignService(repo, content)
        if args.action == "verify":
            return await service.lookup(args.code)
        return await service.report(args.campaign_id, datetime.now(UTC))
    finally:
        await repo.close()


def _database(
    args: argparse.Namespace, settings: Settings, content: ContentStore, label: Labels
) -> int:
    if not settings.database_path.is_file():
        print(
            f"quizbot: no database at {str(settings.database_path)!r} (set DATABASE_PATH)",
            file=sys.stderr,
        )
        return 1
    from bot.campaign_render import report_dashboard, report_workbook
    from bot.services.campaigns import Verification, VerifyStatus

    found = asyncio.run(_read(args, settings, content))
    if isinstance(found, Verification):
        print(_plain(label.renderer(label.lang, "campaign_verify", result=found)))
        return 0 if found.status is VerifyStatus.VALID else 1
    if found is None:
        return _unknown(args.campaign_id, content)
    xlsx: Path = args.xlsx
    png: Path = args.png or xlsx.with_suffix(".png")
    xlsx.parent.mkdir(parents=True, exist_ok=True)
    xlsx.write_bytes(report_workbook(found, content.catalog, label))
    png.write_bytes(report_dashboard(found, content.catalog, label))
    print(f"{xlsx}\n{png}")
    return 0


def _plain(text: str) -> str:
    """A chat message (HTML) as terminal text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
