"""Who manages a group: its administrators, volunteers and operators.

Events and lessons ask the same question; the administrator list comes from
getChatAdministrators, cached briefly so a busy group does not cost a call per command.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.context import Services

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 60


class GroupStaff:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._admins: dict[int, tuple[datetime, frozenset[int]]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        now = self.svc.clock()
        cached = self._admins.get(chat_id)
        if cached is None or cached[0] <= now:
            try:
                members = await bot.get_chat_administrators(chat_id)
            except (Forbidden, BadRequest) as exc:
                log.info("cannot list the admins of %s: %s", chat_id, exc.message)
                return False
            ids = frozenset(m.user.id for m in members)
            cached = (now + timedelta(seconds=ADMIN_CACHE_SECONDS), ids)
            self._admins[chat_id] = cached
        return user_id in cached[1]

    async def may_manage(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Operators, volunteers and the group's administrators."""
        if self.svc.is_owner(user_id) or await self.svc.repo.players.is_volunteer(user_id):
            return True
        return await self.is_admin(bot, chat_id, user_id)


def group_staff(svc: Services) -> GroupStaff:
    """One cache per application, kept beside its services."""
    staff = svc.extras.get("group_staff")
    if not isinstance(staff, GroupStaff):
        staff = GroupStaff(svc)
        svc.extras["group_staff"] = staff
    return staff
