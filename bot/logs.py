"""One log format for the whole bot, and no secrets or private text in it.

The bot token is the one secret. It can reach text in three ways: a library logs a URL (PTB logs
its base URL at DEBUG, httpx every request URL at INFO), an exception carries it (PTB's
``InvalidToken`` says "The token `…` was rejected"), or a traceback shows either. Every log
record is redacted where it is made (a record factory, so every handler sees the clean record,
not only ours), including its exception text; ``redact`` serves any other output.

What people send the bot is private too (the scam checker promises it is never logged).
python-telegram-bot logs whole updates and every Bot API call's parameters and results at
DEBUG, so its loggers are capped at INFO whatever the level (``setup_logging``), our handler
drops any DEBUG record of theirs and withholds Telegram objects passed as log arguments
(``PrivacyFilter``), and errors are logged with ``private_traceback``: the stack, but not the
message of an exception that could quote a person's text.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
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


# python-telegram-bot's loggers: at DEBUG they print updates, parameters and results whole.
LIBRARY_CAP = logging.INFO
_PTB = "telegram"
# Exceptions whose messages are a library's own words (Telegram's error descriptions, network
# errors), never a person's text: these keep their message in logs and operators' reports.
_LIBRARIES = frozenset({"telegram", "httpx", "httpcore", "aiosqlite", "sqlite3", "asyncio"})
WITHHELD = "(message withheld: it could quote what someone sent)"


def _is_telegram_object(value: object) -> bool:
    return type(value).__module__.split(".", 1)[0] == _PTB


class PrivacyFilter(logging.Filter):
    """No update, message or call payload in our output, whoever logs it at whatever level.

    python-telegram-bot's DEBUG records ("Processing update …", "Calling Bot API endpoint …
    with parameters …", "Webhook received data …") are dropped; a Telegram object passed as an
    argument of any other record is shown as its type only.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < LIBRARY_CAP and record.name.split(".", 1)[0] == _PTB:
            return False
        args = record.args
        if isinstance(args, tuple) and any(_is_telegram_object(a) for a in args):
            record.args = tuple(
                f"<{type(a).__name__}>" if _is_telegram_object(a) else a for a in args
            )
        elif isinstance(args, dict) and any(_is_telegram_object(a) for a in args.values()):
            record.args = {
                k: f"<{type(a).__name__}>" if _is_telegram_object(a) else a
                for k, a in args.items()
            }
        return True


def is_library_error(error: BaseException) -> bool:
    """An exception of a library whose message is the library's own words."""
    return type(error).__module__.split(".", 1)[0] in _LIBRARIES or isinstance(error, OSError)


def error_message(error: BaseException) -> str | None:
    """The exception's message when it cannot carry a person's text; None otherwise."""
    return redact(str(error)) if is_library_error(error) else None


def error_site(error: BaseException) -> str | None:
    """Where in the bot's own code it was raised: ``bot/handlers/x.py:12 (handler)``."""
    root = Path(__file__).resolve().parent
    site = None
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.is_relative_to(root):
            site = f"bot/{path.relative_to(root).as_posix()}:{frame.lineno} ({frame.name})"
    return site


def private_traceback(error: BaseException) -> str:
    """The traceback (chained exceptions too) with each message that could quote a person's
    text withheld: the frames show the code, never the data."""
    lines: list[str] = []
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for index, exc in enumerate(reversed(chain)):
        if index:
            lines.append("\nDuring handling of the above exception, another exception occurred:\n")
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip() for line in traceback.format_tb(exc.__traceback__))
        message = error_message(exc)
        name = type(exc).__qualname__
        lines.append(f"{name}: {message}" if message else f"{name} {WITHHELD}")
    return redact("\n".join(lines))


def setup_logging(level: int, *, secrets: list[str] | None = None) -> None:
    set_secrets(secrets or [])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactFilter(secrets or []))
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "quizbot", False):  # ours from an earlier call; others stay
            root.removeHandler(old)
    handler.quizbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # At DEBUG the bot's own records are wanted, python-telegram-bot's payloads are not.
    logging.getLogger(_PTB).setLevel(max(level, LIBRARY_CAP))
    quiet_libraries()


class _BadPayloadFilter(logging.Filter):
    """PTB logs a reply that is not JSON as an ERROR with a traceback and the whole body.

    The caller already gets (and explains) the error; one short warning line is enough, and
    it leaves the body out: a getUpdates body holds what people sent.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            size = sum(len(str(a)) for a in record.args or ()) if record.args else 0
            record.msg = f"the Bot API answered with a body that is not JSON ({size} characters)"
            record.args = None
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
