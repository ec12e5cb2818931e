"""What people send is never stored, logged or sent anywhere — at every level, DEBUG too.

The bot runs with the production logging set-up at DEBUG; people send a message carrying a
unique marker every way the bot reads text (typed, a caption, /check, a reply to a prompt, a
group /check, an unknown command, and while the bot fails). The marker must be in no log line,
no byte of the database (main file, -wal, -shm), and no report to the operators.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.logs import FORMAT, WITHHELD, private_traceback, setup_logging
from bot.services.checker import CheckerService
from tests.checker.conftest import ROOT, SIGNALS
from tests.checker.support import PHOTO, deliver, poll
from tests.harness import Clock, Harness

MARKER = "QZX7731暗号"
SCAM = f"我刚接到一个自称公安的电话，让我转钱到安全账户，说是{MARKER}"
USER, OPERATOR = 42, 1


def database_bytes(settings: Settings) -> dict[str, bytes]:
    folder = settings.database_path.parent
    return {p.name: p.read_bytes() for p in sorted(folder.glob(settings.database_path.name + "*"))}


def leaks(blobs: dict[str, bytes]) -> list[str]:
    forms = {MARKER.encode("utf-8"), MARKER.encode("utf-16-le"), b"QZX7731"}
    return [name for name, blob in blobs.items() if any(form in blob for form in forms)]


async def say(
    bot: Harness, user: int, text: str, chat: int | None = None, reply_to: int | None = None
) -> None:
    """A message fetched the way the running bot fetches it: getUpdates."""
    bot.user(user)
    where = chat if chat is not None else user
    bot.emu.user_sends(user, where, text, reply_to_message_id=reply_to)
    await poll(bot)


async def send_the_marker_every_way(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await say(bot, USER, SCAM)  # typed
    bot.clock.advance(seconds=30)
    await deliver(bot, USER, photo=PHOTO, caption=SCAM)  # a caption
    bot.clock.advance(seconds=30)
    await say(bot, USER, f"/check {SCAM}")  # /check with the text
    await say(bot, USER, "/check")  # a reply prompt, answered
    await say(bot, USER, SCAM, reply_to=bot.last(USER).message_id)
    await say(bot, USER, f"/strat{MARKER}")  # an unknown command
    group = bot.emu.add_group("群", members=[USER, 77], admins=[77], bot_is_admin=True)
    await say(bot, 77, SCAM, chat=group)  # heard (the bot is an admin) and ignored
    said = [m for m in bot.emu.messages(group) if m.from_id == 77][-1]
    await say(bot, USER, "/check", chat=group, reply_to=said.message_id)
    # While failing: Telegram times out, then a bug raises an exception quoting the text.
    bot.clock.advance(seconds=30)
    bot.request.fail_next.add("sendMessage")
    with pytest.raises(AssertionError, match="TimedOut"):
        await say(bot, USER, SCAM)
    bot.errors.clear()

    async def broken(self: CheckerService, text: str, now: object = None) -> None:
        raise ValueError(f"cannot check {text!r}")

    monkeypatch.setattr(CheckerService, "check", broken)
    bot.clock.advance(seconds=30)
    with pytest.raises(AssertionError, match="ValueError"):
        await say(bot, USER, SCAM)
    bot.errors.clear()
    monkeypatch.undo()


async def test_the_text_is_in_no_log_line_and_no_byte_of_the_database_at_debug(
    settings: Settings,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup_logging(logging.DEBUG, secrets=[settings.token or ""])
    caplog.set_level(logging.DEBUG)
    bot = Harness(
        settings,
        clock,
        content_paths=[ROOT / "quizzes", ROOT / "content" / "lessons"],
        signals=[SIGNALS],
    )
    await bot.start()
    try:
        assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
        await send_the_marker_every_way(bot, monkeypatch)
        while_running = database_bytes(settings)
        replies = [m.text or "" for m in bot.emu.messages(USER) if m.from_id == bot.emu.bot.id]
        reports = [m.text or "" for m in bot.emu.messages(OPERATOR)]
    finally:
        await bot.stop()
        remove_our_handler()
    logged = capsys.readouterr().err
    records = [logging.Formatter(FORMAT).format(r) for r in caplog.records]
    # The run really logged, errors with their tracebacks included.
    assert "error while handling update" in logged
    assert "ValueError (message withheld" in logged
    assert "TimedOut: simulated timeout on sendMessage" in logged
    assert MARKER not in logged
    assert not [line for line in records if "QZX7731" in line]
    assert {"bot.sqlite3", "bot.sqlite3-wal"} <= set(while_running)
    assert leaks(while_running) == []
    assert leaks(database_bytes(settings)) == []
    assert len(reports) == 2  # the operators heard of both errors …
    assert not [r for r in reports if "QZX7731" in r]  # … without the text
    assert any("ValueError\n位置：update" in r for r in reports), reports
    assert len(replies) >= 6  # every way was answered


async def test_without_the_cap_python_telegram_bot_would_log_the_text(
    cbot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Why the cap exists (and why the test above can fail): PTB logs updates at DEBUG."""
    caplog.set_level(logging.DEBUG)
    await say(cbot, USER, SCAM)
    assert any("QZX7731" in record.getMessage() for record in caplog.records)


async def test_our_output_drops_them_even_if_someone_lifts_the_cap(
    cbot: Harness, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging(logging.DEBUG)
    logging.getLogger("telegram").setLevel(logging.DEBUG)  # an operator's own tweak
    caplog.set_level(logging.DEBUG)
    try:
        await say(cbot, USER, SCAM)
    finally:
        remove_our_handler()
    assert any("QZX7731" in record.getMessage() for record in caplog.records)  # created …
    assert "QZX7731" not in capsys.readouterr().err  # … but never written by our handler


def remove_our_handler() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "quizbot", False):
            root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.NOTSET)


def test_a_traceback_keeps_the_stack_and_withholds_a_message_that_could_quote_text() -> None:
    def check(text: str) -> None:
        raise KeyError(text)

    try:
        try:
            check(MARKER)
        except KeyError as exc:
            raise RuntimeError(f"while checking {MARKER}") from exc
    except RuntimeError as error:
        shown = private_traceback(error)
    assert MARKER not in shown
    assert "raise KeyError(text)" in shown  # the code, not the data
    assert f"KeyError {WITHHELD}" in shown
    assert f"RuntimeError {WITHHELD}" in shown


async def test_only_which_signals_fired_and_the_day_are_counted(cbot: Harness) -> None:
    await cbot.send(USER, SCAM)
    assert cbot.repo is not None
    report = await cbot.repo.checker.signal_days(*(2 * [cbot.clock.now.date()]))
    assert {(str(r.day), r.signal_id, r.hits) for r in report} >= {
        ("2026-03-15", "police-identity", 1),
        ("2026-03-15", "transfer-request", 1),
    }
    days = await cbot.repo.checker.check_days(cbot.clock.now.date(), cbot.clock.now.date())
    assert [(str(d.day), d.checks, d.flagged) for d in days] == [("2026-03-15", 1, 1)]


async def test_mydata_shows_and_forget_deletes_the_one_row_kept_per_chat(cbot: Harness) -> None:
    await cbot.send(USER, SCAM)
    assert cbot.repo is not None
    exported = await cbot.repo.privacy.export_user(USER)
    (row,) = exported["checker_replies"]
    assert set(row) == {
        "chat_id",
        "last_message_id",
        "burst",
        "burst_date",
        "reply_message_id",
        "updated_at",
    }
    await cbot.send(USER, "/forget")
    await cbot.press(USER, cbot.button(USER, "删除"))
    assert (await cbot.repo.privacy.export_user(USER))["checker_replies"] == []
    counted = await cbot.repo.checker.check_days(cbot.clock.now.date(), cbot.clock.now.date())
    assert counted[0].checks == 1  # the counts were never anyone's


def test_log_capture_helper_leaves_logging_as_found(tmp_path: Path) -> None:
    setup_logging(logging.DEBUG)
    assert logging.getLogger("telegram").level == logging.INFO  # capped at DEBUG
    remove_our_handler()
    assert logging.getLogger("telegram").level == logging.NOTSET
