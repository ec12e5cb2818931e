"""python-telegram-bot's network seam, answered in-process by :class:`BotApiEmulator`.

PTB turns the status and JSON body we return into its own ``BadRequest``/``Forbidden``/
``RetryAfter``/``InvalidToken`` exactly as it would for api.telegram.org, so handler tests exercise
the bot's real error handling without HTTP (the same idea as ``OfflineRequest`` in PTB's tests).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram import Update
from telegram.error import TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.emulator.core import BotApiEmulator, BotApiError, UploadedFile

__all__ = ["EmulatorRequest", "process_pending_updates"]


class EmulatorRequest(BaseRequest):
    """A ``BaseRequest`` whose "server" is an emulator object in the same event loop."""

    __slots__ = ("_read_timeout", "emulator")

    def __init__(self, emulator: BotApiEmulator, *, read_timeout: float | None = 5.0) -> None:
        self.emulator = emulator
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default wait for an answer; getUpdates adds its long-poll timeout on top (PTB does)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: there is no connection pool."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Routes ``.../bot<token>/<method>`` to the emulator and file downloads to its store."""
        segments = unquote(urlsplit(url).path).strip("/").split("/")
        if "file" in segments[:-1]:
            return self._download(segments)
        api_method = segments[-1]
        token = segments[-2][3:] if len(segments) >= 2 and segments[-2].startswith("bot") else ""
        if self.emulator.token is not None and token != self.emulator.token:
            return _body(BotApiError(401, "Unauthorized").to_response(), 401)
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files = _files(request_data)
        timeout = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        try:
            call = self.emulator.call(api_method, params, files)
            result = await (asyncio.wait_for(call, timeout) if timeout is not None else call)
        except BotApiError as exc:
            return _body(exc.to_response(), exc.error_code)
        except TimeoutError:
            raise TimedOut(f"Emulator did not answer {api_method} in {timeout}s") from None
        return _body({"ok": True, "result": result}, 200)

    def _download(self, segments: list[str]) -> tuple[int, bytes]:
        index = segments.index("file")
        data = self.emulator.file_bytes("/".join(segments[index + 2 :]))
        if data is None:
            return _body(BotApiError(404, "Not Found").to_response(), 404)
        return 200, data


def _files(request_data: RequestData | None) -> dict[str, UploadedFile]:
    if request_data is None or not request_data.contains_files:
        return {}
    files: dict[str, UploadedFile] = {}
    for name, (file_name, content, mime_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        files[name] = (file_name, data, mime_type)
    return files


def _body(payload: dict[str, Any], status: int) -> tuple[int, bytes]:
    return status, json.dumps(payload, ensure_ascii=False).encode("utf-8")


async def process_pending_updates(
    application: Application[Any, Any, Any, Any, Any, Any], emulator: BotApiEmulator
) -> int:
    """Feeds queued updates to ``application.process_update`` in order; returns how many.

    Handler tests use this instead of starting the updater, so each step is deterministic.
    """
    updates = emulator.take_updates()
    for data in updates:
        update = Update.de_json(data, application.bot)
        await application.process_update(update)
    return len(updates)
