"""The token never reaches a log line, even at DEBUG with every library logging."""

from __future__ import annotations

import logging

import pytest
from telegram.request import BaseRequest

from bot.config import Settings
from bot.logs import FORMAT, RedactFilter, Redactor, setup_logging
from tests.harness import Clock, Harness

from .conftest import DATA


async def test_token_is_absent_from_every_log_record_at_debug(
    settings: Settings, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    token = settings.token
    assert token
    setup_logging(logging.DEBUG, secrets=[token])
    # setup_logging caps PTB at INFO (its DEBUG records carry what people send); lifted here
    # so that every record PTB can make is checked for the token.
    logging.getLogger("telegram").setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    harness = Harness(settings, clock, content_paths=[DATA / "quizzes"])
    await harness.start()
    try:
        assert harness.app is not None
        await harness.app.bot.get_me()
        await harness.send(42, "/start")
        await harness.press(42, harness.button(42, "示例题库"))
    finally:
        await harness.stop()
    formatter = logging.Formatter(FORMAT)
    assert len(caplog.records) > 10  # PTB really logged at DEBUG
    for record in caplog.records:
        line = formatter.format(record)
        assert token not in line
        assert token.split(":")[1] not in line
    logging.getLogger("telegram").setLevel(logging.NOTSET)
    remove_our_handler()


def remove_our_handler() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "quizbot", False):
            root.removeHandler(handler)
    root.setLevel(logging.WARNING)


def test_redact_filter_masks_a_secret_in_any_argument() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "url %s", ("https://a/bot123:SECRET/getMe",), None
    )
    RedactFilter(["123:SECRET"]).filter(record)
    assert record.getMessage() == "url https://a/bot<redacted>/getMe"


def test_httpx_is_kept_quiet_because_it_logs_urls() -> None:
    setup_logging(logging.DEBUG)
    try:
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
    finally:
        remove_our_handler()


def test_a_traceback_holding_the_token_is_masked_for_every_handler() -> None:
    """PTB's InvalidToken says "The token `…` was rejected": its traceback must not show it."""
    token = "123456789:AASecretInTheException_abcdefgh"
    setup_logging(logging.DEBUG, secrets=[token])
    seen: list[str] = []

    class Collect(logging.Handler):  # a handler that is not ours, with a plain formatter
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(logging.Formatter(FORMAT).format(record))

    foreign = Collect()
    logging.getLogger().addHandler(foreign)
    try:
        try:
            raise ValueError(f"The token `{token}` was rejected by the server.")
        except ValueError:
            logging.getLogger("telegram.ext.Application").exception("stopping: %s", token)
        logging.getLogger("x").info("quoted %s", "123456789%3AASecretInTheException_abcdefgh")
    finally:
        logging.getLogger().removeHandler(foreign)
        remove_our_handler()
    assert len(seen) == 2
    assert "Traceback" in seen[0]
    for line in seen:
        assert token.split(":")[1] not in line
        assert "ASecretInTheException" not in line
        assert "<redacted>" in line


def test_redactor_masks_the_secret_half_and_url_quoted_forms() -> None:
    redact = Redactor(["42:ABCDEFGHIJKLMNOP"])
    assert redact("bot42:ABCDEFGHIJKLMNOP/getMe") == "bot<redacted>/getMe"
    assert redact("42%3AABCDEFGHIJKLMNOP") == "<redacted>"
    assert redact("half ABCDEFGHIJKLMNOP") == "half <redacted>"
    assert redact("the bot id 42 is public") == "the bot id 42 is public"


def test_webhook_updates_are_logged_without_their_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    setup_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        updater = logging.getLogger("telegram.ext.Updater")
        body = '{"message": {"text": "我的银行卡密码是 981273"}}'
        updater.debug("Webhook received data: %s", body)
        updater.critical("Received data was *not* processed! Received data was: %r", body)
        updater.debug("Received Update with ID %d on Webhook", 7)
    finally:
        remove_our_handler()
    lines = [record.getMessage() for record in caplog.records]
    # python-telegram-bot's loggers stop at INFO (its DEBUG lines carry whole updates); what
    # it says louder about a webhook body is rewritten without the body.
    assert lines == [
        "Received data was *not* processed! Received data was (content not logged)",
    ]


async def test_reprs_of_settings_bot_and_requests_hide_the_token(settings: Settings) -> None:
    from bot.app import QuietBot
    from bot.connection import build_requests

    def build_bot(settings: Settings, send: BaseRequest, updates: BaseRequest) -> QuietBot:
        return QuietBot(token or "", request=send, get_updates_request=updates)

    token = settings.token
    assert token
    send, updates = build_requests(settings)
    bot = build_bot(settings, send, updates)
    for shown in (repr(settings), str(settings), repr(bot), repr(send), repr(updates)):
        assert token not in shown
        assert token.split(":")[1] not in shown
