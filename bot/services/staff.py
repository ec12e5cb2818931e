"""Who may manage a group's events and lessons: operators, volunteers, the group's admins.

The admin list comes from Telegram through a port (``AdminLookup``), cached for a minute so a
busy group does not cost a call per command; a ``chat_member`` update about an admin forgets the
cached list at once (``forget_chat``), so a demoted admin loses the right immediately where the
bot receives those updates (it must be an administrator of the group to get them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.storage.repository import Repository

ADMIN_CACHE = timedelta(seconds=60)


class AdminLookup(Protocol):
    async def __call__(self, chat_id: int, /) -> frozenset[int] | None:
        """The ids of the chat's administrators; None when Telegram will not say."""


class Staff:
    def __init__(
        self,
        repo: Repository,
        operators: frozenset[int],
        lookup: AdminLookup,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = repo
        self.operators = operators
        self.lookup = lookup
        self.clock = clock
        self._admins: dict[int, tuple[datetime, frozenset[int]]] = {}

    def is_operator(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.operators

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        now = self.clock()
        cached = self._admins.get(chat_id)
        if cached is None or cached[0] <= now:
            admins = await self.lookup(chat_id)
            if admins is None:
                return False
            cached = (now + ADMIN_CACHE, admins)
            self._admins[chat_id] = cached
        return user_id in cached[1]

    async def may_manage(self, chat_id: int, user_id: int) -> bool:
        """Operators, volunteers and the group's administrators."""
        if self.is_operator(user_id) or await self.repo.players.is_volunteer(user_id):
            return True
        return await self.is_admin(chat_id, user_id)

    def forget_chat(self, chat_id: int) -> None:
        """An admin was promoted or demoted: ask Telegram again next time."""
        self._admins.pop(chat_id, None)

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        self._admins.pop(old_chat_id, None)
        self._admins.pop(new_chat_id, None)
