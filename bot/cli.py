"""The ``quizbot`` command: run, preview, validate, schema, check, report, import, export,
backup, restore, campaign."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot import campaign_cli, checker_cli
from bot.config import (
    ConfigError,
    Settings,
    StartupError,
    check_content_folders,
    check_database_path,
    load_settings,
    secrets_of,
)
from bot.content.campaigns import CampaignFileModel
from bot.content.guess import format_report, guess_bank
from bot.content.loader import find_files, load_content
from bot.content.problems import Problem, Severity, summary
from bot.content.schema import BankFileModel, LessonFileModel
from bot.domain.content import Catalog
from bot.logs import redact, setup_logging
from bot.storage.db import DatabaseError, schema_version

if TYPE_CHECKING:
    from bot.domain.checker import Verdict

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
    run = commands.add_parser(
        "run", help="serve Telegram by long polling (without TELEGRAM_BOT_TOKEN: the preview)"
    )
    run.add_argument(
        "--preview-host",
        default="127.0.0.1",
        help="without a token: the preview's address (default: 127.0.0.1 only)",
    )
    run.add_argument(
        "--preview-port", type=int, default=8080, help="without a token: the preview's port"
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
    validate = commands.add_parser(
        "validate", help="check question banks, lessons, campaigns and the checker's signals"
    )
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
    which = schema.add_mutually_exclusive_group()
    which.add_argument(
        "--lessons", action="store_true", help="the lesson file schema instead of the bank's"
    )
    which.add_argument(
        "--signals", action="store_true", help="the checker's signal file schema (content/signals)"
    )
    check = commands.add_parser(
        "check", help="check a message with the scam checker, as the bot would (for editors)"
    )
    check.add_argument("text", help="the message, or - to read it from standard input")
    check.add_argument(
        "--json",
        action="store_true",
        help='print {"risk": ..., "signals": [{"id", "kind", "match"}]} only',
    )
    which.add_argument("--campaign", action="store_true", help="the campaign file schema")
    _add_backup_commands(commands)
    campaign_cli.add_parser(commands)
    _add_insight_commands(commands)
    args = parser.parse_args(argv)
    try:
        if args.command == "schema":
            if args.signals:
                from bot.content.signals import signal_schema

                print(json.dumps(signal_schema(), ensure_ascii=False, indent=2))
                return 0
            model: type[BaseModel] = LessonFileModel if args.lessons else BankFileModel
            model = CampaignFileModel if args.campaign else model
            print(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2))
            return 0
        settings = load_settings()
        if args.command == "campaign":
            return campaign_cli.run(args, settings)
        if args.command == "report" and args.report == "signals":
            return checker_cli.run(args, settings)
        if args.command == "check":
            return _check(settings, args.text, as_json=args.json)
        if args.command in ("backup", "restore"):
            return _backup_or_restore(settings, args)
        if args.command == "validate":
            today = args.today or datetime.now(settings.timezone).date()
            return _validate(
                settings, args.paths, today=today, strict=args.strict, guess=args.guess
            )
        if args.command == "preview":
            return _preview(
                settings, args.host, args.port, keep_data=args.keep_data, demo=args.demo_data
            )
        if args.command in INSIGHT_COMMANDS:
            return _insight_command(settings, args)
        return _run(settings, args.preview_host, args.preview_port)
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
        content, signals = split_signals(paths)
        result = load_content(content, context=settings.content_paths, today=today, strict=strict)
    else:
        check_content_folders(settings)
        signals = [settings.signals_dir] if settings.signals_dir.is_dir() else []
        result = load_content(settings.served_paths, today=today, strict=strict)
    problems, files = list(result.problems), result.files
    if signals:  # RE2 and OpenCC load only when there are signals to check
        found, checked = _validate_signals(
            settings, signals, result.catalog, links=not result.errors
        )
        problems, files = sorted([*problems, *found]), files + checked
    for problem in problems:
        print(problem)
    if guess:
        reports = [
            guess_bank(bank_id, result.catalog.banks[bank_id].questions)
            for bank_id in result.checked_banks
            if bank_id in result.catalog.banks and result.catalog.banks[bank_id].questions
        ]
        print("\n".join(format_report(reports)))
    print(summary(problems, files))
    return 1 if any(p.severity is Severity.ERROR for p in problems) else 0


def _validate_signals(
    settings: Settings, paths: list[Path], catalog: Catalog, *, links: bool = True
) -> tuple[list[Problem], int]:
    """Problems of the signal files ``paths``, read with the configured signals folder (kinds,
    negation cues, ids to clash with) as context; links checked against ``catalog`` — unless
    the content had errors, when a missing lesson or bank may only be in a broken file."""
    from bot.content.signals import load_signals

    files, missing = find_files(paths)
    wanted = {f.resolve() for f in files}
    context = [settings.signals_dir] if settings.signals_dir.is_dir() else []
    around = [f for f in find_files(context)[0] if f.resolve() not in wanted]
    # Context first: a clash is reported at the second definition, in the file being checked.
    result = load_signals(
        [*around, *files],
        lessons={lesson.id for lesson in catalog.lessons} if links else None,
        banks=set(catalog.banks) if links else None,
    )
    found = [p for p in result.problems if Path(p.path).resolve() in wanted]
    return [*missing, *found], len(files)


def split_signals(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(banks, lessons and campaigns; checker signals): a YAML file in a folder named
    ``signals`` is a signals file (``content/signals/*.yaml``), anything else is content."""
    content: list[Path] = []
    signals: list[Path] = []
    for path in paths:
        if path.is_dir() and path.name != "signals":
            found, _ = find_files([path])
            inside = [f for f in found if "signals" in f.relative_to(path).parts[:-1]]
            if inside:
                content += [f for f in found if f not in inside]
                signals += inside
                continue
        in_signals = path.name == "signals" if path.is_dir() else path.parent.name == "signals"
        (signals if in_signals else content).append(path)
    return content, signals


def _check(settings: Settings, text: str, *, as_json: bool) -> int:
    from bot.content.signals import load_signals  # RE2 and OpenCC: only when checking

    if text == "-":
        text = sys.stdin.read()
    catalog = load_content(settings.content_paths).catalog
    result = load_signals(
        [settings.content_dir / "signals"],
        lessons={lesson.id for lesson in catalog.lessons},
        banks=set(catalog.banks),
    )
    if result.checker is None:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(
            f"quizbot: the signals have errors ({summary(result.problems, result.files)})",
            file=sys.stderr,
        )
        return 1
    verdict = result.checker.check(text)
    if as_json:
        print(json.dumps(verdict.to_json(), ensure_ascii=False))
        return 0
    print(_describe_verdict(verdict))
    return 0


_RISK_WORDS = {
    "high": "高风险 high risk",
    "medium": "要小心 be careful",
    "low": "风险较低 low (not flagged)",
    "none": "未发现已知的风险信号 no known warning signs",
}


def _describe_verdict(verdict: Verdict) -> str:
    """The verdict in plain words for editors (the bot's reply is rendered from templates)."""
    lines = [f"risk 风险: {_RISK_WORDS[verdict.risk.value]} (score {verdict.score})"]
    if verdict.truncated:
        lines.append("note: only the first 4,096 characters were checked")
    for finding in verdict.findings:
        kind = finding.kind
        lines.append(
            f"- {finding.signal} +{finding.weight} [{kind.id}: {kind.name.zh} / "
            f"{kind.name.get('en')}] “{finding.safe_quote}”"
        )
        lines.append(f"    zh: {finding.explanation.zh}")
        if finding.explanation.en:
            lines.append(f"    en: {finding.explanation.en}")
        links = [f"lesson {finding.lesson}"] if finding.lesson else []
        links += [f"bank {finding.bank}"] if finding.bank else []
        if links:
            lines.append(f"    links: {', '.join(links)}")
    lines.append(f"money already gone 钱已转出: {'yes 是' if verdict.money_gone else 'no 否'}")
    return "\n".join(lines)


def _run(settings: Settings, preview_host: str, preview_port: int) -> int:
    setup_logging(settings.log_level, secrets=secrets_of(settings))
    if settings.token is None:
        print(PREVIEW_NOTE.format(host=preview_host, port=preview_port), file=sys.stderr)
        return _preview(settings, preview_host, preview_port, keep_data=False)
    check_database_path(settings)
    check_content_folders(settings)
    from bot.services.content import ContentStore
    from bot.startup import serve  # keeps `validate` and `schema` quick to start

    content = ContentStore(
        settings.served_paths, signals=[settings.signals_dir], timezone=settings.timezone
    )
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
    asyncio.run(serve(settings, content))  # locks, opens and migrates the database first
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
    report = commands.add_parser(
        "report", help="for editors: how questions perform, reports of mistakes, checker signals"
    )
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
    checker_cli.add_parser(kinds)
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


def _add_backup_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database safely, even while the bot runs (SQLite backup API)"
    )
    backup.add_argument(
        "file", type=Path, help="the new backup file, or a folder to get a dated file in it"
    )
    backup.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="with a folder: then delete all but the newest N dated backups there",
    )
    restore = commands.add_parser(
        "restore", help="replace the database by a backup (only while the bot is stopped)"
    )
    restore.add_argument("file", type=Path, help="a file made by `quizbot backup`")


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Every refusal is one sentence on stderr and exit status 1, with nothing changed."""
    from datetime import UTC, datetime

    from bot.storage.backup import BackupError, backup, restore

    now = datetime.now(UTC)
    try:
        if args.command == "backup":
            if args.keep is not None and args.keep < 1:
                raise BackupError("--keep must be 1 or more (the backup just made is one)")
            made = backup(settings.database_path, args.file, now=now, keep=args.keep)
            print(f"backup written: {made.path} ({made.size:,} bytes, schema {made.schema})")
            for old in made.removed:
                print(f"removed old backup: {old}")
            return 0
        done = restore(args.file, settings.database_path, now=now)
    except BackupError as exc:
        print(f"quizbot: {args.command}: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file} to {done.database} (schema {done.schema})")
    if done.previous is not None:
        print(f"the previous database is kept as {done.previous}")
    if not done.marked:
        print(
            "note: the file has no quizbot mark (a backup from before the mark existed); it was "
            "accepted because its tables are exactly ours"
        )
    if done.schema < schema_version():
        print(
            f"the bot upgrades it from schema {done.schema} to {schema_version()} when it starts"
        )
    print(
        "note: people who used /forget after this backup was made are back in the database "
        "(the bot keeps no list of them: that would be data about them)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
