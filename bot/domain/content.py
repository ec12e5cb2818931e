"""Content as the rest of the bot sees it: validated, immutable, language-aware.

The YAML file format lives in ``bot.content.schema``; this module is what it loads into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.campaigns import Campaign

LANGUAGES: tuple[str, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Simplified Chinese with an optional English translation."""

    zh: str
    en: str | None = None

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to Chinese where no translation exists."""
        if lang == "en" and self.en:
            return self.en
        return self.zh


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


@dataclass(frozen=True, slots=True)
class Option:
    text: Text
    correct: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    bank_id: str
    topic: str
    type: QuestionType
    text: Text
    options: tuple[Option, ...]
    explanation: Text
    source: Text
    difficulty: int = 1
    tags: tuple[str, ...] = ()
    scenario: Text | None = None
    detail: Text | None = None

    @property
    def correct_indices(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)

    def is_correct(self, chosen: frozenset[int]) -> bool:
        """Grade a choice of option indices (in the bank's own order)."""
        return chosen == self.correct_indices


@dataclass(frozen=True, slots=True)
class Bank:
    id: str
    topic: str
    title: Text
    description: Text
    questions_per_quiz: int
    questions: tuple[Question, ...]
    draw_from: tuple[str, ...] = ()
    order: int = 100

    @property
    def is_mixed(self) -> bool:
        return bool(self.draw_from)


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    topic: str
    order: int
    title: Text
    body: Text
    takeaways: tuple[Text, ...]
    action: Text
    source: Text
    check: str | None = None


@dataclass(frozen=True)
class Catalog:
    """All loaded content. Replaced as a whole on reload, never mutated."""

    banks: dict[str, Bank] = field(default_factory=dict)
    lessons: tuple[Lesson, ...] = ()
    questions: dict[str, Question] = field(default_factory=dict)
    version: str = ""
    campaigns: dict[str, Campaign] = field(default_factory=dict)  # content/campaigns/*.yaml

    def bank_questions(self, bank_id: str) -> tuple[Question, ...]:
        """Questions a quiz on ``bank_id`` draws from (a mixed bank draws from its sources)."""
        bank = self.banks[bank_id]
        pool = list(bank.questions)
        for source_id in bank.draw_from:
            source = self.banks.get(source_id)
            if source is not None:
                pool.extend(source.questions)
        return tuple(pool)

    def lessons_for(self, topic: str) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if lesson.topic == topic)

    @property
    def ordered_banks(self) -> tuple[Bank, ...]:
        """Banks in menu order: ``order``, then id. The one ordering every list uses."""
        return tuple(sorted(self.banks.values(), key=lambda b: (b.order, b.id)))

    @property
    def topics(self) -> tuple[str, ...]:
        """Topics in bank order, each once."""
        return tuple(dict.fromkeys(bank.topic for bank in self.ordered_banks))

    def bank_for_topic(self, topic: str) -> str | None:
        """The quiz for a topic: the bank named like it, else the first of that topic."""
        if topic in self.banks and not self.banks[topic].is_mixed:
            return topic
        return next((bank.id for bank in self.ordered_banks if bank.topic == topic), None)

    def topic_titles(self, lang: str) -> dict[str, str]:
        """A topic's name is the title of its first bank in menu order."""
        titles: dict[str, str] = {}
        for bank in self.ordered_banks:
            titles.setdefault(bank.topic, bank.title.get(lang))
        return titles
