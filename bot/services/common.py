"""What every service shares: where a press came from, and a person's local day."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a button press came from: who pressed, in which chat, on which message."""

    user_id: int
    chat_id: int
    message_id: int | None
    private: bool
    language_code: str | None = None  # the presser's Telegram language, for first contact

    @property
    def own_private_chat(self) -> bool:
        """Pressed in the presser's own private chat with the bot (a private chat's id is the
        user's id), not in a group or on a message forwarded elsewhere."""
        return self.private and self.chat_id == self.user_id


def local_today(now: datetime, zone_name: str | None, default: tzinfo) -> date:
    """The person's local day (their /timezone, else the bot's): streaks count these."""
    zone: tzinfo = default
    if zone_name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(zone_name)
    return now.astimezone(zone).date()


def guess_language(code: str | None, default: str) -> str:
    """Telegram's language_code: Chinese variants read Chinese, other known ones English."""
    if not code:
        return default
    return "zh" if code.lower().startswith("zh") else "en"
