"""Webhook mode: the one call that serves it, from the settings (``bot/config.py`` checks them).

Phase 2 of the start-up calls, instead of ``start_polling``::

    await app.updater.start_webhook(**webhook_options(settings))

python-telegram-bot (its ``webhooks`` extra: tornado) then registers ``WEBHOOK_URL`` and the
secret with ``setWebhook``, listens on ``WEBHOOK_LISTEN:WEBHOOK_PORT`` at WEBHOOK_URL's path,
and answers 403 to any request without the right ``X-Telegram-Bot-Api-Secret-Token`` header,
before the update reaches the queue.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.config import Settings

MAX_CONNECTIONS = 40
"""Telegram's default: parallel deliveries; the bot handles one update at a time anyway."""


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Updater.start_webhook`` (and ``Application.run_webhook``)."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhook_options needs WEBHOOK_URL (load_settings makes the secret)")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
        "drop_pending_updates": False,  # updates sent while the bot was down still count
        "max_connections": MAX_CONNECTIONS,
        "bootstrap_retries": 0,  # a refused setWebhook stops the start with one sentence
    }
