"""What handlers share: the services the application was built with.

Handlers reach every use case through these services; none of them touches the repository.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from telegram.ext import CallbackContext

from bot.config import Settings
from bot.render import Renderer
from bot.services.campaigns import CampaignService
from bot.services.checker import CheckerService
from bot.services.content import ContentStore
from bot.services.events import EventOutbox, EventService, EventTimer
from bot.services.groups import GroupService
from bot.services.insight import InsightService
from bot.services.lessons import LessonService
from bot.services.people import PeopleService
from bot.services.pictures import PictureService
from bot.services.prompts import PromptService
from bot.services.quiz import QuizService
from bot.services.staff import AdminLookup, Staff
from bot.storage.repository import Repository


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _no_admins(chat_id: int, /) -> frozenset[int] | None:
    return None


@dataclass
class Services:
    settings: Settings
    repo: Repository
    content: ContentStore
    render: Renderer
    clock: Callable[[], datetime] = field(default=utc_now)
    rng_factory: Callable[[], random.Random] = field(default=random.Random)
    admin_lookup: AdminLookup = field(default=_no_admins)  # Telegram's admin list (app.py)
    extras: dict[str, Any] = field(default_factory=dict)  # per-application caches

    def is_owner(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.owner_ids

    @cached_property
    def people(self) -> PeopleService:
        return PeopleService(self.repo, self.content, self.settings, self.clock)

    @cached_property
    def quiz(self) -> QuizService:
        return QuizService(
            self.repo,
            self.content,
            self.settings.timezone,
            self.rng_factory,
            campaigns=self.campaigns,
        )

    @cached_property
    def pictures(self) -> PictureService:
        return PictureService(self.repo)

    @cached_property
    def campaigns(self) -> CampaignService:
        return CampaignService(
            self.repo,
            self.content,
            operators=self.settings.owner_ids,
            rng_factory=self.rng_factory,
        )

    @cached_property
    def lessons(self) -> LessonService:
        return LessonService(self.repo, self.content, self.settings, clock=self.clock)

    @cached_property
    def checker(self) -> CheckerService:
        return CheckerService(
            self.repo, self.content, self.people, self.settings.timezone, self.clock
        )

    @cached_property
    def prompts(self) -> PromptService:
        return PromptService(self.repo, self.clock)

    @cached_property
    def insight(self) -> InsightService:
        """Reports of a problem (纠错) and the operators' figures (one cache per application)."""
        return InsightService(
            self.repo,
            self.content,
            self.settings.timezone,
            database_path=self.settings.database_path,
        )

    @cached_property
    def staff(self) -> Staff:
        return Staff(self.repo, self.settings.owner_ids, self.admin_lookup, self.clock)

    @cached_property
    def groups(self) -> GroupService:
        return GroupService(self.repo, self.staff, self.settings.default_language, self.clock)

    def event_service(self, outbox: EventOutbox, timer: EventTimer) -> EventService:
        """Group events talk to Telegram through the handlers' outbox and timer."""
        return EventService(self.repo, self.content, outbox, timer, self.staff, self.rng_factory)


SERVICES_KEY = "services"


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found = context.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
