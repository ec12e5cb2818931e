"""Drive the real bot like a Telegram client would, through the Bot API emulator."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import TimedOut

from bot.app import PTBApplication, build_application
from bot.config import Settings
from bot.emulator.core import BotApiEmulator, CallbackQueryState, StoredMessage
from bot.emulator.request import EmulatorRequest
from bot.services.content import ContentStore
from bot.storage.repository import Repository

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """A wall clock the test moves by hand; both the bot and the emulator read it."""

    def __init__(self, start: datetime = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def timestamp(self) -> float:
        return self.now.timestamp()


class FlakyRequest(EmulatorRequest):
    """Times out on the next call of the named methods, as a slow network would."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        super().__init__(emulator)
        self.fail_next: set[str] = set()

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        method = url.rsplit("/", 1)[-1]
        if method in self.fail_next:
            self.fail_next.discard(method)
            raise TimedOut(f"simulated timeout on {method}")
        return await super().do_request(url, *args, **kwargs)


class Harness:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        content_paths: Sequence[Path],
        emulator: BotApiEmulator | None = None,
        signals: Sequence[Path] = (),
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.content = ContentStore(content_paths, signals=signals)
        result = self.content.reload()
        assert result.ok, [str(p) for p in result.problems]
        self.emu = emulator or BotApiEmulator(wall_clock=clock.timestamp)
        for owner in settings.owner_ids:  # operators have started the bot: errors reach them
            if owner not in self.emu.users:
                self.emu.add_user(owner, "运维")
        self.app: PTBApplication | None = None
        self.repo: Repository | None = None
        self.rng = random.Random(315)
        self.errors: list[BaseException] = []
        self.allow_api_failures = False
        self.delivered: list[dict[str, Any]] = []
        self._forged = 0

    async def start(self) -> None:
        """Open the database and start the application (again, after ``stop``)."""
        self.repo = await Repository.open(self.settings.database_path)
        self.request = FlakyRequest(self.emu)
        self.app = build_application(
            self.settings,
            repo=self.repo,
            content=self.content,
            request=self.request,
            get_updates_request=EmulatorRequest(self.emu),
            clock=self.clock,
            rng_factory=lambda: random.Random(self.rng.random()),
        )
        self.app.add_error_handler(self._record_error)
        await self.app.initialize()

    async def _record_error(self, update: object, context: Any) -> None:
        self.errors.append(context.error)

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.shutdown()
            self.app = None
        if self.repo is not None:
            await self.repo.close()
            self.repo = None

    async def restart(self) -> None:
        """What a crash and a fresh process look like: nothing survives but the database."""
        await self.stop()
        await self.start()

    def user(self, user_id: int, name: str = "测试用户", language_code: str = "zh-hans") -> None:
        if user_id not in self.emu.users:
            self.emu.add_user(user_id, name, language_code=language_code)

    async def flush(self) -> None:
        """Deliver queued updates; a handler error or a refused Bot API call fails the test."""
        assert self.app is not None
        for data in self.emu.take_updates():
            self.delivered.append(data)
            await self.app.process_update(Update.de_json(data, self.app.bot))
        self.check()

    async def redeliver_last(self) -> None:
        """Telegram may deliver one update twice (e.g. after a timeout on its side)."""
        assert self.app is not None
        data = self.delivered[-1]
        if "callback_query" in data:  # a fresh query id, as Telegram would answer it again
            query = data["callback_query"]
            self._register_query(query["id"], query["from"]["id"], query["message"], query["data"])
        await self.app.process_update(Update.de_json(data, self.app.bot))
        self.check()

    async def forge_press(
        self, user_id: int, data: str, *, chat_id: int | None = None, message_id: int | None = None
    ) -> dict[str, Any] | None:
        """A modified client sends callback data that the bot never offered on that message."""
        assert self.app is not None
        self.user(user_id)
        chat = chat_id if chat_id is not None else user_id
        message = self.last(chat) if message_id is None else self.message(chat, message_id)
        self._forged += 1
        query_id = f"forged-{self._forged}"
        message_json = self.emu.message_json(message)
        self._register_query(query_id, user_id, message_json, data)
        update = {
            "update_id": 10**9 + self._forged,
            "callback_query": {
                "id": query_id,
                "from": self.emu.users[user_id].to_dict(),
                "message": message_json,
                "chat_instance": "forged",
                "data": data,
            },
        }
        await self.app.process_update(Update.de_json(update, self.app.bot))
        self.check()
        return self.emu.callback_answer(query_id)

    def _register_query(
        self, query_id: str, user_id: int, message: dict[str, Any], data: str
    ) -> None:
        self.emu.callback_queries[query_id] = CallbackQueryState(
            query_id, user_id, message["chat"]["id"], message["message_id"], data, self.emu.now()
        )

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        for message in self.emu.messages(chat_id):
            if message.message_id == message_id:
                return message
        raise LookupError(f"no message {message_id} in chat {chat_id}")

    def check(self) -> None:
        if self.errors:
            raise AssertionError(f"a handler failed: {self.errors[0]!r}") from self.errors[0]
        refused = [
            (call, error)
            for call, error in self.emu.failures
            # Benign by design: editing a message into what it already shows.
            if "message is not modified" not in str(error)
        ]
        if refused and not self.allow_api_failures:
            call, error = refused[0]
            raise AssertionError(f"the Bot API refused {call.method}: {error}")

    async def send(self, user_id: int, text: str, chat_id: int | None = None) -> None:
        self.user(user_id)
        self.emu.user_sends(user_id, chat_id if chat_id is not None else user_id, text)
        await self.flush()

    async def press(
        self,
        user_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any] | None:
        """Press a button with ``data`` on a message (default: the bot's last one there).

        Returns the bot's answer to the callback query (its toast), if any.
        """
        self.user(user_id)
        chat = chat_id if chat_id is not None else user_id
        if message_id is None:
            message_id = self.last(chat).message_id
        query_id = self.emu.user_presses(user_id, chat, message_id, data)
        await self.flush()
        return self.emu.callback_answer(query_id)

    def last(self, chat_id: int) -> StoredMessage:
        return self.emu.last_message(chat_id)

    def text(self, chat_id: int) -> str:
        return self.last(chat_id).text or self.last(chat_id).caption or ""

    def buttons(self, chat_id: int, message_id: int | None = None) -> list[tuple[str, str | None]]:
        return self.emu.keyboard(chat_id, message_id)

    def button(self, chat_id: int, label: str, message_id: int | None = None) -> str:
        """The callback data of the button whose label contains ``label``."""
        for text, data in self.buttons(chat_id, message_id):
            if label in text and data is not None:
                return data
        raise LookupError(f"no button {label!r} in {self.buttons(chat_id, message_id)}")

    def methods(self) -> list[str]:
        return [call.method for call in self.emu.calls]
