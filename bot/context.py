"""What handlers share: the services the application was built with."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import CallbackContext

from bot.config import Settings
from bot.render import Renderer
from bot.services.content import ContentStore
from bot.storage.repository import Repository


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    repo: Repository
    content: ContentStore
    render: Renderer
    clock: Callable[[], datetime] = field(default=utc_now)
    rng_factory: Callable[[], random.Random] = field(default=random.Random)
    extras: dict[str, Any] = field(default_factory=dict)  # per-application caches

    def is_owner(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.owner_ids


SERVICES_KEY = "services"


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found = context.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
