"""How the bot reaches the Bot API, and what to tell the operator when it cannot.

Both requests (the one for sending and the one for ``getUpdates``) go through the same proxy:
``TELEGRAM_PROXY`` when set (http, https or socks5), else the standard ``HTTPS_PROXY`` /
``ALL_PROXY`` / ``NO_PROXY`` variables. A Bot API on this computer (the preview, tests, a
self-hosted server on loopback) is always reached directly.

A start-up failure becomes one sentence with the cause and the fix (``describe_startup_error``);
nothing here ever formats the token.

``HandledBeforeConfirmed`` wraps the ``getUpdates`` request so that long polling confirms a
batch only once every update of it has been handled (see its docstring).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.config import DEFAULT_BASE_URL, Settings
from bot.logs import redact

log = logging.getLogger(__name__)

SEND_POOL_SIZE = 64
"""Concurrent sends; the rate limiter, not the pool, decides the pace."""
PROXY_HINT = (
    "if Telegram is blocked where this runs, set TELEGRAM_PROXY (http://, https:// or "
    "socks5:// address of a proxy) or run a Bot API server where Telegram is reachable and "
    "point TELEGRAM_BASE_URL at it"
)


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_requests(settings: Settings) -> tuple[HTTPXRequest, HTTPXRequest]:
    """The request for sending and the one for ``getUpdates``, with the same proxy rules."""
    direct = is_loopback(settings.base_url)
    proxy = None if direct else settings.proxy
    # trust_env=False: neither a proxy from the environment nor .netrc for a local Bot API.
    kwargs = {"trust_env": not direct}
    send = HTTPXRequest(connection_pool_size=SEND_POOL_SIZE, proxy=proxy, httpx_kwargs=kwargs)
    updates = HTTPXRequest(connection_pool_size=1, proxy=proxy, httpx_kwargs=kwargs)
    return send, updates


class WrappingRequest(BaseRequest):
    """A ``BaseRequest`` that passes every call to ``inner``, with a hook before and after.

    Subclasses override ``before`` (awaited before the call) and ``after`` (given the answer's
    status code); the URL they see holds the token, so they keep only its last segment.
    """

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def before(self, url: str) -> None:
        """Called before the request is sent."""

    def after(self, url: str, code: int) -> None:
        """Called with the answer's status code."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        await self.before(url)
        code, body = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        self.after(url, code)
        return code, body


class HandledBeforeConfirmed(WrappingRequest):
    """Sends ``getUpdates`` only when every update received so far has been handled.

    ``getUpdates`` with ``offset`` is how long polling confirms the previous batch; Telegram
    then forgets it. python-telegram-bot asks again as soon as the batch is queued, so a
    process killed while handling it would lose those updates. Waiting for the application's
    ``update_queue`` to be joined (each update is marked done after its handlers ran, also
    when updates are handled concurrently) means a SIGKILL or a crash leaves the
    unhandled batch at Telegram, which delivers it again after the restart; answers are kept
    once by the database's UNIQUE keys. The cost: a new batch waits for the slowest update of
    the previous one. ``queue`` is set once the application exists (``build_application``).
    """

    def __init__(self, inner: BaseRequest) -> None:
        super().__init__(inner)
        self.queue: asyncio.Queue[Any] | None = None

    async def before(self, url: str) -> None:
        if self.queue is not None and url.endswith("/getUpdates"):
            await self.queue.join()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _text(exc: BaseException) -> str:
    return " | ".join(f"{type(e).__name__}: {e}" for e in _chain(exc)).lower()


def where(settings: Settings) -> str:
    """The Bot API server named for the operator: scheme, host and port, never the path."""
    parts = urlsplit(settings.base_url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def describe_startup_error(exc: BaseException, settings: Settings) -> str | None:
    """One sentence naming the cause and the fix, or None for errors that are not about
    reaching the Bot API (those are programming errors and keep their traceback)."""
    server = where(settings)
    via = f" through the proxy {where_proxy(settings.proxy)}" if settings.proxy else ""
    text = _text(exc)
    if isinstance(exc, InvalidToken):
        if "not found" in text or "404" in text:
            default = settings.base_url == DEFAULT_BASE_URL
            return f"the Bot API at {server} answered 404 Not Found: " + (
                "Telegram does not know this TELEGRAM_BOT_TOKEN; copy the token again "
                "from @BotFather (/token) into .env"
                if default
                else "TELEGRAM_BASE_URL does not point at a Bot API server (it should end "
                f"in /bot, like the default {DEFAULT_BASE_URL}); fix it in .env"
            )
        return (
            f"the Bot API at {server} refused TELEGRAM_BOT_TOKEN (401 Unauthorized): the token "
            "was revoked or mistyped; get the current one from @BotFather (/token) and put it "
            "in .env"
        )
    if isinstance(exc, TimedOut):
        return f"the Bot API at {server} did not answer in time{via}; {PROXY_HINT}"
    if isinstance(exc, NetworkError):
        if any(
            marker in text
            for marker in (
                "name or service not known",
                "temporary failure in name resolution",
                "nodename nor servname",
                "no address associated",
                "getaddrinfo failed",
                "name resolution",
            )
        ):
            return (
                f"cannot look up the address of {server}{via} (DNS failure): check the host in "
                f"TELEGRAM_BASE_URL and this computer's DNS; {PROXY_HINT}"
            )
        if any(marker in text for marker in ("ssl", "certificate", "tls")):
            return (
                f"the secure connection to {server}{via} failed (TLS): the server's certificate "
                "was not accepted or it does not speak https; check TELEGRAM_BASE_URL (http:// "
                "or https://) and the computer's clock and CA certificates"
            )
        if "proxy" in text or ("socks" in text and settings.proxy):
            return (
                f"the proxy {where_proxy(settings.proxy)} refused or failed the connection to "
                f"{server}: check TELEGRAM_PROXY"
            )
        if any(
            marker in text
            for marker in (
                "connecterror",
                "connection refused",
                "connect call failed",
                "all connection attempts failed",
                "network is unreachable",
                "no route to host",
                "connecttimeout",
            )
        ):
            return f"cannot reach the Bot API at {server}{via}; {PROXY_HINT}"
        return (
            f"the Bot API at {server} answered with an error ({_short(exc)}); try again later, "
            "and if it persists check TELEGRAM_BASE_URL"
        )
    if isinstance(exc, TelegramError):
        if "invalid server response" in text:
            return (
                f"the server at {server} did not answer like a Bot API (its reply is not "
                "Telegram's JSON): check TELEGRAM_BASE_URL"
            )
        return f"the Bot API at {server} refused to start the bot ({_short(exc)})"
    return None


def _short(exc: BaseException) -> str:
    return redact(str(exc)).strip().splitlines()[0][:160] if str(exc).strip() else "no detail"


def where_proxy(proxy: str | None) -> str:
    """A proxy address without its user name and password."""
    if not proxy:
        return "none"
    parts = urlsplit(proxy)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


class Outage:
    """Losing the Bot API while running: said once when it starts and once when it ends.

    python-telegram-bot's polling loop already retries with backoff (1 s growing to 30 s) and
    would log every failed attempt with a traceback; this is its ``error_callback`` instead.
    Updates Telegram holds meanwhile arrive after recovery; a reply that failed is shown on
    the person's next press (answers are stored before the reply is sent).
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.since: float | None = None
        self.failures = 0

    def on_error(self, exc: TelegramError) -> None:
        self.failures += 1
        if self.since is not None:
            return
        self.since = self.clock()
        log.warning(
            "lost contact with the Bot API at %s (%s); retrying with backoff until it is back",
            where(self.settings),
            _short(exc),
        )

    def on_success(self) -> None:
        if self.since is None:
            return
        down = self.clock() - self.since
        log.warning(
            "contact with the Bot API is back after %.0f s (%d failed attempts)",
            down,
            self.failures,
        )
        self.since, self.failures = None, 0
