"""Webhook mode: the one call that serves it, from the settings (``bot/config.py`` checks them).

``bot/startup.py`` calls, instead of ``start_polling``::

    await app.updater.start_webhook(**webhook_options(settings, bind_webhook(settings)))

python-telegram-bot (its ``webhooks`` extra: tornado) then registers ``WEBHOOK_URL`` and the
secret with ``setWebhook``, serves WEBHOOK_URL's path on the socket, and answers 403 to any
request without the right ``X-Telegram-Bot-Api-Secret-Token`` header, before the update
reaches the queue.

The socket is bound first, by us: python-telegram-bot calls ``setWebhook`` before it binds, so
a port in use would fail only after Telegram had been told to deliver to whatever program
holds that port. Bound first, a taken port is one sentence and Telegram is not touched.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from telegram import Update
from tornado.netutil import bind_sockets

from bot.config import Settings, StartupError

MAX_CONNECTIONS = 40
"""Telegram's default: parallel deliveries; the bot handles one update at a time anyway."""


def webhook_options(settings: Settings, sock: socket.socket | None = None) -> dict[str, Any]:
    """Keyword arguments for ``Updater.start_webhook`` (and ``Application.run_webhook``).

    With ``sock`` (from ``bind_webhook``) the server uses that socket instead of binding
    ``WEBHOOK_LISTEN:WEBHOOK_PORT`` itself (python-telegram-bot's ``unix`` argument takes any
    bound socket).
    """
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhook_options needs WEBHOOK_URL (load_settings makes the secret)")
    where: dict[str, Any] = (
        {"unix": sock}
        if sock is not None
        else {"listen": settings.webhook_listen, "port": settings.webhook_port}
    )
    return {
        **where,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
        "drop_pending_updates": False,  # updates sent while the bot was down still count
        "max_connections": MAX_CONNECTIONS,
        "bootstrap_retries": 0,  # a refused setWebhook stops the start with one sentence
    }


def bind_webhook(settings: Settings) -> socket.socket:
    """A listening socket on ``WEBHOOK_LISTEN:WEBHOOK_PORT``, or ``StartupError`` (one sentence).

    A host name that resolves to several addresses listens on the first one.
    """
    host, port = settings.webhook_listen, settings.webhook_port
    try:
        sockets = bind_sockets(port, address=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"WEBHOOK_PORT={port} on {host} is already in use by another program; choose "
                "another port (and point the reverse proxy at it) or stop that program"
            ) from None
        raise StartupError(
            f"cannot listen for webhooks on {host}:{port} ({exc.strerror or exc}); check "
            "WEBHOOK_LISTEN and WEBHOOK_PORT"
        ) from None
    first, *rest = sockets
    for extra in rest:
        extra.close()
    return first
