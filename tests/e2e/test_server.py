"""The emulator's HTTP surface, spoken the way Bot API clients speak it (not only PTB)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.emulator.core import BotApiEmulator, FloodLimits
from bot.emulator.server import EmulatorServer, PortInUseError

TOKEN = "123456:HTTP-TEST"
USER = 42


@pytest.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    emulator = BotApiEmulator(token=TOKEN, flood=FloodLimits())
    emulator.add_user(USER, "测试")
    running = EmulatorServer(emulator, port=0)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


def api(server: EmulatorServer, method: str, token: str = TOKEN) -> str:
    return f"{server.url}/bot{token}/{method}"


async def test_json_form_query_and_multipart_bodies(
    server: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(api(server, "getMe")) as response:
        me = await response.json()
    assert (response.status, me["result"]["username"]) == (200, "quiz315_bot")

    body = {"chat_id": USER, "text": "<b>注意</b>", "parse_mode": "HTML"}
    async with http.post(api(server, "sendMessage"), json=body) as response:
        sent = await response.json()
    assert sent["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]

    keyboard = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    form = {"chat_id": str(USER), "text": "选", "reply_markup": json.dumps(keyboard)}
    async with http.post(api(server, "sendMessage"), data=form) as response:
        assert (await response.json())["result"]["reply_markup"] == keyboard

    async with http.get(api(server, "sendChatAction"), params={"chat_id": USER}) as response:
        refused = await response.json()
    assert (response.status, refused["description"]) == (
        400,
        'Bad Request: parameter "action" is required',
    )

    upload = aiohttp.FormData()
    upload.add_field("chat_id", str(USER))
    upload.add_field("caption", "数据")
    upload.add_field(
        "document", b'{"a": 1}', filename="mydata.json", content_type="application/json"
    )
    async with http.post(api(server, "sendDocument"), data=upload) as response:
        document = (await response.json())["result"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("mydata.json", "application/json")

    params = {"file_id": document["file_id"]}
    async with http.post(api(server, "getFile"), json=params) as response:
        path = (await response.json())["result"]["file_path"]
    async with http.get(f"{server.url}/file/bot{TOKEN}/{path}") as response:
        assert await response.read() == b'{"a": 1}'
    async with http.get(f"{server.url}/file/botWRONG/{path}") as response:
        assert response.status == 401


async def test_errors_are_answered_like_telegram(
    server: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(api(server, "getMe", token="1:WRONG")) as response:
        assert (response.status, await response.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
    async with http.post(api(server, "sendInvoice"), json={"chat_id": USER}) as response:
        assert (response.status, (await response.json())["description"]) == (
            404,
            "Not Found: method not found",
        )
    bad = {"chat_id": USER, "text": "a<br>b", "parse_mode": "HTML"}
    async with http.post(api(server, "sendMessage"), json=bad) as response:
        assert (await response.json())["description"] == (
            'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 1'
        )
    async with http.post(
        api(server, "sendMessage"), data="{", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
    statuses = []
    for _ in range(5):  # a burst of 3 is allowed in a private chat, then 1 per second
        async with http.post(
            api(server, "sendMessage"), json={"chat_id": USER, "text": "x"}
        ) as response:
            statuses.append(response.status)
            last = await response.json()
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429
    assert last["parameters"]["retry_after"] >= 1


async def test_get_updates_long_polls_over_http(
    server: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(
        http.post(api(server, "getUpdates"), data={"timeout": "10", "offset": "0"})
    )
    await asyncio.sleep(0.2)
    assert not poll.done()
    server.emulator.user_sends(USER, USER, "/start")
    async with await asyncio.wait_for(poll, 5) as response:
        updates = (await response.json())["result"]
    assert updates[0]["message"]["text"] == "/start"


async def test_page_api_wants_json_and_long_polls(
    server: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{server.url}/api/send", data="user=42") as response:
        assert response.status == 415  # a cross-site form cannot post here
    body = {"user": USER, "chat": USER, "text": "你好"}
    async with http.post(f"{server.url}/api/send", json=body) as response:
        assert (await response.json())["delivered"] is True
    async with http.get(f"{server.url}/api/wait?version=-1") as response:
        version = (await response.json())["version"]
    waiting = asyncio.create_task(http.get(f"{server.url}/api/wait?version={version}"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await server.emulator.call("sendMessage", {"chat_id": USER, "text": "回复"})
    async with await asyncio.wait_for(waiting, 5) as response:
        assert (await response.json())["version"] > version
    async with http.get(f"{server.url}/api/chats/{USER}?user={USER}") as response:
        texts = [m["text"] for m in (await response.json())["messages"]]
    assert texts == ["你好", "回复"]
    press = {"user": USER, "chat": USER, "message": 2, "data": "nope"}
    async with http.post(f"{server.url}/api/press", json=press) as response:
        assert response.status == 400


async def test_other_host_names_are_refused_on_loopback(
    server: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    rebound = {"Host": f"attacker.example:{server.port}"}  # DNS rebinding from a web page
    async with http.get(f"{server.url}/api/state", headers=rebound) as response:
        assert response.status == 421
    async with http.get(f"http://localhost:{server.port}/api/state") as response:
        assert response.status == 200


async def test_a_taken_port_is_refused(server: EmulatorServer) -> None:
    second = EmulatorServer(BotApiEmulator(), port=server.port)
    with pytest.raises(PortInUseError, match=f"port {server.port} on 127.0.0.1"):
        await second.start()
