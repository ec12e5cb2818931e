"""Wiring: ``build_application`` takes its seams (request, repository, clock) as arguments."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
    ExtBot,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.connection import HandledBeforeConfirmed
from bot.context import SERVICES_KEY, Services, utc_now
from bot.handlers import (
    admin,
    campaigns,
    checker,
    dispatch,
    events,
    feedback,
    gate,
    groups,
    home,
    lessons,
    profile,
    prompts,
    quiz,
)
from bot.handlers.groups import TelegramAdmins
from bot.instrument import InstrumentedRequest, PerPersonUpdateProcessor
from bot.logs import error_message, error_site, private_traceback
from bot.render import Renderer
from bot.services.content import ContentStore
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

PTBApplication = Application[Any, Any, Any, Any, Any, Any]
CONCURRENT_UPDATES = 64
"""Updates handled at once (different people); the send budget, not this, sets the pace."""
RUNTIME_KEY = "runtime"


@dataclass
class Runtime:
    """What ``build_application`` puts around the handlers, for ``bot/startup.py``.

    ``processor`` counts and times every update; ``send`` and ``updates`` are the two requests,
    measured (``bot/instrument.py``; None when the caller gave none), the ``getUpdates`` one
    also waiting until the previous batch is handled (``HandledBeforeConfirmed``). ``exits``
    holds what ``startup.start`` opened (the health server); ``startup.stop`` closes it.
    """

    processor: PerPersonUpdateProcessor
    send: InstrumentedRequest | None = None
    updates: InstrumentedRequest | None = None
    exits: AsyncExitStack = field(default_factory=AsyncExitStack)


def runtime(app: PTBApplication) -> Runtime:
    found = app.bot_data[RUNTIME_KEY]
    assert isinstance(found, Runtime)
    return found


class QuietBot(ExtBot[Any]):
    """PTB's bot, whose ``repr`` (in an error message, a debugger, a log) shows no token."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}[id={self.token.split(':', 1)[0]}]"


def build_application(
    settings: Settings,
    *,
    repo: Repository,
    content: ContentStore,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    concurrent_updates: int | None = None,
    clock: Callable[[], datetime] = utc_now,
    rng_factory: Callable[[], random.Random] = random.Random,
    token: str | None = None,
    schedule_jobs: bool = False,
) -> PTBApplication:
    """The bot, ready for ``async with app``. Tests pass a fake ``request`` and no limiter."""
    # Different people's updates at once, each person's in order; counted and timed.
    run = Runtime(PerPersonUpdateProcessor(concurrent_updates or CONCURRENT_UPDATES))
    run.send = InstrumentedRequest(request or HTTPXRequest(connection_pool_size=256))
    confirm = HandledBeforeConfirmed(get_updates_request or HTTPXRequest(connection_pool_size=1))
    run.updates = InstrumentedRequest(confirm)
    bot = QuietBot(
        token or settings.token or "",
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=run.send,
        get_updates_request=run.updates,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            tzinfo=settings.timezone,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        rate_limiter=rate_limiter,
    )
    builder = ApplicationBuilder().bot(bot).concurrent_updates(run.processor)
    app: PTBApplication = builder.build()
    confirm.queue = app.update_queue
    app.bot_data[RUNTIME_KEY] = run
    services = Services(
        settings=settings,
        repo=repo,
        content=content,
        render=Renderer(settings.templates_dir, settings.default_language),
        clock=clock,
        rng_factory=rng_factory,
    )
    app.bot_data[SERVICES_KEY] = services
    services.admin_lookup = TelegramAdmins(app.bot)
    gate.register(app)  # groups: only commands addressed to the bot go further
    prompts.register(app)  # a reply to a reply prompt goes to its feature, not the checker
    admin.register(app)
    campaigns.register(app)  # before quiz: a unit's link is a /start of its own
    feedback.register(app)  # before quiz: a 纠错 link (/start F-…) too
    checker.register(app)  # before quiz: `/start sos`; then any private text is checked
    quiz.register(app)
    profile.register(app)
    events.register(app)
    lessons.register(app)
    groups.register(app)
    home.register(app)
    dispatch.register(app)  # every button, routed by its action (bot/actions.py)
    checker.register_fallback(app)  # last: a private command no handler took gets the menu
    if schedule_jobs:  # off in handler tests: they drive the jobs directly
        lessons.schedule(app)
        campaigns.schedule(app)
    app.add_error_handler(_on_error)
    return app


ERROR_REPORT_EVERY = timedelta(minutes=10)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every unhandled error, and tell the operators, without anyone's private content.

    Neither the log nor the report holds the update or an exception message that could quote
    what someone sent (``bot.logs.private_traceback``): the update's number, the stack, and
    the message only of a library's own errors (Telegram's, the network's).
    One report per kind of error every ten minutes, so a failing dependency cannot flood the
    operators' chats.
    """
    kind = type(update).__name__
    if isinstance(update, Update):
        kind = f"update {update.update_id}"
    if context.error is not None:
        log.error("error while handling %s\n%s", kind, private_traceback(context.error))
    svc = context.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services) or not svc.settings.owner_ids or context.error is None:
        return
    error = type(context.error).__name__
    now = svc.clock()
    reported: dict[str, datetime] = svc.extras.setdefault("error_reports", {})
    if error in reported and now - reported[error] < ERROR_REPORT_EVERY:
        return
    reported[error] = now
    detail = error_message(context.error)
    site = error_site(context.error)
    text = svc.render(
        svc.settings.default_language,
        "error_report",
        error=error,
        detail=detail[:300] if detail else None,
        where=f"{kind} · {site}" if site else kind,
        time=now.astimezone(svc.settings.timezone).strftime("%Y-%m-%d %H:%M"),
    )
    for owner in sorted(svc.settings.owner_ids):
        try:
            await context.bot.send_message(owner, text)
        except TelegramError as exc:  # an operator who never started the bot, say
            log.warning("could not report the error to operator %s: %s", owner, exc)
