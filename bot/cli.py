"""The ``quizbot`` command: run, preview, validate, schema, report, import, export."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.config import (
    ConfigError,
    Settings,
    StartupError,
    check_database_path,
    load_settings,
    secrets_of,
)
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
    preview.add_argument(
        "--demo-data",
        action="store_true",
        help="fill the preview database with answers of a few hundred made-up people",
    )
    validate = commands.add_parser("validate", help="check question banks and lessons")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the configured folders)"
    )
    schema = commands.add_parser("schema", help="print the JSON Schema of a content file")
    schema.add_argument(
        "--lessons", action="store_true", help="the lesson file schema instead of the bank's"
    )
    _add_insight_commands(commands)
    args = parser.parse_args(argv)
    try:
        if args.command == "schema":
            model = LessonFileModel if args.lessons else BankFileModel
            print(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2))
            return 0
        settings = load_settings()
        if args.command == "validate":
            return _validate(settings, args.paths)
        if args.command == "preview":
            return _preview(
                settings, args.host, args.port, keep_data=args.keep_data, demo=args.demo_data
            )
        if args.command in INSIGHT_COMMANDS:
            return _insight_command(settings, args)
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


def _preview(
    settings: Settings, host: str, port: int, *, keep_data: bool, demo: bool = False
) -> int:
    setup_logging(settings.log_level)
    from bot.preview.runner import PreviewOptions, run_preview  # aiohttp: only when previewing

    options = PreviewOptions(host=host, port=port, fresh=not keep_data, demo_data=demo)
    return run_preview(settings, options)


# --- editors' insight (issue 15): report, import, export ------------------------------------

INSIGHT_COMMANDS = frozenset({"report", "import", "export"})


def _add_insight_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="how questions perform; reports of mistakes")
    kinds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    for name, text in (
        ("questions", "item analysis per question: accuracy, discrimination, options, flags"),
        ("feedback", "reports of a problem (纠错), newest first, grouped by question"),
    ):
        sub = kinds.add_parser(name, help=text)
        sub.add_argument("--bank", help="only this bank (a mixed bank: the banks it draws from)")
        sub.add_argument("--xlsx", type=Path, metavar="FILE", help="write a workbook instead")
        sub.add_argument(
            "--database", type=Path, help="the database to read (default: DATABASE_PATH)"
        )
    imp = commands.add_parser(
        "import", help="turn a spreadsheet (.xlsx/.csv) or a text file of questions into a bank"
    )
    imp.add_argument("file", type=Path, help=".xlsx, .csv, or .txt (问卷星 / exam / Aiken)")
    imp.add_argument("-o", "--output", type=Path, help="the YAML file (default: ./<bank-id>.yaml)")
    imp.add_argument("--force", action="store_true", help="overwrite an existing file")
    imp.add_argument("--bank", help="the bank id (default: the bank sheet, or the file name)")
    exp = commands.add_parser("export", help="write a bank as an .xlsx spreadsheet")
    exp.add_argument("bank", nargs="?", help="the bank id")
    exp.add_argument("--xlsx", type=Path, metavar="FILE", required=True, help="the workbook")
    exp.add_argument(
        "--template", action="store_true", help="the empty import template instead of a bank"
    )
    exp.add_argument("--force", action="store_true", help="overwrite an existing file")


def _insight_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.sheets import SheetError

    try:
        if args.command == "report":
            return asyncio.run(_report(settings, args))
        if args.command == "import":
            return _import(settings, args)
        return _export(settings, args)
    except SheetError as exc:
        for problem in exc.problems:
            print(f"quizbot {args.command}: {problem}", file=sys.stderr)
        print(f"quizbot {args.command}: nothing written", file=sys.stderr)
        return 1


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.insight_report import (
        feedback_sheet,
        feedback_text,
        questions_table,
        questions_workbook,
    )
    from bot.services.content import ContentStore
    from bot.services.insight import InsightService, UnknownBankError
    from bot.spreadsheet import workbook_bytes
    from bot.storage.repository import Repository

    database = args.database or settings.database_path
    if not database.is_file():
        print(
            f"quizbot report: no database at {database}: the bot has not run here "
            "(use --database, e.g. data/preview.sqlite3)",
            file=sys.stderr,
        )
        return 1
    loaded = load_content(settings.content_paths)
    if not loaded.ok:
        print(f"quizbot report: the content has errors; reporting on the rest "
              f"({summary(loaded.problems, loaded.files)})", file=sys.stderr)  # fmt: skip
    repo = await Repository.open(database)
    try:
        service = InsightService(
            repo, ContentStore(settings.content_paths, loaded.catalog), settings.timezone
        )
        try:
            groups = await service.feedback(args.bank)
            stats = await service.item_analysis(args.bank) if args.report == "questions" else []
        except UnknownBankError:
            known = ", ".join(sorted(loaded.catalog.banks))
            print(f"quizbot report: no bank '{args.bank}' (known: {known})", file=sys.stderr)
            return 1
    finally:
        await repo.close()
    if args.xlsx is not None:
        if args.report == "questions":
            data = questions_workbook(stats, groups)
        else:
            data = workbook_bytes([feedback_sheet(groups)])
        args.xlsx.write_bytes(data)
        print(f"wrote {args.xlsx}")
        return 0
    if args.report == "questions":
        titles = {bank.id: bank.title.zh for bank in loaded.catalog.banks.values()}
        print(questions_table(stats, titles))
    else:
        print(feedback_text(groups))
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.importer import import_bank

    context = load_content(settings.content_paths)
    imported = import_bank(
        args.file,
        catalog=context.catalog,
        protected=settings.content_paths,
        output=args.output,
        force=args.force,
        bank_id=args.bank,
    )
    print(f"wrote {imported.path} (bank {imported.bank_id}, {imported.questions} questions)")
    checked = load_content([imported.path], context=settings.content_paths)
    for problem in checked.problems:
        print(problem)
    print(summary(checked.problems, checked.files))
    if checked.problems:
        print(
            f"Fill in what is listed, check it with `quizbot validate {imported.path}`, then move "
            "the file into quizzes/ after a second editor's review (docs/content-guide.md)."
        )
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.importer import export_workbook, find_bank
    from bot.content.sheets import SheetError

    if args.template == (args.bank is not None):
        raise SheetError(["name a bank to export, or use --template (not both)"])
    model = None if args.template else find_bank([settings.quizzes_dir], args.bank)
    export_workbook(args.xlsx, model, force=args.force)
    what = "the import template" if model is None else f"bank {model.bank.id}"
    print(f"wrote {args.xlsx} ({what})")
    return 0


async def _check_database(settings: Settings) -> None:
    """Open and migrate once before serving, so a bad database fails with one sentence."""
    conn = await connect(settings.database_path)
    await conn.close()


if __name__ == "__main__":
    sys.exit(main())
