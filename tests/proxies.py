"""Two small proxies for tests: HTTP (absolute-form and CONNECT) and SOCKS5 (no auth).

Both resolve one made-up host name to a local port, so a bot that reaches the emulator through
``api.telegram.test`` can only have gone through the proxy. Each records the hosts it served.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from urllib.parse import urlsplit

FAKE_HOST = "api.telegram.test"


class _Proxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.seen: list[str] = []
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        self.seen.append(host)
        if host == FAKE_HOST:
            return "127.0.0.1", self.target_port
        return host, port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def _splice(
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    await asyncio.gather(
        _pipe(client[0], upstream[1]), _pipe(upstream[0], client[1]), return_exceptions=True
    )


class HttpProxy(_Proxy):
    """CONNECT tunnels (https targets) and absolute-form requests (http targets)."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        if method == "CONNECT":
            name, _, number = target.rpartition(":")
            upstream = await asyncio.open_connection(*self.resolve(name, int(number)))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await _splice((reader, writer), upstream)
            return
        url = urlsplit(target)
        host, port = self.resolve(url.hostname or "", url.port or 80)
        up_reader, up_writer = await asyncio.open_connection(host, port)
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = [h for h in header_lines if h and not h.lower().startswith("proxy-")]
        up_writer.write(f"{method} {path} {version}\r\n".encode("latin-1"))
        up_writer.write(("\r\n".join(headers) + "\r\n\r\n").encode("latin-1"))
        await up_writer.drain()
        await _splice((reader, writer), (up_reader, up_writer))


class Socks5Proxy(_Proxy):
    """RFC 1928 without authentication; CONNECT by domain name or IPv4."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5 or 0 not in methods:
            writer.write(b"\x05\xff")
            return
        writer.write(b"\x05\x00")
        _, command, _, kind = await reader.readexactly(4)
        if kind == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        elif kind == 1:
            host = ".".join(str(b) for b in await reader.readexactly(4))
        else:
            writer.write(b"\x05\x08\x00\x01" + bytes(6))
            return
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != 1:
            writer.write(b"\x05\x07\x00\x01" + bytes(6))
            return
        upstream = await asyncio.open_connection(*self.resolve(host, port))
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        await writer.drain()
        await _splice((reader, writer), upstream)
