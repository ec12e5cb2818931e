"""The ``quizbot`` command: run, validate, schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, check_database_path, load_settings
from bot.content.loader import load_content
from bot.content.problems import summary
from bot.content.schema import BankFileModel, LessonFileModel
from bot.logs import setup_logging
from bot.storage.db import DatabaseError, connect

BOTFATHER_HELP = """\
No Telegram bot token is configured, so the bot cannot connect to Telegram.

To get one: open Telegram, talk to @BotFather, send /newbot, choose a name and a username
ending in "bot"; BotFather answers with a token such as 123456789:AAE...  Put it in a file
named .env next to the Makefile (copy .env.example to .env and fill in TELEGRAM_BOT_TOKEN=...),
or export TELEGRAM_BOT_TOKEN in your shell, then run `make run` again. Keep the token secret:
anyone who has it controls your bot."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="反诈小课堂 · 315 Quiz Bot: a Telegram bot that teaches fraud awareness",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="serve Telegram by long polling (needs TELEGRAM_BOT_TOKEN)")
    validate = commands.add_parser("validate", help="check question banks and lessons")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the configured folders)"
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
            return _validate(settings, args.paths)
        return _run(settings)
    except ConfigError as exc:
        print(f"quizbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"quizbot: database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _validate(settings: Settings, paths: list[Path]) -> int:
    if paths:
        result = load_content(paths, context=settings.content_paths)
    else:
        result = load_content(settings.content_paths)
    for problem in result.problems:
        print(problem)
    print(summary(result.problems, result.files))
    return 0 if result.ok else 1


def _run(settings: Settings) -> int:
    setup_logging(settings.log_level, secrets=[settings.token or ""])
    if settings.token is None:
        print(BOTFATHER_HELP, file=sys.stderr)
        return 1
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


async def _check_database(settings: Settings) -> None:
    """Open and migrate once before serving, so a bad database fails with one sentence."""
    conn = await connect(settings.database_path)
    await conn.close()


if __name__ == "__main__":
    sys.exit(main())
