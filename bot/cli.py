"""The ``quizbot`` command: run, preview, validate, schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from bot.config import (
    ConfigError,
    Settings,
    StartupError,
    check_database_path,
    load_settings,
    secrets_of,
)
from bot.content.guess import format_report, guess_bank
from bot.content.loader import load_content
from bot.content.problems import summary
from bot.content.schema import BankFileModel, LessonFileModel
from bot.logs import redact, setup_logging
from bot.storage.db import DatabaseError, connect

PREVIEW_NOTE = """\
No TELEGRAM_BOT_TOKEN is configured, so instead of connecting to Telegram this starts the local
preview: a Telegram emulator and a web chat on this computer. To serve real Telegram, get a token
from @BotFather (/newbot), put TELEGRAM_BOT_TOKEN=... in .env (see .env.example) and run again.
No token: starting the local preview at http://{host}:{port} …"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="反诈小课堂 · 315 Quiz Bot: a Telegram bot that teaches fraud awareness",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run", help="serve Telegram by long polling (without TELEGRAM_BOT_TOKEN: the preview)"
    )
    preview = commands.add_parser(
        "preview", help="chat with the bot in a local web page, without Telegram or a token"
    )
    preview.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)"
    )
    preview.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    preview.add_argument(
        "--keep-data",
        action="store_true",
        help="keep the preview database from the last run (default: start empty)",
    )
    validate = commands.add_parser("validate", help="check question banks and lessons")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the configured folders)"
    )
    validate.add_argument(
        "--strict",
        action="store_true",
        help="content-quality and freshness warnings are errors (exit 1)",
    )
    validate.add_argument(
        "--guess",
        action="store_true",
        help="also print what no-knowledge guessing strategies score per bank",
    )
    validate.add_argument(
        "--today",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="check review dates and expiry as of this day (default: today in TIMEZONE)",
    )
    schema = commands.add_parser("schema", help="print the JSON Schema of a content file")
    schema.add_argument(
        "--lessons", action="store_true", help="the lesson file schema instead of the bank's"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "schema":
            model = LessonFileModel if args.lessons else BankFileModel
            print(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2))
            return 0
        settings = load_settings()
        if args.command == "validate":
            today = args.today or datetime.now(settings.timezone).date()
            return _validate(
                settings, args.paths, today=today, strict=args.strict, guess=args.guess
            )
        if args.command == "preview":
            return _preview(settings, args.host, args.port, keep_data=args.keep_data)
        return _run(settings)
    except ConfigError as exc:
        print(f"quizbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"quizbot: database error: {exc}", file=sys.stderr)
        return 1
    except StartupError as exc:
        print(f"quizbot: cannot start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: logged with its traceback, secrets masked everywhere
        logging.getLogger("bot").exception("unexpected error")
        print(
            f"quizbot: unexpected error: {redact(f'{type(exc).__name__}: {exc}')}", file=sys.stderr
        )
        return 1


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def _validate(
    settings: Settings, paths: list[Path], *, today: date, strict: bool, guess: bool
) -> int:
    if paths:
        result = load_content(paths, context=settings.content_paths, today=today, strict=strict)
    else:
        result = load_content(settings.content_paths, today=today, strict=strict)
    for problem in result.problems:
        print(problem)
    if guess:
        reports = [
            guess_bank(bank_id, result.catalog.banks[bank_id].questions)
            for bank_id in result.checked_banks
            if bank_id in result.catalog.banks and result.catalog.banks[bank_id].questions
        ]
        print("\n".join(format_report(reports)))
    print(summary(result.problems, result.files))
    return 0 if result.ok else 1


def _run(settings: Settings) -> int:
    setup_logging(settings.log_level, secrets=secrets_of(settings))
    if settings.token is None:
        print(PREVIEW_NOTE.format(host="127.0.0.1", port=8080), file=sys.stderr)
        return _preview(settings, "127.0.0.1", 8080, keep_data=False)
    check_database_path(settings)
    from bot.app import serve  # keeps `validate` and `schema` quick to start
    from bot.services.content import ContentStore

    content = ContentStore(settings.content_paths)
    result = content.reload()
    if not result.ok:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(
            f"quizbot: the content has errors; fix them and start again "
            f"({summary(result.problems, result.files)})",
            file=sys.stderr,
        )
        return 1
    asyncio.run(_check_database(settings))
    asyncio.run(serve(settings, content))
    return 0


def _preview(settings: Settings, host: str, port: int, *, keep_data: bool) -> int:
    setup_logging(settings.log_level)
    from bot.preview.runner import PreviewOptions, run_preview  # aiohttp: only when previewing

    return run_preview(settings, PreviewOptions(host=host, port=port, fresh=not keep_data))


async def _check_database(settings: Settings) -> None:
    """Open and migrate once before serving, so a bad database fails with one sentence."""
    conn = await connect(settings.database_path)
    await conn.close()


if __name__ == "__main__":
    sys.exit(main())
