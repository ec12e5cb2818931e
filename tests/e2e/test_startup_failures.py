"""`quizbot run` when the Bot API refuses it or cannot be reached: one sentence, exit 1, no token.

Each case is a real process at LOG_LEVEL=DEBUG (python-telegram-bot would log its base URL, which
holds the token, at DEBUG: its loggers are capped at INFO, and redacted anyway) against a local
server that answers like a broken or hostile Bot API.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.harness import ROOT

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_bot(tmp_path: Path, base_url: str, **extra: str) -> tuple[int, str, str]:
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TELEGRAM_") and "PROXY" not in k.upper()
        },
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "QUIZZES_DIR": str(ROOT / "quizzes"),
        "CONTENT_DIR": str(ROOT / "content"),
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def assert_one_sentence(code: int, out: str, err: str, expected: str) -> None:
    everything = out + err
    assert code == 1, everything
    assert TOKEN not in everything
    assert SECRET not in everything
    assert "Traceback" not in everything, everything
    last = err.strip().splitlines()[-1]
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
    code, out, err = await run_bot(tmp_path, f"http://127.0.0.1:{port}/bot")
    assert_one_sentence(code, out, err, expected)
    # At DEBUG, PTB's own DEBUG records (its URL, every update) are capped: they carry what
    # people send. tests/test_logging.py lifts the cap to check they are redacted too.
    assert "Set Bot API URL" not in err
    assert " INFO " in err


async def test_closed_port_says_unreachable_and_how_to_proxy(tmp_path: Path) -> None:
    code, out, err = await run_bot(tmp_path, f"http://127.0.0.1:{free_port()}/bot")
    assert_one_sentence(code, out, err, "cannot reach the Bot API")
    assert "TELEGRAM_PROXY" in err.strip().splitlines()[-1]


async def test_dns_failure_is_named(tmp_path: Path) -> None:
    # .invalid never resolves (RFC 2606), with or without a network.
    code, out, err = await run_bot(tmp_path, "http://api.telegram.invalid/bot")
    assert_one_sentence(code, out, err, "DNS failure")


async def test_tls_failure_is_named(fake_api: tuple[Answer, int], tmp_path: Path) -> None:
    _, port = fake_api  # plain http: a TLS handshake with it fails
    code, out, err = await run_bot(tmp_path, f"https://127.0.0.1:{port}/bot")
    assert_one_sentence(code, out, err, "(TLS)")
