"""A person's own record: first contact, language, name opt-in, progress, export and deletion.

No Telegram types: handlers pass ids, names and language codes. Only commands a person sends
create their record (``meet``); a button press never does — after /forget an old button must
not bring the person back (read with ``known``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.config import Settings
from bot.domain.quiz import Streak, current_streak
from bot.services.common import Origin, guess_language, local_today
from bot.services.content import ContentStore
from bot.storage.repository import RankedUser, Repository, User

LEADERBOARD_SIZE = 10
NAME_LENGTH = 32


class ForgetRefusal(StrEnum):
    NOT_YOURS = "not_yours"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class TopicView:
    title: str
    answered: int
    accuracy: int


@dataclass(frozen=True, slots=True)
class StatsView:
    user: User
    accuracy: int
    topics: tuple[TopicView, ...]
    streak: int
    rank: int | None
    users: int


@dataclass(frozen=True, slots=True)
class LeaderboardView:
    rows: tuple[RankedUser, ...]
    me: User
    my_rank: int | None


def clean_name(full_name: str, fallback: str) -> str:
    """A display name as stored and shown: trimmed, one line, at most NAME_LENGTH characters."""
    name = " ".join(full_name.split())[:NAME_LENGTH]
    return name or fallback


class PeopleService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = repo
        self.content = content
        self.settings = settings
        self.clock = clock

    def guess_language(self, code: str | None) -> str:
        return guess_language(code, self.settings.default_language)

    async def meet(self, user_id: int, language_code: str | None, full_name: str) -> User:
        """The person behind a command, created on first contact with a guessed language; an
        opted-in display name follows their Telegram name."""
        people = self.repo.people
        user = await people.ensure_user(user_id, self.guess_language(language_code), self.clock())
        if user.show_name:
            name = clean_name(full_name, str(user_id))
            if name != user.display_name:
                await people.set_show_name(user_id, True, name)
        return user

    async def known(self, user_id: int) -> User | None:
        """The stored person, never created: for button presses."""
        return await self.repo.people.get_user(user_id)

    async def language_of(self, user_id: int, language_code: str | None) -> str:
        user = await self.known(user_id)
        return user.language if user is not None else self.guess_language(language_code)

    # --- progress -------------------------------------------------------------------------

    async def stats(self, user: User) -> StatsView:
        titles = self.content.catalog.topic_titles(user.language)
        topics = tuple(
            TopicView(titles.get(t.topic, t.topic), t.answered, _percent(t.correct, t.answered))
            for t in await self.repo.people.topic_stats(user.user_id)
        )
        streak = Streak(user.streak_current, user.streak_best, user.streak_last_day)
        today = local_today(self.clock(), user.timezone, self.settings.timezone)
        return StatsView(
            user=user,
            accuracy=_percent(user.correct, user.answered),
            topics=topics,
            streak=current_streak(streak, today),
            rank=await self.repo.people.rank_of(user.user_id),
            users=await self.repo.people.user_count(),
        )

    async def leaderboard(self, user: User) -> LeaderboardView:
        people = self.repo.people
        top = await people.top_users(LEADERBOARD_SIZE)
        rank = await people.rank_of(user.user_id) if user.points > 0 else None
        return LeaderboardView(tuple(top), user, rank)

    # --- settings -------------------------------------------------------------------------

    async def set_language(self, origin: Origin, language: str) -> User | None:
        """None when the presser is unknown (never started, or forgotten)."""
        if await self.known(origin.user_id) is None:
            return None
        await self.repo.people.set_language(origin.user_id, language)
        return await self.known(origin.user_id)

    async def show_name(self, origin: Origin, show: bool, full_name: str) -> User | None:
        """Opt in (the name is stored, cut to NAME_LENGTH) or out (the name is deleted)."""
        if await self.known(origin.user_id) is None:
            return None
        name = clean_name(full_name, str(origin.user_id)) if show else None
        await self.repo.people.set_show_name(origin.user_id, show, name)
        return await self.known(origin.user_id)

    # --- export and deletion --------------------------------------------------------------

    async def export(self, user: User) -> tuple[str, bytes]:
        """A JSON file with everything stored about the person, table by table."""
        exported = await self.repo.privacy.export_user(user.user_id)
        payload = json.dumps(
            {"exported_at": self.clock().isoformat(), "data": exported},
            ensure_ascii=False,
            indent=2,
            default=str,
        ).encode()
        return f"quizbot-mydata-{user.user_id}.json", payload

    async def forget_prompted(self, user_id: int, message_id: int) -> None:
        """The confirmation message just sent; only a press on it may delete."""
        await self.repo.people.set_forget_prompt(user_id, message_id)

    async def forget(self, origin: Origin, user_id: int, confirm: bool) -> bool | ForgetRefusal:
        """Delete everything (confirm) or nothing; True when data was deleted.

        Only the person themselves, in their private chat, on the confirmation message that is
        still pending: a forwarded copy, another person's press or an old confirmation is
        refused, and a press after the deletion does not create the person again.
        """
        if user_id != origin.user_id or not origin.own_private_chat:
            return ForgetRefusal.NOT_YOURS
        user = await self.known(origin.user_id)
        if user is None or user.forget_prompt is None or user.forget_prompt != origin.message_id:
            return ForgetRefusal.STALE
        if not confirm:
            await self.repo.people.set_forget_prompt(user_id, None)
            return False
        pseudonym = -(2**52 + secrets.randbelow(2**52))  # for the group results they were in
        return await self.repo.privacy.delete_user(user_id, pseudonym)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0
