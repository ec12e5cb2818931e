"""``quizbot report signals``: how often each checker signal fired, per day, for editors.

The bot counts only which signals fired and the day (never a message, never a person), so
this is everything there is to report.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:  # storage loads only when a report runs
    from bot.services.checker import SignalReport

DEFAULT_DAYS = 30


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def add_parser(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``signals`` under ``quizbot report`` (beside the editors' questions and feedback)."""
    signals = kinds.add_parser(
        "signals",
        help="scam checker: how often each signal fired, per day (no text is ever kept)",
    )
    signals.add_argument(
        "--from",
        dest="first",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help=f"first day (default: {DEFAULT_DAYS - 1} days before --to)",
    )
    signals.add_argument(
        "--to",
        dest="last",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="last day (default: today in TIMEZONE)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    last: date = args.last or datetime.now(settings.timezone).date()
    first: date = args.first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        print(f"quizbot: --from {first} is after --to {last}", file=sys.stderr)
        return 2
    if not settings.database_path.is_file():
        print(
            f"quizbot: no database at {str(settings.database_path)!r} (set DATABASE_PATH)",
            file=sys.stderr,
        )
        return 1
    print("\n".join(_lines(asyncio.run(_read(settings, first, last)))))
    return 0


async def _read(settings: Settings, first: date, last: date) -> SignalReport:
    from bot.services.checker import signal_report
    from bot.storage.repository import Repository

    repo = await Repository.open(settings.database_path)
    try:
        return await signal_report(repo, first, last)
    finally:
        await repo.close()


def _lines(report: SignalReport) -> list[str]:
    lines = [f"scam checker signals, {report.first} to {report.last}"]
    checks = sum(d.checks for d in report.days)
    flagged = sum(d.flagged for d in report.days)
    lines.append(f"messages checked: {checks}, flagged (high or medium risk): {flagged}")
    if not report.signals:
        lines.append("no signal fired in these days")
        return lines
    totals = Counter[str]()
    for row in report.signals:
        totals[row.signal_id] += row.hits
    width = max(len(signal) for signal in totals)
    lines += ["", "day         " + "signal".ljust(width) + "  hits"]
    lines += [f"{row.day}  {row.signal_id.ljust(width)}  {row.hits:>4}" for row in report.signals]
    lines += ["", "total       " + "signal".ljust(width) + "  hits"]
    lines += [
        f"{'':10}  {signal.ljust(width)}  {hits:>4}"
        for signal, hits in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]
    return lines
