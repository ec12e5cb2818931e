"""The file format editors write (format version 1), as pydantic models.

These models check types, required and unknown keys, and give ``quizbot schema`` its JSON
Schema. Rules that span fields or files (answer counts, Telegram limits, duplicate ids) live in
``bot.content.loader`` so every message can name its file, line and column.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from bot.domain.content import DEFAULT_REVIEW_EVERY_DAYS

FORMAT_VERSION = 1

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$"),
    Field(description="Stable id: lower-case letters, digits, '_' or '-', at most 40 chars."),
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> date:
    """Only ``YYYY-MM-DD`` text: a bare number or a timestamp is a slip, not a date."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"must be a date written YYYY-MM-DD, not {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None


IsoDate = Annotated[
    date,
    PlainValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]

_REVIEWED = Field(
    default=None,
    description="YYYY-MM-DD: when this was last checked against its source.",
)
_EXPIRES = Field(
    default=None,
    description="YYYY-MM-DD: the last day it is served (optional).",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TextModel(_Model):
    """A text in Simplified Chinese (required) and English (strongly recommended)."""

    zh: str = Field(description="Simplified Chinese, the primary language.")
    en: str | None = Field(default=None, description="Faithful English translation.")


class OptionModel(_Model):
    zh: str
    en: str | None = None
    correct: bool = Field(default=False, description="Mark each correct option with true.")
    tempting: bool = Field(
        default=False,
        description="A wrong option that sounds careful but is wrong (never correct).",
    )


class BubbleModel(_Model):
    speaker: Literal["them", "me"] = Field(
        default="them",
        alias="from",
        description="Who sends it: them (the sender or caller, the default) or me.",
    )
    text: TextModel = Field(description="One message bubble, or what is said; links as text.")


class SceneModel(_Model):
    """A message thread or an incoming call, drawn as a picture before the question."""

    kind: Literal["sms", "chat", "call"] = Field(description="sms | chat | call")
    sender: TextModel = Field(description="The number or chat name shown at the top.")
    time: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] | None = (
        Field(default=None, description="Optional clock time shown at the top, HH:MM.")
    )
    messages: list[BubbleModel] = Field(
        description="sms/chat: the bubbles in order; call: what the caller says (1 to 8)."
    )


class QuestionModel(_Model):
    id: Identifier
    type: Literal["single", "multiple", "true_false"] = "single"
    difficulty: Annotated[int, Field(ge=1, le=3)] = 1
    tags: list[str] = Field(default_factory=list)
    group: Identifier | None = Field(
        default=None,
        description="Questions that test the same fact share a group; a quiz draws one of them.",
    )
    verdict: Literal["genuine", "scam"] | None = Field(
        default=None, description="A 'real or scam?' item: what the message really is."
    )
    scenario: TextModel | None = Field(
        default=None, description="A realistic fake SMS, call script or chat, shown first."
    )
    scene: SceneModel | None = Field(
        default=None,
        description="The scenario as a picture; its text version is the scenario if none given.",
    )
    text: TextModel = Field(description="The question (at most 300 chars).")
    options: list[OptionModel] = Field(description="2 to 12 options of at most 100 chars.")
    explanation: TextModel = Field(description="Why: at most 200 chars and 2 line feeds.")
    detail: TextModel | None = Field(default=None, description="Optional longer explanation.")
    source: TextModel = Field(description="Law and article, or the document's title.")
    reviewed: IsoDate | None = _REVIEWED
    expires: IsoDate | None = _EXPIRES


class BankInfoModel(_Model):
    id: Identifier
    topic: Identifier
    title: TextModel
    description: TextModel
    questions_per_quiz: Annotated[int, Field(ge=1, le=50)] = 10
    order: int = Field(default=100, description="Position in the topic menu (smaller first).")
    draw_from: list[Identifier] = Field(
        default_factory=list, description="Other banks whose questions this bank also uses."
    )
    review_every_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=DEFAULT_REVIEW_EVERY_DAYS,
        description="Days after 'reviewed' when a question of this bank is due for review.",
    )


class BankFileModel(_Model):
    """A question bank: ``quizzes/<bank-id>.yaml``."""

    model_config = ConfigDict(title="Quiz bank file (format 1)")

    format: Literal[1] = 1
    bank: BankInfoModel
    questions: list[QuestionModel] = Field(default_factory=list)


class LessonModel(_Model):
    id: Identifier
    topic: Identifier
    order: Annotated[int, Field(ge=0)]
    title: TextModel
    body: TextModel = Field(description="One screen: about 150-400 Chinese characters.")
    takeaways: list[TextModel] = Field(default_factory=list)
    action: TextModel = Field(description="One concrete thing to do today.")
    check: Identifier | None = Field(default=None, description="Id of a question in a bank.")
    source: TextModel
    reviewed: IsoDate | None = _REVIEWED
    expires: IsoDate | None = _EXPIRES


class LessonFileModel(_Model):
    """Lessons: ``content/lessons/*.yaml``."""

    model_config = ConfigDict(title="Lesson file (format 1)")

    format: Literal[1] = 1
    lessons: list[LessonModel]
