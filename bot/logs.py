"""One log format for the whole bot, and no secrets in it.

The bot token is the one secret. It can reach text in three ways: a library logs a URL (PTB logs
its base URL at DEBUG, httpx every request URL at INFO), an exception carries it (PTB's
``InvalidToken`` says "The token `…` was rejected"), or a traceback shows either. Every log
record is redacted where it is made (a record factory, so every handler sees the clean record,
not only ours), including its exception text; ``redact`` serves any other output.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable
from urllib.parse import quote

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "<redacted>"
# httpx logs every request URL at INFO, and a Bot API URL contains the token.
_QUIET = ("httpx", "httpcore", "apscheduler", "aiosqlite")


class Redactor:
    """Replaces every known form of the secrets: whole, the part after the colon, URL-quoted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            parts = [secret]
            if ":" in secret:  # a bot token: the id before the colon is public, the rest is not
                parts.append(secret.split(":", 1)[1])
            for part in parts:
                if len(part) >= 8:  # a short part would redact ordinary words
                    forms.update({part, quote(part, safe=""), quote(part)})
        # Longest first, so the whole token is masked before its secret half.
        self.forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self.forms)


_redactor = Redactor()
_base_factory = logging.getLogRecordFactory()


def redact(text: str) -> str:
    """``text`` without the secrets given to ``setup_logging`` (or ``set_secrets``)."""
    return _redactor(text)


def set_secrets(secrets: Iterable[str]) -> None:
    """Redact these from every log record made from now on, whoever handles it."""
    global _redactor
    _redactor = Redactor(secrets)
    logging.setLogRecordFactory(_redacting_factory)


def _redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    if _redactor:
        redact_record(record, _redactor)
    return record


def redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    """Mask secrets in the message, the exception text and the stack of one record."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to logging's own error report
        message = str(record.msg)
    clean = redactor(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redactor("".join(traceback.format_exception(*record.exc_info)).rstrip())
    elif record.exc_text:
        record.exc_text = redactor(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor(record.stack_info)


class RedactFilter(logging.Filter):
    """Masks secrets in records a handler receives: a second line of defence."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.redactor = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redactor:
            redact_record(record, self.redactor)
        return True


def setup_logging(level: int, *, secrets: list[str] | None = None) -> None:
    set_secrets(secrets or [])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactFilter(secrets or []))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "quizbot", False):  # ours from an earlier call; others stay
            root.removeHandler(old)
    handler.quizbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries()


class _BadPayloadFilter(logging.Filter):
    """PTB logs a reply that is not JSON as an ERROR with a traceback and the whole body.

    The caller already gets (and explains) the error; one short warning line is enough.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = redact(record.getMessage())[:200], None
        return True


_BAD_PAYLOAD = _BadPayloadFilter()


class _WebhookPayloadFilter(logging.Filter):
    """PTB's webhook server logs each update's whole JSON (DEBUG "Webhook received data"; on
    a bad update, CRITICAL "Received data was"): people's messages. Keep the line, drop the
    data."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith("Webhook received data") or "Received data was" in text:
            head = text.split("%", 1)[0].rstrip(" :")
            record.msg, record.args = f"{head} (content not logged)", None
        return True


_WEBHOOK_PAYLOAD = _WebhookPayloadFilter()


def quiet_libraries() -> None:
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for logger_name, payload_filter in (
        ("telegram.request.BaseRequest", _BAD_PAYLOAD),
        ("telegram.ext.Updater", _WEBHOOK_PAYLOAD),
    ):
        payload_logger = logging.getLogger(logger_name)
        if payload_filter not in payload_logger.filters:
            payload_logger.addFilter(payload_filter)
