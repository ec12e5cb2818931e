"""The emulator over HTTP: the Bot API for the bot, and a small JSON API for the preview page.

One port serves both, under different paths:

- ``GET|POST /bot<token>/<method>`` — the Bot API, with query-string, JSON,
  ``application/x-www-form-urlencoded`` and ``multipart/form-data`` bodies (python-telegram-bot's
  ``HTTPXRequest`` posts a form whose values are JSON-encoded, and multipart when it uploads).
- ``GET /file/bot<token>/<file_path>`` — downloads, as ``getFile`` describes them.
- ``/api/...`` — what the web chat needs: people, chats, messages with their entities, keyboards,
  polls; sending text, pressing buttons, voting; ``/api/wait`` long-polls for changes.
- ``/`` and ``/static/...`` — the page itself, when a folder is given.

It binds a socket itself so a taken port is one clear :class:`PortInUseError` before anything
starts, and so tests can ask for port 0 and read the real one back.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.emulator.core import (
    BotApiEmulator,
    BotApiError,
    PollState,
    StoredFile,
    StoredMessage,
    UploadedFile,
)

__all__ = ["EmulatorServer", "PortInUseError"]

JSONDict = dict[str, Any]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for bots' multipart uploads
LONG_POLL_MAX = 30.0
SEND_TEXT_MAX = 4096
ANSWER_WINDOW_SECONDS = 120.0
TYPING_SECONDS = 5.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class PortInUseError(OSError):
    """The address is taken; ``str()`` is a sentence for a person."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"port {port} on {host} is already in use")
        self.host = host
        self.port = port


class EmulatorServer:
    """Serves a :class:`BotApiEmulator` (and optionally the preview page) on ``host:port``."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        static_dir: Path | None = None,
        status: Callable[[], JSONDict | None] | None = None,
        extra_files: Mapping[str, Path] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        extra_host_names: tuple[str, ...] = (),
    ) -> None:
        self.emulator = emulator
        self.ssl_context = ssl_context  # https, for tests of TLS and proxies
        self.host_names = frozenset(LOOPBACK_HOSTS) | set(extra_host_names)
        self.host = host
        self.port = port
        self.static_dir = static_dir
        self._status = status
        self.extra_files = dict(extra_files or {})
        self.version = 0
        self._waiters: set[asyncio.Event] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._listener = self.notify
        self.app = self._build_app()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The page's address (and the Bot API's root): a loopback one for wildcard hosts."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
        if host == "::":
            host = "::1"
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """What TELEGRAM_BASE_URL must be for a bot to talk to this server."""
        return f"{self.url}/bot"

    async def start(self) -> None:
        """Bind and serve; raises :class:`PortInUseError` if the port is taken."""
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.emulator.add_listener(self._listener)
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        try:
            await runner.setup()
            await web.SockSite(runner, sock, ssl_context=self.ssl_context).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            self.emulator.remove_listener(self._listener)
            raise
        self._runner = runner

    async def stop(self) -> None:
        """Wake every long poll, then close the socket and every connection."""
        self._closing = True
        for waiter in self._waiters:
            waiter.set()
        self.emulator.remove_listener(self._listener)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def notify(self) -> None:
        """Something the page shows changed (the emulator, or the content status)."""
        self.version += 1
        for waiter in self._waiters:
            waiter.set()

    # ------------------------------------------------------------------ routes

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES, middlewares=[self._check_host])
        app.router.add_route("*", r"/bot{token}/{method}", self._bot_api)
        app.router.add_get(r"/file/bot{token}/{path:.+}", self._download)
        app.router.add_get("/api/state", self._state)
        app.router.add_get(r"/api/chats/{chat_id:-?\d+}", self._chat_view)
        app.router.add_get("/api/wait", self._wait)
        app.router.add_get(r"/api/files/{file_id}", self._file)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/press", self._press)
        app.router.add_post("/api/vote", self._vote)
        if self.static_dir is not None:
            app.router.add_get("/", self._index)
            app.router.add_static("/static", self.static_dir, append_version=False)
        for route in self.extra_files:
            app.router.add_get(route, self._extra_file)
        return app

    @web.middleware
    async def _check_host(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """On loopback, answer only loopback names: a web page whose domain is re-pointed at
        127.0.0.1 (DNS rebinding) must not reach the chat or the Bot API from a browser."""
        if self.host in LOOPBACK_HOSTS:
            name = (request.host or "").rsplit(":", 1)[0] if request.host else ""
            if name.strip("[]") not in self.host_names:
                return _page_error(421, "this server answers only 127.0.0.1 and localhost")
        return await handler(request)

    # ------------------------------------------------------------------ the Bot API

    async def _bot_api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if self.emulator.token is not None and token != self.emulator.token:
            return _api_error(BotApiError(401, "Unauthorized"))
        try:
            params, files = await _read_params(request)
        except BotApiError as exc:
            return _api_error(exc)
        try:
            result = await self.emulator.call(method, params, files)
        except BotApiError as exc:
            return _api_error(exc)
        return _json({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if self.emulator.token is not None and token != self.emulator.token:
            return _api_error(BotApiError(401, "Unauthorized"))
        data = self.emulator.file_bytes(request.match_info["path"])
        if data is None:
            return _api_error(BotApiError(404, "Not Found"))
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ the page's API

    async def _index(self, request: web.Request) -> web.FileResponse:
        assert self.static_dir is not None
        return web.FileResponse(self.static_dir / "index.html", headers=_NO_CACHE)

    async def _extra_file(self, request: web.Request) -> web.StreamResponse:
        path = self.extra_files.get(request.path)
        if path is None or not path.is_file():
            return _page_error(404, "not here")
        return web.FileResponse(path, headers={"Cache-Control": "max-age=86400"})

    async def _state(self, request: web.Request) -> web.Response:
        emu = self.emulator
        people = [
            {
                "id": user.id,
                "name": _full_name(user.first_name, user.last_name),
                "username": user.username,
                "language_code": user.language_code,
            }
            for user in emu.users.values()
            if not user.is_bot
        ]
        chats = []
        for chat in emu.chats.values():
            if chat.type == "private":
                continue
            chats.append(
                {
                    "id": chat.id,
                    "type": chat.type,
                    "title": chat.title,
                    "members": sorted(chat.members),
                    "admins": sorted(chat.admins | ({chat.owner_id} if chat.owner_id else set())),
                    "bot_is_admin": chat.bot_is_admin,
                }
            )
        return _json(
            {
                "version": self.version,
                "bot": {
                    "id": emu.bot.id,
                    "name": emu.bot.first_name,
                    "username": emu.bot.username,
                },
                "people": people,
                "groups": chats,
                "commands": self._commands(),
                "content": self._status() if self._status else None,
            }
        )

    def _commands(self) -> JSONDict:
        """The command menus the bot set, by chat kind and language (as clients pick them)."""
        menus: JSONDict = {}
        for kind, scope in (("private", "all_private_chats"), ("group", "all_group_chats")):
            menus[kind] = {}
            for language in ("", "zh", "en"):
                found = self.emulator.commands({"type": scope}, language)
                if not found:
                    found = self.emulator.commands(None, language)
                menus[kind][language or "default"] = found
        return menus

    async def _chat_view(self, request: web.Request) -> web.Response:
        emu = self.emulator
        chat_id = int(request.match_info["chat_id"])
        viewer = _int(request.query.get("user"))
        chat = emu.chats.get(chat_id)
        if chat is None:
            if chat_id in emu.users:  # a private chat nobody has written in yet
                return _json(
                    {"version": self.version, "messages": [], "answers": {}, "typing": False}
                )
            return _page_error(404, "unknown chat")
        messages = emu.messages(chat_id)
        by_id = {m.message_id: m for m in messages}
        now = emu.now()
        answers = {
            query.id: query.answer
            for query in emu.callback_queries.values()
            if query.chat_id == chat_id
            and query.answer is not None
            and now - query.created_at < ANSWER_WINDOW_SECONDS
        }
        action = emu.last_chat_action.get(chat_id)
        typing = action is not None and now - action[1] < TYPING_SECONDS
        last_bot = max((m.sent_at for m in messages if m.from_id == emu.bot.id), default=None)
        if action is not None and last_bot is not None and last_bot >= action[1]:
            typing = False  # the message the action announced has arrived
        return _json(
            {
                "version": self.version,
                "messages": [self._message_view(m, by_id, viewer) for m in messages],
                "answers": answers,
                "typing": typing,
            }
        )

    def _message_view(
        self, message: StoredMessage, by_id: dict[int, StoredMessage], viewer: int | None
    ) -> JSONDict:
        emu = self.emulator
        sender = emu.bot if message.from_id == emu.bot.id else emu.users.get(message.from_id)
        view: JSONDict = {
            "id": message.message_id,
            "from": {
                "id": message.from_id,
                "name": _full_name(sender.first_name, sender.last_name) if sender else "",
                "is_bot": message.from_id == emu.bot.id,
            },
            "date": message.date,
            "edited": message.edit_date is not None,
            "text": message.text,
            "entities": message.entities,
            "caption": message.caption,
            "caption_entities": message.caption_entities,
            "keyboard": message.inline_keyboard,
        }
        if message.photo is not None:
            view["photo"] = self._file_view(message.photo)
        if message.document is not None:
            view["document"] = self._file_view(message.document)
        if message.poll_id is not None:
            view["poll"] = self._poll_view(emu.polls[message.poll_id], viewer)
        replied = by_id.get(message.reply_to_message_id or 0)
        if replied is not None:
            author = emu.bot if replied.from_id == emu.bot.id else emu.users.get(replied.from_id)
            snippet = replied.text or replied.caption or ""
            if replied.poll_id is not None:
                snippet = "📊 " + emu.polls[replied.poll_id].question
            view["reply_to"] = {
                "id": replied.message_id,
                "name": author.first_name if author else "",
                "text": snippet[:120],
            }
        return view

    @staticmethod
    def _file_view(stored: StoredFile) -> JSONDict:
        url = stored.url or f"/api/files/{quote(stored.file_id)}"
        return {
            "url": url,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "size": len(stored.data) if stored.data is not None else None,
            "width": stored.width,
            "height": stored.height,
        }

    def _poll_view(self, poll: PollState, viewer: int | None) -> JSONDict:
        closes_in = None
        if poll.close_at is not None and not poll.is_closed:
            closes_in = max(poll.close_at - self.emulator.now(), 0.0)
        mine = list(poll.votes.get(viewer, ())) if viewer is not None else []
        reveal = poll.is_closed or bool(mine)
        return {
            "id": poll.id,
            "question": poll.question,
            "question_entities": poll.question_entities,
            "options": poll.options,
            "voter_counts": poll.voter_counts() if reveal else None,
            "total_voters": len(poll.votes),
            "type": poll.type,
            "is_anonymous": poll.is_anonymous,
            "allows_multiple_answers": poll.allows_multiple_answers,
            "is_closed": poll.is_closed,
            "open_period": poll.open_period,
            "closes_in": closes_in,
            "my_vote": mine,
            "correct_option_ids": poll.correct_option_ids if reveal else None,
            "explanation": poll.explanation if reveal else None,
            "explanation_entities": poll.explanation_entities if reveal else [],
        }

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.emulator.files.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            return _page_error(404, "no such file")
        disposition = "inline" if stored.kind == "photo" else "attachment"
        name = stored.file_name or "file"
        headers = {
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
        }
        mime = stored.mime_type or ("image/png" if stored.kind == "photo" else None)
        return web.Response(
            body=stored.data,
            content_type=mime or "application/octet-stream",
            headers=headers,
        )

    async def _wait(self, request: web.Request) -> web.Response:
        """Long poll: answers as soon as ``version`` differs from the caller's, or on timeout."""
        known = _int(request.query.get("version"))
        timeout = min(float(_int(request.query.get("timeout")) or 25), LONG_POLL_MAX)
        if known == self.version and not self._closing:
            wake = asyncio.Event()
            self._waiters.add(wake)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout)
            finally:
                self._waiters.discard(wake)
        return _json({"version": self.version, "closing": self._closing})

    async def _send(self, request: web.Request) -> web.Response:
        body = await _page_body(request)
        if isinstance(body, web.Response):
            return body
        user, chat, text = _int(body.get("user")), _int(body.get("chat")), body.get("text")
        if user is None or chat is None or not isinstance(text, str):
            return _page_error(400, "user, chat and text are required")
        text = text.strip()
        if not text or len(text) > SEND_TEXT_MAX:
            return _page_error(400, f"text must have 1 to {SEND_TEXT_MAX} characters")
        try:
            update = self.emulator.user_sends(
                user, chat, text, reply_to_message_id=_int(body.get("reply_to"))
            )
        except ValueError as exc:
            return _page_error(400, str(exc))
        return _json({"ok": True, "delivered": update is not None})

    async def _press(self, request: web.Request) -> web.Response:
        body = await _page_body(request)
        if isinstance(body, web.Response):
            return body
        user, chat, message = (_int(body.get(k)) for k in ("user", "chat", "message"))
        data = body.get("data")
        if user is None or chat is None or message is None or not isinstance(data, str):
            return _page_error(400, "user, chat, message and data are required")
        try:
            query_id = self.emulator.user_presses(user, chat, message, data)
        except ValueError as exc:
            return _page_error(400, str(exc))
        return _json({"ok": True, "query_id": query_id})

    async def _vote(self, request: web.Request) -> web.Response:
        body = await _page_body(request)
        if isinstance(body, web.Response):
            return body
        user, poll, options = _int(body.get("user")), body.get("poll"), body.get("options")
        if (
            user is None
            or not isinstance(poll, str)
            or not isinstance(options, list)
            or not all(isinstance(o, int) for o in options)
        ):
            return _page_error(400, "user, poll and options are required")
        try:
            self.emulator.user_votes(user, poll, options)
        except ValueError as exc:
            return _page_error(400, str(exc))
        return _json({"ok": True})


_NO_CACHE = {"Cache-Control": "no-cache"}


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUseError(host, port) from None
        raise
    return sock


async def _read_params(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """Bot API parameters from the query string and any of the body encodings Telegram takes."""
    params: JSONDict = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = json.loads(await request.text())
        except ValueError:
            raise BotApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(body, dict):
            raise BotApiError(400, "Bad Request: JSON object expected")
        params.update(body)
    elif ctype == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                mime = part.headers.get("Content-Type", "application/octet-stream")
                files[part.name] = (part.filename, bytes(await part.read()), mime)
            else:
                params[part.name] = await part.text()
    elif ctype == "application/x-www-form-urlencoded":
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params, files


async def _page_body(request: web.Request) -> JSONDict | web.Response:
    """JSON only: a cross-site form cannot send it without a CORS preflight we never grant."""
    if request.content_type != "application/json":
        return _page_error(415, "send application/json")
    try:
        body = json.loads(await request.text())
    except ValueError:
        return _page_error(400, "invalid JSON")
    if not isinstance(body, dict):
        return _page_error(400, "a JSON object is expected")
    return body


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


def _full_name(first: str, last: str | None) -> str:
    return f"{first} {last}" if last else first


def _json(payload: JSONDict, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers=_NO_CACHE,
    )


def _api_error(error: BotApiError) -> web.Response:
    return _json(error.to_response(), error.error_code)


def _page_error(status: int, message: str) -> web.Response:
    return _json({"ok": False, "error": message}, status)
