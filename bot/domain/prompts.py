"""Reply prompts: the bot asks one person for a line of text, and only their reply answers.

A feature that needs a line of text (a feedback note, a name) sends a message that asks for
it (Telegram's ForceReply opens the reply box); the prompt is stored with its kind and a small
payload. A reply to that very message, by that person, before ``expires_at``, goes to the
feature that registered the kind (``bot.handlers.prompts``); every other text is checked by
the scam checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_TTL = timedelta(hours=1)
PAYLOAD_MAX = 64
KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True, slots=True)
class Prompt:
    chat_id: int
    message_id: int
    user_id: int
    kind: str
    payload: str
    expires_at: datetime

    def __post_init__(self) -> None:
        if not KIND.fullmatch(self.kind):
            raise ValueError(f"prompt kind {self.kind!r}: lower-case letters, digits, '_'")
        if len(self.payload) > PAYLOAD_MAX:
            raise ValueError(f"a prompt's payload is an id, at most {PAYLOAD_MAX} characters")

    def live(self, now: datetime) -> bool:
        return now < self.expires_at
