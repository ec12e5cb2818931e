"""A group's own settings: the language its events and lessons speak.

``/language`` in a group is for the people who may run events there (``Staff``); without a
choice the group speaks the bot's ``DEFAULT_LANGUAGE``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from bot.domain.content import LANGUAGES
from bot.services.common import Origin
from bot.services.staff import Staff
from bot.storage.repository import Repository


class GroupRefusal(StrEnum):
    """Why a group setting did not change; the value names the toast or the reply."""

    NOT_ALLOWED = "not_allowed"
    INVALID = "invalid"


class GroupService:
    def __init__(
        self,
        repo: Repository,
        staff: Staff,
        default_language: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = repo
        self.staff = staff
        self.default_language = default_language
        self.clock = clock

    async def language(self, chat_id: int) -> str:
        """What the group chose, else the bot's default."""
        return await self.repo.groups.language(chat_id) or self.default_language

    async def language_prompt(self, chat_id: int, user_id: int) -> str | GroupRefusal:
        """``/language`` in a group: its current language, for someone who may change it."""
        if not await self.staff.may_manage(chat_id, user_id):
            return GroupRefusal.NOT_ALLOWED
        return await self.language(chat_id)

    async def set_language(self, origin: Origin, language: str) -> str | GroupRefusal:
        """A press on the group's language buttons, in that group, by someone who manages it."""
        if origin.private or language not in LANGUAGES or origin.message_id is None:
            return GroupRefusal.INVALID
        if not await self.staff.may_manage(origin.chat_id, origin.user_id):
            return GroupRefusal.NOT_ALLOWED
        await self.repo.groups.set_language(origin.chat_id, language, self.clock())
        return language
