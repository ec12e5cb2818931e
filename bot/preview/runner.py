"""The local preview: the emulator over HTTP, the real bot pointed at it, and the web chat page.

Everything runs in one process and one event loop. The bot is the same ``build_application`` as
in production; only its ``TELEGRAM_BASE_URL`` (the emulator), token (a fake one the emulator
checks) and database (a throwaway preview file) differ. Content is reloaded when its files change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from telegram.request import HTTPXRequest

from bot import startup
from bot.app import PTBApplication, build_application
from bot.charts import FONT_FILE, FONT_MODULE
from bot.config import Settings, check_database_path
from bot.content.loader import LoadResult
from bot.content.problems import Severity, summary
from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.emulator.server import EmulatorServer, PortInUseError
from bot.preview import demo
from bot.preview.watch import ContentWatcher
from bot.ratelimit import PriorityRateLimiter
from bot.services.content import ContentStore
from bot.storage.lock import Lock, acquire
from bot.storage.repository import Repository

__all__ = [
    "DEMO_GROUP_TITLE",
    "DEMO_PEOPLE",
    "PREVIEW_TOKEN",
    "YOU",
    "Preview",
    "PreviewOptions",
    "run_preview",
]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREVIEW_TOKEN = "315000315:LocalPreviewTokenNotValidOnTelegram"  # noqa: S105 - not a secret
YOU = 10001


@dataclass(frozen=True)
class DemoPerson:
    id: int
    first_name: str
    username: str | None
    language_code: str


DEMO_PEOPLE = (
    DemoPerson(YOU, "小林", "xiaolin", "zh-hans"),
    DemoPerson(10002, "王阿姨", None, "zh-hans"),
    DemoPerson(10003, "老张", "laozhang", "zh-hans"),
    DemoPerson(10004, "Alice", "alice_en", "en"),
)
DEMO_GROUP_TITLE = "反诈演练群 · Demo group"


@dataclass(frozen=True)
class PreviewOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    database: Path | None = None  # default: preview.sqlite3 beside DATABASE_PATH
    fresh: bool = True  # start from an empty preview database
    flood_limits: bool = True  # Telegram's rate limits, answered with 429 like Telegram
    watch_interval: float = 1.0
    poll_tick: float = 0.5
    demo_data: bool = False  # made-up answers for the editors' reports (bot/preview/demo.py)


@dataclass(frozen=True)
class ContentStatus:
    ok: bool
    version: str
    banks: int
    questions: int
    lessons: int
    campaigns: int
    files: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    summary: str
    checked_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "version": self.version,
            "banks": self.banks,
            "questions": self.questions,
            "lessons": self.lessons,
            "campaigns": self.campaigns,
            "files": self.files,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "summary": self.summary,
            "checked_at": self.checked_at,
        }


class Preview:
    """Start with :meth:`start`, stop with :meth:`stop` (idempotent, also after a failed start)."""

    def __init__(self, settings: Settings, options: PreviewOptions | None = None) -> None:
        self.options = options or PreviewOptions()
        self.settings = settings
        self.emulator = BotApiEmulator(
            token=PREVIEW_TOKEN, flood=FloodLimits() if self.options.flood_limits else None
        )
        self.group_id = _populate(self.emulator)
        self.server = EmulatorServer(
            self.emulator,
            host=self.options.host,
            port=self.options.port,
            static_dir=STATIC_DIR,
            status=self.content_status,
            extra_files=_fonts(),
        )
        self.content = ContentStore(
            settings.served_paths, signals=[settings.signals_dir], timezone=settings.timezone
        )
        self.status: ContentStatus | None = None
        self.lock: Lock | None = None
        self.repo: Repository | None = None
        self.app: PTBApplication | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def database_path(self) -> Path:
        return self.options.database or self.settings.database_path.with_name("preview.sqlite3")

    def content_status(self) -> dict[str, Any] | None:
        return self.status.to_dict() if self.status else None

    def _record(self, result: LoadResult) -> None:
        catalog = self.content.catalog
        self.status = ContentStatus(
            ok=result.ok,
            version=catalog.version,
            banks=len(catalog.banks),
            questions=len(catalog.questions),
            lessons=len(catalog.lessons),
            campaigns=len(catalog.campaigns),
            files=result.files,
            errors=tuple(str(p) for p in result.problems if p.severity is Severity.ERROR),
            warnings=tuple(str(p) for p in result.problems if p.severity is not Severity.ERROR),
            summary=summary(result.problems, result.files),
            checked_at=datetime.now().astimezone().strftime("%H:%M:%S"),
        )
        self.server.notify()

    async def start(self) -> None:
        """Bind first (a taken port fails before anything else starts), then start the bot."""
        await self.server.start()
        try:
            await self._start_bot()
        except BaseException:
            await self.stop()
            raise

    async def _start_bot(self) -> None:
        settings = replace(
            self.settings,
            token=PREVIEW_TOKEN,
            base_url=self.server.api_base_url,
            database_path=self.database_path,
            owner_ids=self.settings.owner_ids | {YOU},
            webhook_url=None,  # the emulator is polled, whatever the .env says
        )
        check_database_path(settings)
        self.lock = acquire(settings.database_path)  # before a fresh start deletes the file
        _prepare_database(settings, fresh=self.options.fresh)
        result = self.content.reload()
        self._record(result)
        if not result.ok:
            log.warning("the content has errors; the page shows them (%s)", self.status_summary)
        self.repo = await Repository.open(settings.database_path)
        if self.options.demo_data:
            await asyncio.to_thread(
                demo.fill, settings.database_path, self.content.catalog, datetime.now(UTC)
            )
        # trust_env=False: a proxy configured for the internet must never see loopback traffic.
        httpx_kwargs = {"trust_env": False}
        self.app = build_application(
            settings,
            repo=self.repo,
            content=self.content,
            request=HTTPXRequest(connection_pool_size=16, httpx_kwargs=httpx_kwargs),
            get_updates_request=HTTPXRequest(connection_pool_size=1, httpx_kwargs=httpx_kwargs),
            # The same limiter as production, so the preview shows the same pace.
            rate_limiter=PriorityRateLimiter() if self.options.flood_limits else None,
            schedule_jobs=True,
        )
        await self.app.initialize()
        await startup.start(self.app)  # the same sequence as `quizbot run`
        watcher = ContentWatcher(self.content, self._record, interval=self.options.watch_interval)
        self._tasks = [
            asyncio.create_task(self.emulator.run_poll_closer(self.options.poll_tick)),
            asyncio.create_task(watcher.run()),
        ]

    @property
    def status_summary(self) -> str:
        return self.status.summary if self.status else "not loaded"

    async def stop(self) -> None:
        """Stop polling, the bot, the server and the database, in that order."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        app, self.app = self.app, None
        if app is not None:
            await startup.stop(app)
        await self.server.stop()
        repo, self.repo = self.repo, None
        if repo is not None:
            await repo.close()
        lock, self.lock = self.lock, None
        if lock is not None:
            lock.release()


def _fonts() -> dict[str, Path]:
    """The CJK font the charts use, as the page's last fallback (a machine may have none)."""
    try:
        font = resources.files(FONT_MODULE) / FONT_FILE
    except ModuleNotFoundError:
        return {}
    return {"/fonts/cjk.ttc": Path(str(font))}


def _prepare_database(settings: Settings, *, fresh: bool) -> None:
    if fresh:  # the emulator's chats start empty, so the bot's memory of them should too
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{settings.database_path}{suffix}").unlink(missing_ok=True)


def _populate(emulator: BotApiEmulator) -> int:
    """A few people to act as, and a demo group in which all of them are members."""
    for person in DEMO_PEOPLE:
        emulator.add_user(
            person.id,
            person.first_name,
            username=person.username,
            language_code=person.language_code,
            started=False,
        )
    return emulator.add_group(
        DEMO_GROUP_TITLE,
        members=[p.id for p in DEMO_PEOPLE],
        admins=[YOU],
        owner_id=YOU,
    )


def port_in_use_message(exc: PortInUseError) -> str:
    other = 8090 if exc.port != 8090 else 8091
    return (
        f"quizbot: port {exc.port} on {exc.host} is already in use (is another preview "
        f"running?); stop it or choose another port: `quizbot preview --port {other}` "
        f"or `make preview PREVIEW_PORT={other}`."
    )


def run_preview(settings: Settings, options: PreviewOptions) -> int:
    """The ``quizbot preview`` command: serve until Ctrl+C or SIGTERM; 1 if the port is taken."""
    return asyncio.run(_serve(settings, options))


async def _serve(settings: Settings, options: PreviewOptions) -> int:
    preview = Preview(settings, options)
    try:
        await preview.start()
    except PortInUseError as exc:
        print(port_in_use_message(exc), file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        print(
            f"Local preview · 本地预览: {preview.url}  — open it in a browser; Ctrl+C stops it.",
            flush=True,
        )
        if options.host not in ("127.0.0.1", "localhost", "::1"):
            log.warning(
                "the preview listens on %s: anyone who can reach this address can use it",
                options.host,
            )
        await stop.wait()
        log.info("stopping the preview")
    finally:
        await preview.stop()
        for signum in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signum)
    return 0
