"""An in-process Telegram Bot API (10.0) that answers like the real one, for tests and the preview.

The whole API is one coroutine, :meth:`BotApiEmulator.call` ``(method, params, files) -> result``,
raising :class:`BotApiError` with Telegram's ``error_code``/``description``/``retry_after``. That
makes two thin adapters enough: a python-telegram-bot ``BaseRequest`` (``request.py``) and, later,
an HTTP server. Parameters may arrive natively (PTB) or as strings/JSON strings (HTTP forms).

State is deliberately mutable dataclasses: it models a server that changes under the bot's feet.
The simulation side (``user_sends``, ``user_presses``, ``user_votes``, ``advance``) queues updates
the bot reads with ``getUpdates`` or that a test feeds to ``Application.process_update``.

Telegram's limits are duplicated here on purpose rather than imported from ``bot.domain``: the
emulator stands for Telegram, so a wrong belief in the bot's own constants must fail a test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot.emulator.html import Entity, HtmlParseError, parse_html, utf16_len

__all__ = [
    "BotApiEmulator",
    "BotApiError",
    "Call",
    "CallbackQueryState",
    "ChatState",
    "FloodLimits",
    "PollState",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "UserState",
    "WebhookState",
]

JSONDict = dict[str, Any]
UploadedFile = tuple[str, bytes, str]
"""(file name, content, MIME type): what a multipart upload carries."""

MESSAGE_TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
CALLBACK_ANSWER_TEXT_MAX = 200
POLL_QUESTION_MAX = 300
POLL_OPTIONS_MIN = 1  # Bot API 10.0 lowered this from 2
POLL_OPTIONS_MAX = 12
POLL_OPTION_MAX = 100
POLL_EXPLANATION_MAX = 200
POLL_EXPLANATION_LINE_FEEDS = 2
POLL_OPEN_PERIOD_MIN = 5
POLL_OPEN_PERIOD_MAX = 2_628_000  # Bot API 9.6; PTB 22.8 PollLimit.MAX_OPEN_PERIOD
BOT_COMMANDS_MAX = 100
DELETE_WINDOW_SECONDS = 48 * 3600

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"(?<!\S)/([A-Za-z0-9_]{1,64})(@[A-Za-z0-9_]{3,32})?(?![\w/])")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class BotApiError(Exception):
    """A Bot API failure exactly as Telegram reports it (``ok: false``)."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_response(self) -> JSONDict:
        """The JSON body Telegram sends, ready for an HTTP response or a fake request."""
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


def _bad(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def _forbidden(detail: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {detail}")


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Telegram's documented rates; off by default so handler tests never see a 429."""

    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20
    global_per_second: int = 30


@dataclass(frozen=True, slots=True)
class WebhookState:
    """What ``setWebhook`` registered; a test delivers updates there (the emulator does not)."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40


class Call(NamedTuple):
    """One logged request; unpacks as ``method, params = emulator.calls[-1]``."""

    method: str
    params: JSONDict


@dataclass(slots=True)
class UserState:
    """A Telegram user the emulator knows; ``blocked``/``started`` gate private messages."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = True
    blocked: bool = False

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(slots=True)
class ChatState:
    """A private chat (id == user id) or a group/supergroup with members and admins."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: UserState | None = None
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    owner_id: int | None = None
    bot_is_member: bool = True
    bot_is_admin: bool = False
    next_message_id: int = 1
    migrated_to: int | None = None  # the supergroup this group became (migrate_group)

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        if self.user is not None:
            data.update(
                {k: v for k, v in self.user.to_dict().items() if k not in ("id", "is_bot")}
            )
            data.pop("language_code", None)
        if self.title is not None:
            data["title"] = self.title
        if self.username:
            data["username"] = self.username
        return data


@dataclass(slots=True)
class StoredFile:
    """An uploaded (or referenced by URL) file; ``data`` is None for URL references."""

    file_id: str
    file_unique_id: str
    kind: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None
    url: str | None = None
    width: int = 0
    height: int = 0

    @property
    def file_path(self) -> str:
        return f"{self.kind}s/{self.file_unique_id}_{self.file_name or 'file'}"

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.data is not None:
            data["file_size"] = len(self.data)
        if self.kind == "photo":
            data.update(width=self.width, height=self.height)
        else:
            if self.file_name:
                data["file_name"] = self.file_name
            if self.mime_type:
                data["mime_type"] = self.mime_type
        return data


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat, as the emulator keeps it (JSON is built on demand)."""

    message_id: int
    chat_id: int
    from_id: int
    date: int
    sent_at: float
    text: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    poll_id: str | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    service: JSONDict = field(default_factory=dict)  # e.g. migrate_to_chat_id

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        if self.reply_markup is None:
            return []
        rows: list[list[JSONDict]] = self.reply_markup.get("inline_keyboard", [])
        return rows


@dataclass(slots=True)
class PollState:
    """A native poll; ``votes`` maps user id to chosen option indexes."""

    id: str
    chat_id: int
    message_id: int
    question: str
    question_entities: list[JSONDict]
    options: list[str]
    option_entities: list[list[JSONDict]]
    type: str
    is_anonymous: bool
    allows_multiple_answers: bool
    allows_revoting: bool
    correct_option_ids: list[int]
    explanation: str | None
    explanation_entities: list[JSONDict]
    open_period: int | None
    close_date: int | None
    close_at: float | None
    is_closed: bool = False
    votes: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def voter_counts(self) -> list[int]:
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for index in chosen:
                counts[index] += 1
        return counts

    def to_dict(self) -> JSONDict:
        counts = self.voter_counts()
        options = []
        for index, text in enumerate(self.options):
            option: JSONDict = {
                "text": text,
                "voter_count": counts[index],
                "persistent_id": str(index),
            }
            if self.option_entities[index]:
                option["text_entities"] = self.option_entities[index]
            options.append(option)
        data: JSONDict = {
            "id": self.id,
            "question": self.question,
            "options": options,
            "total_voter_count": sum(1 for chosen in self.votes.values() if chosen),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        if self.question_entities:
            data["question_entities"] = self.question_entities
        if self.type == "quiz":
            data["correct_option_ids"] = list(self.correct_option_ids)
            if self.explanation:
                data["explanation"] = self.explanation
                if self.explanation_entities:
                    data["explanation_entities"] = self.explanation_entities
        if self.open_period is not None:
            data["open_period"] = self.open_period
        if self.close_date is not None:
            data["close_date"] = self.close_date
        return data


@dataclass(slots=True)
class CallbackQueryState:
    """A button press waiting for (or holding) the bot's answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    answer: JSONDict | None = None


class _Params:
    """Typed access to request parameters that may be native values or HTTP strings."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise _bad(f'parameter "{name}" is required')
            return None
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            if required:
                raise _bad(f'parameter "{name}" is required')
            return None
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value.strip())
        raise _bad(f'field "{name}" must be of type Integer')

    def number(self, name: str) -> float | None:
        """Seconds may be fractional here (the emulator's own tests use sub-second polls)."""
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f'field "{name}" must be of type Number') from None

    def required_int(self, name: str) -> int:
        value = self.integer(name, required=True)
        if value is None:  # pragma: no cover - integer(required=True) raised already
            raise _bad(f'parameter "{name}" is required')
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {name} JSON object") from None
        return value


_Handler = Callable[[_Params, Mapping[str, UploadedFile]], Any]


class BotApiEmulator:
    """The Bot API server, in memory. See the module docstring for the shape."""

    def __init__(
        self,
        *,
        bot_id: int = 7_000_000_315,
        bot_username: str = "quiz315_bot",
        bot_first_name: str = "反诈小课堂",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        flood: FloodLimits | None = None,
        privacy_mode: bool = True,
        callback_timeout: float = 15.0,
        token: str | None = None,
    ) -> None:
        self.bot = UserState(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.token = token
        self.flood = flood
        self.privacy_mode = privacy_mode
        self.callback_timeout = callback_timeout
        self._clock = clock
        self._wall_clock = wall_clock
        self._skew = 0.0
        self.users: dict[int, UserState] = {}
        self.chats: dict[int, ChatState] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self.polls: dict[str, PollState] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self.calls: list[Call] = []
        self.failures: list[tuple[Call, BotApiError]] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.webhook: WebhookState | None = None
        self._waiters: set[asyncio.Event] = set()
        self._poll_generation = 0
        self._ids = itertools.count(1)
        self._private_buckets: dict[int, tuple[float, float]] = {}
        self._group_windows: dict[int, deque[float]] = {}
        self._global_window: deque[float] = deque()
        self.version = 0
        """Bumped on every change of state, so a viewer (the preview page) knows to refresh."""
        self._listeners: list[Callable[[], None]] = []
        self.last_chat_action: dict[int, tuple[str, float]] = {}
        self._methods: dict[str, tuple[str, _Handler]] = {}
        for name in (
            "getMe",
            "logOut",
            "close",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setChatMenuButton",
            "getChatMenuButton",
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "sendPoll",
            "stopPoll",
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "deleteMessage",
            "answerCallbackQuery",
            "sendChatAction",
            "getChat",
            "getChatAdministrators",
            "getChatMember",
            "getFile",
        ):
            handler = getattr(self, "_m_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ change feed

    def add_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs after every change of state (it must not call back in)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        self.version += 1
        for listener in list(self._listeners):
            listener()

    # ------------------------------------------------------------------ clock

    def now(self) -> float:
        """Monotonic emulator time (the injected clock plus :meth:`advance`)."""
        return self._clock() + self._skew

    def wall_now(self) -> int:
        """Unix time for ``date`` fields, shifted by :meth:`advance` too."""
        return int(self._wall_clock() + self._skew)

    def advance(self, seconds: float) -> list[str]:
        """Moves emulator time forward and closes polls that became due; returns their ids."""
        self._skew += seconds
        return self.tick()

    def tick(self) -> list[str]:
        """Closes polls whose open_period/close_date has passed, emitting ``poll`` updates."""
        now = self.now()
        closed = []
        for poll in self.polls.values():
            if not poll.is_closed and poll.close_at is not None and poll.close_at <= now:
                poll.is_closed = True
                closed.append(poll.id)
                self._push("poll", poll.to_dict())
        return closed

    async def run_poll_closer(self, interval: float = 0.5) -> None:
        """Closes polls in real time for the preview; run it as a task and cancel it."""
        while True:
            self.tick()
            await asyncio.sleep(interval)

    # ------------------------------------------------------------------ API

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> Any:
        """Runs one Bot API method; returns its ``result`` or raises :class:`BotApiError`."""
        self.tick()
        raw = dict(params or {})
        found = self._methods.get(method.lower())
        name = found[0] if found else method
        if name.lower() == "getupdates":
            return await self._get_updates(_Params(raw))
        entry = Call(name, raw)
        self.calls.append(entry)
        try:
            if found is None:
                raise BotApiError(404, "Not Found: method not found")
            return found[1](_Params(raw), files or {})
        except BotApiError as exc:
            self.failures.append((entry, exc))
            raise
        finally:
            self._changed()

    async def _get_updates(self, p: _Params) -> list[JSONDict]:
        offset = p.integer("offset")
        limit = p.integer("limit") or 100
        timeout = p.number("timeout") or 0.0
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        if not 1 <= limit <= 100:
            limit = 100
        if self.webhook is not None:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        for waiter in self._waiters:  # a newer getUpdates terminates the older one
            waiter.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0)
        while True:
            if generation != self._poll_generation:
                raise BotApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            self.tick()
            ready = [u for u in self._updates if self._kind(u) in self._allowed_updates]
            remaining = deadline - loop.time()
            if ready or remaining <= 0:
                return [dict(u) for u in ready[:limit]]
            wake = asyncio.Event()
            self._waiters.add(wake)
            try:
                await asyncio.wait_for(wake.wait(), min(remaining, self._next_poll_close()))
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(wake)

    def _next_poll_close(self) -> float:
        due = [p.close_at for p in self.polls.values() if not p.is_closed and p.close_at]
        return max(min(due) - self.now(), 0.01) if due else math.inf

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    @staticmethod
    def _kind(update: JSONDict) -> str:
        return next(k for k in update if k != "update_id")

    def _push(self, kind: str, payload: JSONDict) -> JSONDict:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        for waiter in self._waiters:
            waiter.set()
        self._changed()
        return update

    # ------------------------------------------------------------------ lookups

    def _chat(self, p: _Params, name: str = "chat_id") -> ChatState:
        value = p.raw.get(name)
        if value in (None, ""):
            raise _bad("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            for known in self.chats.values():
                if known.username and known.username.lower() == value[1:].lower():
                    return known
            raise _bad("chat not found")
        chat_id = p.required_int(name)
        chat = self.chats.get(chat_id)
        if chat is None and chat_id in self.users:
            chat = self._private_chat(self.users[chat_id])
        if chat is None:
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            raise BotApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        return chat

    def _private_chat(self, user: UserState) -> ChatState:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = ChatState(user.id, "private", user=user, members={user.id})
            self.chats[user.id] = chat
        return chat

    def _message(self, chat: ChatState, message_id: int | None) -> StoredMessage | None:
        if message_id is None:
            return None
        return self._messages.get(chat.id, {}).get(message_id)

    def _user_json(self, user_id: int) -> JSONDict:
        if user_id == self.bot.id:
            return self.bot.to_dict()
        user = self.users.get(user_id)
        if user is None:
            return {"id": user_id, "is_bot": False, "first_name": ""}
        return user.to_dict()

    def message_json(self, message: StoredMessage, *, with_reply: bool = True) -> JSONDict:
        """The Message object as the Bot API returns it (poll state is current)."""
        chat = self.chats[message.chat_id]
        data: JSONDict = {
            "message_id": message.message_id,
            "from": self._user_json(message.from_id),
            "chat": chat.to_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.photo is not None:
            data["photo"] = [message.photo.to_dict()]
        if message.document is not None:
            data["document"] = message.document.to_dict()
        if message.poll_id is not None:
            data["poll"] = self.polls[message.poll_id].to_dict()
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        data.update(message.service)
        if with_reply and message.reply_to_message_id is not None:
            replied = self._message(chat, message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = self.message_json(replied, with_reply=False)
        return data

    # ------------------------------------------------------------------ checks

    def _format(
        self,
        text: str | None,
        parse_mode: str | None,
        entities: Any,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str, list[JSONDict]]:
        """Entity parsing, trimming and the length check, in Telegram's order."""
        text = text or ""
        parsed: list[JSONDict]
        if parse_mode:
            if parse_mode.lower() != "html":
                if parse_mode.lower() in ("markdown", "markdownv2"):
                    raise _bad(f"parse_mode {parse_mode} is not emulated; use HTML")
                raise _bad("unsupported parse_mode")
            try:
                text, found = parse_html(text)
            except HtmlParseError as exc:
                raise BotApiError(400, exc.description) from None
            parsed = [self._entity_json(e) for e in found]
        else:
            parsed = self._check_entities(entities)
        text, parsed = _trim(text, parsed)
        if not text and empty is not None:
            raise _bad(empty)
        if utf16_len(text) > limit:
            raise _bad(too_long)
        return text, parsed

    def _entity_json(self, entity: Entity) -> JSONDict:
        data = entity.to_dict()
        if entity.user_id is not None:
            data["user"] = self._user_json(entity.user_id)
        return data

    @staticmethod
    def _check_entities(entities: Any) -> list[JSONDict]:
        if entities in (None, ""):
            return []
        if isinstance(entities, str):
            try:
                entities = json.loads(entities)
            except ValueError:
                raise _bad("can't parse entities JSON object") from None
        if not isinstance(entities, list):
            raise _bad("can't parse entities JSON object")
        checked = []
        for entity in entities:
            if not isinstance(entity, dict) or not {"type", "offset", "length"} <= entity.keys():
                raise _bad("can't parse MessageEntity JSON object")
            checked.append(dict(entity))
        return checked

    def _reply_markup(self, p: _Params) -> JSONDict | None:
        """Parses and validates reply_markup the way Telegram rejects bad keyboards."""
        if not p.has("reply_markup"):
            return None
        markup = p.json("reply_markup")
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
                return dict(markup)
            raise _bad("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for row in rows:
            if not isinstance(row, list):
                raise _bad(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of '
                    "Arrays"
                )
            for button in row:
                _check_button(button)
        return {"inline_keyboard": [[dict(b) for b in row] for row in rows]}

    def _check_can_send(self, chat: ChatState) -> None:
        if chat.type == "private":
            user = chat.user
            if user is None or user.is_bot:
                raise _forbidden("bot can't send messages to bots")
            if user.blocked:
                raise _forbidden("bot was blocked by the user")
            if not user.started:
                raise _forbidden("bot can't initiate conversation with a user")
        elif not chat.bot_is_member:
            raise _forbidden(f"bot is not a member of the {chat.type} chat")

    def _flood_check(self, chat: ChatState) -> Callable[[], None]:
        """Raises 429 when a limit is hit; the returned callback books the message."""
        limits = self.flood
        if limits is None:
            return lambda: None
        now = self.now()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        waits = []
        if len(window) >= limits.global_per_second:
            waits.append(window[0] + 1.0 - now)
        group: deque[float] | None = None
        tokens = 0.0
        if chat.type == "private":
            tokens, last = self._private_buckets.get(chat.id, (float(limits.private_burst), now))
            tokens = min(limits.private_burst, tokens + (now - last) * limits.private_per_second)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / limits.private_per_second)
        else:
            group = self._group_windows.setdefault(chat.id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= limits.group_per_minute:
                waits.append(group[0] + 60.0 - now)
        if waits:
            retry = max(1, math.ceil(max(waits)))
            raise BotApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

        def book() -> None:
            window.append(now)
            if group is not None:
                group.append(now)
            else:
                self._private_buckets[chat.id] = (tokens - 1.0, now)

        return book

    def _reply_to(self, p: _Params, chat: ChatState) -> int | None:
        target = p.integer("reply_to_message_id")
        allow_missing = p.flag("allow_sending_without_reply")
        parameters = p.json("reply_parameters")
        if isinstance(parameters, dict):
            target = _Params(parameters).integer("message_id")
            allow_missing = _Params(parameters).flag("allow_sending_without_reply")
        if target is None:
            return None
        if self._message(chat, target) is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return target

    def _store(self, chat: ChatState, from_id: int, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_id=from_id,
            date=self.wall_now(),
            sent_at=self.now(),
            **fields,
        )
        chat.next_message_id += 1
        self._messages.setdefault(chat.id, {})[message.message_id] = message
        self._changed()
        return message

    # ------------------------------------------------------------------ methods

    def _m_get_me(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        data = self.bot.to_dict()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.privacy_mode,
            supports_inline_queries=False,
        )
        return data

    def _m_log_out(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        return True

    def _m_close(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        return True

    def _m_set_webhook(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        """Like a self-hosted Bot API server (``--local``): http or https, any port."""
        url = p.text("url", required=True) or ""
        if not url:
            return self._m_delete_webhook(p, files)
        if not re.match(r"https?://[^/\s]+", url):
            raise _bad("bad webhook: the URL is not an http(s) address")
        secret = p.text("secret_token")
        if secret is not None and not _WEBHOOK_SECRET_RE.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self.webhook = WebhookState(url, secret, p.integer("max_connections") or 40)
        return True

    def _m_delete_webhook(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        self.webhook = None
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    @staticmethod
    def _scope_key(p: _Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        language = p.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def _m_set_my_commands(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        commands = p.json("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > BOT_COMMANDS_MAX:
            raise _bad("too many commands specified")
        checked = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", "")).strip()
            if not _BOT_COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("command description must be non-empty")
            checked.append({"command": name, "description": description})
        self._commands[self._scope_key(p)] = checked
        return True

    def _m_get_my_commands(self, p: _Params, files: Mapping[str, UploadedFile]) -> list[JSONDict]:
        return [dict(c) for c in self._commands.get(self._scope_key(p), [])]

    def _m_delete_my_commands(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        self._commands.pop(self._scope_key(p), None)
        return True

    def _m_set_chat_menu_button(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        chat_id = self._chat(p).id if p.has("chat_id") else None
        button = p.json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise _bad("can't parse MenuButton JSON object")
        self.menu_buttons[chat_id] = dict(button)
        return True

    def _m_get_chat_menu_button(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        chat_id = self._chat(p).id if p.has("chat_id") else None
        default = self.menu_buttons.get(None, {"type": "commands"})
        return dict(self.menu_buttons.get(chat_id, default))

    def _m_send_message(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        chat = self._chat(p)
        self._check_can_send(chat)
        if p.has("inline_message_id") or p.has("business_connection_id"):
            raise _bad("business connections are not emulated")
        text, entities = self._format(
            p.text("text"),
            p.text("parse_mode"),
            p.raw.get("entities"),
            limit=MESSAGE_TEXT_MAX,
            too_long="message is too long",
            empty="message text is empty",
        )
        markup = self._reply_markup(p)
        reply_to = self._reply_to(p, chat)
        book = self._flood_check(chat)
        message = self._store(
            chat,
            self.bot.id,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        book()
        return self.message_json(message)

    def _input_file(
        self, p: _Params, files: Mapping[str, UploadedFile], name: str, kind: str
    ) -> StoredFile:
        value = p.raw.get(name)
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        elif value in (None, "") and name in files:
            upload = files[name]
        elif isinstance(value, str) and value:
            known = self.files.get(value)
            if known is not None:
                return known
            if not re.match(r"https?://", value):
                raise _bad("wrong file identifier/HTTP URL specified")
            return self._new_file(kind, value.rsplit("/", 1)[-1] or None, None, None, url=value)
        if upload is None:
            raise _bad(f"there is no {name} in the request")
        file_name, content, mime_type = upload
        if not content:
            raise _bad("file must be non-empty")
        return self._new_file(kind, file_name, mime_type, content)

    def _new_file(
        self,
        kind: str,
        file_name: str | None,
        mime_type: str | None,
        data: bytes | None,
        *,
        url: str | None = None,
    ) -> StoredFile:
        number = next(self._ids)
        width, height = _image_size(data) if kind == "photo" and data else (0, 0)
        stored = StoredFile(
            file_id=f"EMU{kind[:3].upper()}{number:08d}",
            file_unique_id=f"u{number:08d}",
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            url=url,
            width=width or 1280,
            height=height or 720,
        )
        self.files[stored.file_id] = stored
        return stored

    def _send_file(self, p: _Params, files: Mapping[str, UploadedFile], kind: str) -> JSONDict:
        chat = self._chat(p)
        self._check_can_send(chat)
        caption, caption_entities = self._format(
            p.text("caption"),
            p.text("parse_mode"),
            p.raw.get("caption_entities"),
            limit=CAPTION_MAX,
            too_long="message caption is too long",
            empty=None,
        )
        markup = self._reply_markup(p)
        reply_to = self._reply_to(p, chat)
        stored = self._input_file(p, files, kind, kind)
        book = self._flood_check(chat)
        message = self._store(
            chat,
            self.bot.id,
            caption=caption or None,
            caption_entities=caption_entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{kind: stored},
        )
        book()
        return self.message_json(message)

    def _m_send_photo(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        return self._send_file(p, files, "photo")

    def _m_send_document(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        return self._send_file(p, files, "document")

    def _m_get_file(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        stored = self.files.get(p.text("file_id", required=True) or "")
        if stored is None:
            raise _bad("invalid file_id")
        data = stored.to_dict()
        data.pop("width", None)
        data.pop("height", None)
        data.pop("file_name", None)
        data.pop("mime_type", None)
        data["file_path"] = stored.file_path
        return data

    def file_bytes(self, file_path: str) -> bytes | None:
        """Content for a ``/file/bot<token>/<file_path>`` download, if the file was uploaded."""
        for stored in self.files.values():
            if stored.file_path == file_path:
                return stored.data
        return None

    def _m_send_poll(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        chat = self._chat(p)
        self._check_can_send(chat)
        question, question_entities = self._format(
            p.text("question"),
            p.text("question_parse_mode"),
            p.raw.get("question_entities"),
            limit=POLL_QUESTION_MAX,
            too_long=f"poll question length must not exceed {POLL_QUESTION_MAX}",
            empty="poll question must be non-empty",
        )
        # Telegram keeps only custom emoji in poll questions and options.
        question_entities = [e for e in question_entities if e["type"] == "custom_emoji"]
        options, option_entities = self._poll_options(p.json("options"))
        poll_type = p.text("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise _bad("wrong poll type specified")
        multiple = p.flag("allows_multiple_answers")
        correct = self._correct_options(p, poll_type, len(options), multiple)
        explanation: str | None = None
        explanation_entities: list[JSONDict] = []
        if p.has("explanation"):
            # Telegram's wording for these two explanation errors is not verified.
            explanation, explanation_entities = self._format(
                p.text("explanation"),
                p.text("explanation_parse_mode"),
                p.raw.get("explanation_entities"),
                limit=POLL_EXPLANATION_MAX,
                too_long="poll explanation is too long",
                empty=None,
            )
            if explanation.count("\n") > POLL_EXPLANATION_LINE_FEEDS:
                raise _bad("poll explanation can't contain more than 2 line feeds")
        open_period = p.integer("open_period")
        close_date = p.integer("close_date")
        if open_period is not None and close_date is not None:
            raise _bad("open_period and close_date can't be used together")
        now_wall = self.wall_now()
        if close_date is not None:
            open_period_from_date = close_date - now_wall
            if not POLL_OPEN_PERIOD_MIN <= open_period_from_date <= POLL_OPEN_PERIOD_MAX:
                raise _bad("poll close date is invalid")
        if open_period is not None and not (
            POLL_OPEN_PERIOD_MIN <= open_period <= POLL_OPEN_PERIOD_MAX
        ):
            raise _bad("poll open period is invalid")
        markup = self._reply_markup(p)
        reply_to = self._reply_to(p, chat)
        book = self._flood_check(chat)
        seconds = open_period if open_period is not None else None
        if close_date is not None:
            seconds = close_date - now_wall
        poll = PollState(
            id=str(5_000_000_000_000_000_000 + next(self._ids)),
            chat_id=chat.id,
            message_id=chat.next_message_id,
            question=question,
            question_entities=question_entities,
            options=options,
            option_entities=option_entities,
            type=poll_type,
            is_anonymous=p.flag("is_anonymous", default=True),
            allows_multiple_answers=multiple,
            allows_revoting=p.flag("allows_revoting", default=poll_type == "regular"),
            correct_option_ids=correct,
            explanation=explanation or None,
            explanation_entities=explanation_entities,
            open_period=open_period,
            close_date=now_wall + seconds if seconds is not None else None,
            close_at=self.now() + seconds if seconds is not None else None,
            is_closed=p.flag("is_closed"),
        )
        self.polls[poll.id] = poll
        message = self._store(
            chat, self.bot.id, poll_id=poll.id, reply_markup=markup, reply_to_message_id=reply_to
        )
        book()
        return self.message_json(message)

    def _poll_options(self, raw: Any) -> tuple[list[str], list[list[JSONDict]]]:
        if not isinstance(raw, list):
            raise _bad("can't parse options JSON object")
        if len(raw) < POLL_OPTIONS_MIN:
            raise _bad(f"poll must have at least {POLL_OPTIONS_MIN} option")
        if len(raw) > POLL_OPTIONS_MAX:
            raise _bad(f"poll can't have more than {POLL_OPTIONS_MAX} options")
        texts: list[str] = []
        all_entities: list[list[JSONDict]] = []
        for option in raw:
            spec = _Params(option if isinstance(option, dict) else {"text": option})
            text, entities = self._format(
                spec.text("text"),
                spec.text("text_parse_mode"),
                spec.raw.get("text_entities"),
                limit=POLL_OPTION_MAX,
                too_long=f"poll options length must not exceed {POLL_OPTION_MAX}",
                empty="poll options must be non-empty",
            )
            texts.append(text)
            all_entities.append([e for e in entities if e["type"] == "custom_emoji"])
        return texts, all_entities

    @staticmethod
    def _correct_options(p: _Params, poll_type: str, count: int, multiple: bool) -> list[int]:
        ids = p.json("correct_option_ids")
        if ids is None and p.has("correct_option_id"):
            ids = [p.integer("correct_option_id")]
        if poll_type != "quiz":
            return []
        if not isinstance(ids, list) or not ids:
            raise _bad("wrong correct option ID specified")
        checked = [_Params({"id": i}).integer("id") or 0 for i in ids]
        if any(not 0 <= i < count for i in checked) or checked != sorted(set(checked)):
            raise _bad("wrong correct option ID specified")
        if len(checked) > 1 and not multiple:
            raise _bad("quiz without multiple answers must have exactly one correct option")
        return checked

    def _m_stop_poll(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        chat = self._chat(p)
        message = self._message(chat, p.integer("message_id", required=True))
        if message is None or message.poll_id is None:
            raise _bad("message with poll to stop not found")
        if message.from_id != self.bot.id:
            raise _bad("poll can't be stopped")
        poll = self.polls[message.poll_id]
        if poll.is_closed:
            raise _bad("poll has already been closed")
        if p.has("reply_markup"):
            message.reply_markup = self._reply_markup(p)
        poll.is_closed = True
        self._push("poll", poll.to_dict())
        return poll.to_dict()

    def _editable(self, p: _Params) -> tuple[ChatState, StoredMessage]:
        if p.has("inline_message_id"):
            raise _bad("inline messages are not emulated")
        chat = self._chat(p)
        message = self._message(chat, p.integer("message_id", required=True))
        if message is None:
            raise _bad("message to edit not found")
        if message.from_id != self.bot.id:
            raise _bad("message can't be edited")
        return chat, message

    def _m_edit_message_text(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        _, message = self._editable(p)
        text, entities = self._format(
            p.text("text"),
            p.text("parse_mode"),
            p.raw.get("entities"),
            limit=MESSAGE_TEXT_MAX,
            too_long="message is too long",
            empty="message text is empty",
        )
        if message.text is None:
            raise _bad("there is no text in the message to edit")
        markup = self._reply_markup(p)  # omitting reply_markup removes the keyboard
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise _bad(NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.edit_date = self.wall_now()
        return self.message_json(message)

    def _m_edit_message_caption(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        _, message = self._editable(p)
        caption, entities = self._format(
            p.text("caption"),
            p.text("parse_mode"),
            p.raw.get("caption_entities"),
            limit=CAPTION_MAX,
            too_long="message caption is too long",
            empty=None,
        )
        if message.photo is None and message.document is None:
            raise _bad("there is no caption in the message to edit")
        markup = self._reply_markup(p)
        current = (message.caption or "", message.caption_entities, message.reply_markup)
        if (caption, entities, markup) == current:
            raise _bad(NOT_MODIFIED)
        message.caption, message.caption_entities = caption or None, entities
        message.reply_markup = markup
        message.edit_date = self.wall_now()
        return self.message_json(message)

    def _m_edit_message_reply_markup(
        self, p: _Params, files: Mapping[str, UploadedFile]
    ) -> JSONDict:
        _, message = self._editable(p)
        markup = self._reply_markup(p)
        if markup == message.reply_markup:
            raise _bad(NOT_MODIFIED)
        message.reply_markup = markup
        message.edit_date = self.wall_now()
        return self.message_json(message)

    def _m_delete_message(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        chat = self._chat(p)
        message = self._message(chat, p.integer("message_id", required=True))
        if message is None:
            raise _bad("message to delete not found")
        too_old = self.now() - message.sent_at > DELETE_WINDOW_SECONDS
        others = message.from_id != self.bot.id and chat.type != "private"
        if too_old or (others and not chat.bot_is_admin):
            raise _bad("message can't be deleted")
        del self._messages[chat.id][message.message_id]
        return True

    def _m_answer_callback_query(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        query = self.callback_queries.get(p.text("callback_query_id", required=True) or "")
        expired = query is not None and self.now() - query.created_at > self.callback_timeout
        if query is None or query.answer is not None or expired:
            raise _bad(QUERY_TOO_OLD)
        text = p.text("text") or ""
        if len(text) > CALLBACK_ANSWER_TEXT_MAX:
            raise _bad("MESSAGE_TOO_LONG")
        query.answer = {
            "text": text or None,
            "show_alert": p.flag("show_alert"),
            "url": p.text("url"),
            "cache_time": p.integer("cache_time") or 0,
        }
        return True

    def _m_send_chat_action(self, p: _Params, files: Mapping[str, UploadedFile]) -> bool:
        chat = self._chat(p)
        action = p.text("action", required=True)
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_can_send(chat)
        self.chat_actions.append((chat.id, action))
        self.last_chat_action[chat.id] = (action, self.now())
        return True

    def _m_get_chat(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        chat = self._chat(p)
        data = chat.to_dict()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return data

    def _member_json(self, chat: ChatState, user_id: int) -> JSONDict:
        user = self._user_json(user_id)
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.bot.id) else "left"
            return {"status": status, "user": user}
        if user_id == chat.owner_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        is_bot_admin = user_id == self.bot.id and chat.bot_is_admin
        if user_id in chat.admins or is_bot_admin:
            rights = dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                ),
                True,
            )
            rights.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "is_anonymous",
                        "can_promote_members",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    False,
                )
            )
            return {"status": "administrator", "user": user, **rights}
        if user_id in chat.members or (user_id == self.bot.id and chat.bot_is_member):
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _m_get_chat_administrators(
        self, p: _Params, files: Mapping[str, UploadedFile]
    ) -> list[JSONDict]:
        chat = self._chat(p)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        ids = ([chat.owner_id] if chat.owner_id is not None else []) + sorted(
            chat.admins - {chat.owner_id}
        )
        if chat.bot_is_admin:
            ids.append(self.bot.id)
        return [self._member_json(chat, i) for i in ids]

    def _m_get_chat_member(self, p: _Params, files: Mapping[str, UploadedFile]) -> JSONDict:
        chat = self._chat(p)
        user_id = p.required_int("user_id")
        if user_id not in self.users and user_id != self.bot.id:
            raise _bad("user not found")
        return self._member_json(chat, user_id)

    # ------------------------------------------------------------------ simulation

    def add_user(
        self,
        user_id: int,
        first_name: str = "",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> UserState:
        """Registers a user; ``started=False`` means they never pressed Start."""
        user = UserState(
            user_id,
            first_name or f"User{user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        self.users[user_id] = user
        if user_id in self.chats:
            self.chats[user_id].user = user
        return user

    def _user(self, user_id: int) -> UserState:
        return self.users.get(user_id) or self.add_user(user_id)

    def add_group(
        self,
        title: str,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        *,
        kind: str = "supergroup",
        chat_id: int | None = None,
        owner_id: int | None = None,
        username: str | None = None,
        bot_is_admin: bool = False,
        bot_is_member: bool = True,
    ) -> int:
        """Creates a group or supergroup (admins are members too); returns its chat id."""
        if kind not in ("group", "supergroup"):
            raise ValueError("kind must be 'group' or 'supergroup'")
        number = next(self._ids)
        if chat_id is None:
            chat_id = -(1_000_000_000_000 + number) if kind == "supergroup" else -(4000 + number)
        admin_ids = set(admins)
        member_ids = set(members) | admin_ids
        for user_id in member_ids:
            self._user(user_id)
        if owner_id is None and admin_ids:
            owner_id = min(admin_ids)
        self.chats[chat_id] = ChatState(
            chat_id,
            kind,
            title=title,
            username=username,
            members=member_ids | ({owner_id} if owner_id else set()),
            admins=admin_ids,
            owner_id=owner_id,
            bot_is_member=bot_is_member,
            bot_is_admin=bot_is_admin,
        )
        return chat_id

    def migrate_group(self, chat_id: int) -> int:
        """A group becomes a supergroup (as Telegram does when it grows or an admin changes
        certain settings): a new chat id with the same people; the bot's calls to the old id
        fail with ``migrate_to_chat_id``; both chats get the service message. Returns the new id.
        """
        old = self._sim_chat(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a group that can be upgraded")
        new_id = self.add_group(
            old.title or "",
            members=old.members,
            admins=old.admins,
            owner_id=old.owner_id,
            bot_is_admin=old.bot_is_admin,
            bot_is_member=old.bot_is_member,
        )
        old.migrated_to = new_id
        actor = old.owner_id or self.bot.id
        for chat, field_name, value in (
            (old, "migrate_to_chat_id", new_id),
            (self.chats[new_id], "migrate_from_chat_id", old.id),
        ):
            message = self._store(chat, actor, service={field_name: value})
            self._push("message", self.message_json(message))
        return new_id

    def user_sends(
        self,
        user_id: int,
        chat_id: int | None,
        text: str,
        *,
        reply_to_message_id: int | None = None,
    ) -> JSONDict | None:
        """A user writes ``text``; returns the queued Update, or None if privacy mode hides it.

        A private chat's id is the user's id. Commands (also ``/cmd@bot args``) get a
        ``bot_command`` entity like Telegram adds.
        """
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:
            chat = self._private_chat(user)
            if user.blocked:
                self._set_blocked(user, blocked=False)
            user.started = True
        else:
            chat = self._sim_chat(chat_id)
            if user_id not in chat.members:
                raise ValueError(f"user {user_id} is not a member of chat {chat_id}")
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
            for m in _COMMAND_RE.finditer(text)
        ]
        if reply_to_message_id is not None and self._message(chat, reply_to_message_id) is None:
            raise ValueError(f"no message {reply_to_message_id} in chat {chat.id}")
        message = self._store(
            chat,
            user_id,
            text=text,
            entities=entities,
            reply_to_message_id=reply_to_message_id,
        )
        if not self._bot_sees(chat, message):
            return None
        return self._push("message", self.message_json(message))

    def _sim_chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        return chat

    def _bot_sees(self, chat: ChatState, message: StoredMessage) -> bool:
        """Privacy mode: in groups only commands for this bot and replies to it arrive."""
        if chat.type == "private" or not self.privacy_mode or chat.bot_is_admin:
            return chat.bot_is_member or chat.type == "private"
        if not chat.bot_is_member:
            return False
        text = message.text or ""
        match = _COMMAND_RE.match(text)
        if match and (match.group(2) is None or match.group(2)[1:] == self.bot.username):
            return True
        replied = self._message(chat, message.reply_to_message_id)
        return replied is not None and replied.from_id == self.bot.id

    def user_presses(self, user_id: int, chat_id: int, message_id: int, callback_data: str) -> str:
        """A user taps an inline button; returns the callback query id for later checks."""
        user = self._user(user_id)
        chat = self._sim_chat(chat_id)
        message = self._message(chat, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        datas = [b.get("callback_data") for row in message.inline_keyboard for b in row]
        if callback_data not in datas:
            raise ValueError(f"message {message_id} has no button with data {callback_data!r}")
        query_id = str(4_000_000_000_000_000 + next(self._ids))
        self.callback_queries[query_id] = CallbackQueryState(
            query_id, user.id, chat.id, message_id, callback_data, self.now()
        )
        self._push(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_dict(),
                "message": self.message_json(message),
                "chat_instance": str(abs(hash((chat.id, self.bot.id))) % 10**18),
                "data": callback_data,
            },
        )
        return query_id

    def user_votes(self, user_id: int, poll_id: str, option_ids: Sequence[int]) -> None:
        """A user answers a poll: emits ``poll`` and (non-anonymous only) ``poll_answer``."""
        user = self._user(user_id)
        poll = self.polls.get(poll_id)
        if poll is None:
            raise ValueError(f"unknown poll {poll_id}")
        self.tick()
        if poll.is_closed:
            raise ValueError(f"poll {poll_id} is closed")
        chosen = tuple(option_ids)
        if any(not 0 <= i < len(poll.options) for i in chosen) or len(set(chosen)) != len(chosen):
            raise ValueError(f"invalid option ids {chosen}")
        if len(chosen) > 1 and not poll.allows_multiple_answers:
            raise ValueError("this poll allows one answer")
        if user_id in poll.votes and not poll.allows_revoting:
            raise ValueError("this poll does not allow changing the answer")
        if not chosen and user_id not in poll.votes:
            raise ValueError("nothing to retract")
        poll.votes[user_id] = tuple(sorted(chosen))
        if not chosen:
            del poll.votes[user_id]
        self._push("poll", poll.to_dict())
        if not poll.is_anonymous:
            self._push(
                "poll_answer",
                {
                    "poll_id": poll.id,
                    "user": user.to_dict(),
                    "option_ids": list(sorted(chosen)),
                    "option_persistent_ids": [str(i) for i in sorted(chosen)],
                },
            )

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: private sends now fail with 403 and my_chat_member arrives."""
        self._set_blocked(self._user(user_id), blocked=True)

    def unblock_bot(self, user_id: int) -> None:
        """The user restarts the bot after blocking it."""
        self._set_blocked(self._user(user_id), blocked=False)

    def _set_blocked(self, user: UserState, *, blocked: bool) -> None:
        if user.blocked == blocked:
            return
        user.blocked = blocked
        chat = self._private_chat(user)
        member = {"status": "member", "user": self.bot.to_dict()}
        kicked = {"status": "kicked", "user": self.bot.to_dict(), "until_date": 0}
        self._push(
            "my_chat_member",
            {
                "chat": chat.to_dict(),
                "from": user.to_dict(),
                "date": self.wall_now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )

    # ------------------------------------------------------------------ inspection

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by getUpdates (copies)."""
        return [dict(u) for u in self._updates]

    def take_updates(self) -> list[JSONDict]:
        """Pending updates, confirmed at once: for feeding ``Application.process_update``."""
        taken, self._updates = self._updates, []
        return taken

    def messages(self, chat_id: int) -> list[StoredMessage]:
        """Every live message in the chat, oldest first, from users and the bot."""
        return sorted(self._messages.get(chat_id, {}).values(), key=lambda m: m.message_id)

    def last_message(self, chat_id: int, *, from_bot: bool | None = True) -> StoredMessage:
        """The newest message (by default the bot's); LookupError when there is none."""
        for message in reversed(self.messages(chat_id)):
            if from_bot is None or (message.from_id == self.bot.id) == from_bot:
                return message
        raise LookupError(f"no matching message in chat {chat_id}")

    def keyboard(
        self, chat_id: int, message_id: int | None = None
    ) -> list[tuple[str, str | None]]:
        """Inline buttons of a message (default: the bot's last one) as (text, callback_data)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {chat_id}")
        if message_id is None:
            message = self.last_message(chat_id)
        else:
            found = self._message(chat, message_id)
            if found is None:
                raise LookupError(f"no message {message_id} in chat {chat_id}")
            message = found
        return [
            (b["text"], b.get("callback_data")) for row in message.inline_keyboard for b in row
        ]

    def sent_files(self, chat_id: int | None = None) -> list[StoredFile]:
        """Files the bot sent (photos and documents), optionally in one chat."""
        chats = [chat_id] if chat_id is not None else list(self._messages)
        found: list[StoredFile] = []
        for cid in chats:
            for message in self.messages(cid):
                if message.from_id == self.bot.id:
                    found.extend(f for f in (message.photo, message.document) if f is not None)
        return found

    def calls_to(self, method: str) -> list[JSONDict]:
        """Params of every logged call to ``method`` (failed ones included)."""
        return [c.params for c in self.calls if c.method.lower() == method.lower()]

    def callback_answer(self, query_id: str) -> JSONDict | None:
        """What the bot answered to a button press, or None if it has not (yet)."""
        query = self.callback_queries.get(query_id)
        return None if query is None else query.answer

    def last_poll(self, chat_id: int) -> PollState:
        """The newest poll the bot sent to the chat."""
        for message in reversed(self.messages(chat_id)):
            if message.poll_id is not None:
                return self.polls[message.poll_id]
        raise LookupError(f"no poll in chat {chat_id}")

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands set by setMyCommands for a scope (default scope when None)."""
        key = json.dumps(dict(scope or {"type": "default"}), sort_keys=True)
        return [dict(c) for c in self._commands.get((key, language_code), [])]


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    actions = [k for k in BUTTON_ACTIONS if k in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url.strip()):
            raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram strips surrounding whitespace; entities are shifted and clipped to match."""
    stripped = text.strip(" \t\r\n")
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(" \t\r\n"))])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, so PhotoSize looks plausible; (0, 0) if unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            size = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height = int.from_bytes(data[i + 5 : i + 7], "big")
                width = int.from_bytes(data[i + 7 : i + 9], "big")
                return width, height
            i += 2 + size
    return 0, 0
