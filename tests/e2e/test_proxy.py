"""`quizbot run` through a proxy: TELEGRAM_PROXY (http, socks5), HTTPS_PROXY, loopback bypass.

The emulator is reachable as ``api.telegram.test``, a name only the test proxies resolve, so a
bot that serves at all went through the proxy; the proxy's log shows both of the bot's requests
(sending and getUpdates) used it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from bot.emulator.core import BotApiEmulator
from bot.emulator.server import EmulatorServer
from tests.e2e.processes import TOKEN, USER, Bot, bot_env, until
from tests.proxies import FAKE_HOST, HttpProxy, Socks5Proxy


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def emulator() -> BotApiEmulator:
    emu = BotApiEmulator(token=TOKEN)
    emu.add_user(USER, "测试用户")
    return emu


async def serve(emu: BotApiEmulator, context: ssl.SSLContext | None = None) -> EmulatorServer:
    server = EmulatorServer(emu, port=0, ssl_context=context, extra_host_names=(FAKE_HOST,))
    await server.start()
    return server


@pytest.fixture
async def plain_server(emulator: BotApiEmulator) -> AsyncIterator[EmulatorServer]:
    server = await serve(emulator)
    try:
        yield server
    finally:
        await server.stop()


async def run(tmp_path: Path, base_url: str, **env: str) -> Bot:
    """``quizbot run`` with the proxy settings ``env`` gives (none from this machine)."""
    return await Bot.start(
        bot_env(base_url, tmp_path, shipped=True, bypass_proxies=False, **env), cwd=tmp_path
    )


async def serves_and_answers(bot: Bot, emu: BotApiEmulator) -> None:
    """The bot started (getMe, setMyCommands) and answers /start (getUpdates, sendMessage)."""
    try:
        await bot.wait_for_log("serving as @")
        before = len(emu.messages(USER))
        emu.user_sends(USER, USER, "/start")
        await until(lambda: len(emu.messages(USER)) >= before + 2, "the bot's welcome")
    finally:
        code = await bot.stop()
    log = "".join(bot.log)
    assert code == 0, log
    assert TOKEN.split(":")[1] not in log


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_telegram_proxy_carries_both_requests(
    plain_server: EmulatorServer, emulator: BotApiEmulator, tmp_path: Path, kind: str
) -> None:
    proxy = (HttpProxy if kind == "http" else Socks5Proxy)(plain_server.port)
    await proxy.start()
    try:
        bot = await run(
            tmp_path,
            f"http://{FAKE_HOST}:{plain_server.port}/bot",
            TELEGRAM_PROXY=f"{kind}://127.0.0.1:{proxy.port}",
        )
        await serves_and_answers(bot, emulator)
    finally:
        await proxy.stop()
    # getMe, setMyCommands and the replies on one connection pool, getUpdates on another.
    assert proxy.seen.count(FAKE_HOST) >= 2


async def test_https_proxy_variable_tunnels_to_an_https_bot_api(
    emulator: BotApiEmulator, authority: trustme.CA, tmp_path: Path
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(FAKE_HOST).configure_cert(context)
    server = await serve(emulator, context)
    proxy = HttpProxy(server.port)
    await proxy.start()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    try:
        bot = await run(
            tmp_path,
            f"https://{FAKE_HOST}:{server.port}/bot",
            HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}",
            SSL_CERT_FILE=str(ca_file),
        )
        await serves_and_answers(bot, emulator)
    finally:
        await proxy.stop()
        await server.stop()
    assert proxy.seen.count(FAKE_HOST) >= 2


async def test_a_local_bot_api_bypasses_every_proxy(
    plain_server: EmulatorServer, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    # Both proxies point at a port nobody listens on: using either would fail.
    bot = await run(
        tmp_path,
        plain_server.api_base_url,
        TELEGRAM_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        ALL_PROXY="socks5://127.0.0.1:9",
    )
    await serves_and_answers(bot, emulator)


async def test_an_unreachable_proxy_is_one_sentence(tmp_path: Path) -> None:
    bot = await run(
        tmp_path,
        f"http://{FAKE_HOST}/bot",
        TELEGRAM_PROXY="socks5://user:hunter2secret@127.0.0.1:9",
    )
    code = await asyncio.wait_for(bot.proc.wait(), 60)
    await bot._reader
    log = "".join(bot.log)
    assert code == 1, log
    last = log.strip().splitlines()[-1]
    assert last.startswith("quizbot: cannot start: "), log
    assert "socks5://127.0.0.1:9" in last
    assert "hunter2secret" not in log
    assert "Traceback" not in log
