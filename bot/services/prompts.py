"""Reply prompts (``bot.domain.prompts``): open one, and find the one a reply answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.prompts import DEFAULT_TTL, Prompt
from bot.storage.repository import Repository


@dataclass(frozen=True, slots=True)
class Expired:
    """A reply to a prompt that is no longer open (answered already counts as gone)."""

    kind: str


class PromptService:
    def __init__(self, repo: Repository, clock: Callable[[], datetime]) -> None:
        self.repo = repo
        self.clock = clock

    async def opened(
        self,
        chat_id: int,
        message_id: int,
        user_id: int,
        kind: str,
        payload: str = "",
        ttl: timedelta = DEFAULT_TTL,
    ) -> Prompt:
        """The prompt message ``message_id`` was sent: a reply to it now reaches ``kind``."""
        prompt = Prompt(chat_id, message_id, user_id, kind, payload, self.clock() + ttl)
        await self.repo.prompts.open(prompt)
        return prompt

    async def answered(
        self, chat_id: int, replied_to: int, user_id: int
    ) -> Prompt | Expired | None:
        """The live prompt a reply answers (taken: it is answered once); ``Expired`` for one
        past its time; None when the replied message is no prompt of this person's."""
        prompt = await self.repo.prompts.take(chat_id, replied_to, user_id)
        if prompt is None:
            return None
        return prompt if prompt.live(self.clock()) else Expired(prompt.kind)
