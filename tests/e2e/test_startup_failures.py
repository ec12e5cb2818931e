"""`quizbot run` when the Bot API refuses it or cannot be reached: one sentence, exit 1, no token.

Each case is a real process at LOG_LEVEL=DEBUG (python-telegram-bot would log its base URL, which
holds the token, at DEBUG: its loggers are capped at INFO, and redacted anyway) against a local
server that answers like a broken or hostile Bot API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.e2e.processes import bot_env, free_port, run_once

TOKEN = "123456789:AAStartupSecretPart_abcdefghijklmn"
SECRET = TOKEN.split(":", 1)[1]


Answer = dict[str, tuple[int, bytes]]


@pytest.fixture
async def fake_api() -> AsyncIterator[tuple[Answer, int]]:
    """A server that gives every request the answer the test puts in ``answer["now"]``."""
    answer: Answer = {"now": (200, b"{}")}

    async def respond(request: web.Request) -> web.StreamResponse:
        status, body = answer["now"]
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", respond)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield answer, port
    finally:
        await runner.cleanup()


async def run_bot(tmp_path: Path, base_url: str, **extra: str) -> tuple[int, str]:
    """``quizbot run`` to its end: the exit status and everything it printed."""
    env = bot_env(base_url, tmp_path, shipped=True, bypass_proxies=False,
                  TELEGRAM_BOT_TOKEN=TOKEN, **extra)  # fmt: skip
    return await run_once(env, cwd=tmp_path, seconds=60, stdout_too=True)


def assert_one_sentence(code: int, everything: str, expected: str) -> None:
    """Standard output and error together: exit 1, no token, no traceback, one last line."""
    assert code == 1, everything
    assert TOKEN not in everything
    assert SECRET not in everything
    assert "Traceback" not in everything, everything
    last = everything.strip().splitlines()[-1]
    assert last.startswith("quizbot: cannot start: "), everything
    assert expected in last, last
    assert last.count("\n") == 0


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}', "401 Unauthorized"),
        (
            404,
            b'{"ok":false,"error_code":404,"description":"Not Found"}',
            "TELEGRAM_BASE_URL does not point at a Bot API server",
        ),
        (
            500,
            b'{"ok":false,"error_code":500,"description":"Internal Server Error"}',
            "answered with an error (Internal Server Error)",
        ),
        (200, b"<html>hello</html>", "did not answer like a Bot API"),
        (502, b"Bad Gateway", "answered with an error"),
    ],
    ids=["401", "404", "500", "garbage", "502"],
)
async def test_refusals_are_one_sentence_without_the_token(
    fake_api: tuple[Answer, int],
    tmp_path: Path,
    status: int,
    body: bytes,
    expected: str,
) -> None:
    answer, port = fake_api
    answer["now"] = (status, body)
    code, output = await run_bot(tmp_path, f"http://127.0.0.1:{port}/bot")
    assert_one_sentence(code, output, expected)
    # At DEBUG, PTB's own DEBUG records (its URL, every update) are capped: they carry what
    # people send. tests/test_logging.py lifts the cap to check they are redacted too.
    assert "Set Bot API URL" not in output
    assert " INFO " in output


async def test_closed_port_says_unreachable_and_how_to_proxy(tmp_path: Path) -> None:
    code, output = await run_bot(tmp_path, f"http://127.0.0.1:{free_port()}/bot")
    assert_one_sentence(code, output, "cannot reach the Bot API")
    assert "TELEGRAM_PROXY" in output.strip().splitlines()[-1]


async def test_dns_failure_is_named(tmp_path: Path) -> None:
    # .invalid never resolves (RFC 2606), with or without a network.
    code, output = await run_bot(tmp_path, "http://api.telegram.invalid/bot")
    assert_one_sentence(code, output, "DNS failure")


async def test_tls_failure_is_named(fake_api: tuple[Answer, int], tmp_path: Path) -> None:
    _, port = fake_api  # plain http: a TLS handshake with it fails
    code, output = await run_bot(tmp_path, f"https://127.0.0.1:{port}/bot")
    assert_one_sentence(code, output, "(TLS)")
