"""Content as the rest of the bot sees it: validated, immutable, language-aware.

The YAML file format lives in ``bot.content.schema``; this module is what it loads into.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.campaigns import Campaign

LANGUAGES: tuple[str, ...] = ("zh", "en")

DEFAULT_REVIEW_EVERY_DAYS = 365


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


class Verdict(StrEnum):
    """What a "real or scam?" item really is."""

    GENUINE = "genuine"
    SCAM = "scam"


TRUE_FALSE_OPTIONS: tuple[Text, Text] = (Text("对", "True"), Text("错", "False"))
"""A true/false question's options, always in this order."""

VERDICT_OPTIONS: tuple[Text, Text] = (Text("真的（正规）", "Genuine"), Text("诈骗", "Scam"))
"""The options of a "genuine or scam?" item, always in this order."""


@dataclass(frozen=True, slots=True)
class Option:
    text: Text
    correct: bool = False
    tempting: bool = False
    """A wrong option that sounds careful (an editor's mark; never correct)."""


# --------------------------------------------------------------------------- scenes


class SceneKind(StrEnum):
    SMS = "sms"
    CHAT = "chat"
    CALL = "call"


class Speaker(StrEnum):
    THEM = "them"
    ME = "me"


@dataclass(frozen=True, slots=True)
class Bubble:
    """One message in an SMS thread or chat, or one thing said in a call."""

    speaker: Speaker
    text: Text


@dataclass(frozen=True, slots=True)
class Scene:
    """A message thread or incoming call, written as text and drawn as a picture."""

    kind: SceneKind
    sender: Text
    messages: tuple[Bubble, ...]
    time: str | None = None


# The few words of a scene's text version. Content vocabulary like the "短信：" that editors
# write at the start of a scenario, kept beside the model so every layer prints the same text.
_SCENE_KIND_WORDS: dict[str, dict[SceneKind, str]] = {
    "zh": {SceneKind.SMS: "短信", SceneKind.CHAT: "聊天", SceneKind.CALL: "来电"},
    "en": {SceneKind.SMS: "SMS", SceneKind.CHAT: "Chat", SceneKind.CALL: "Call"},
}
_SCENE_ME: dict[str, str] = {"zh": "我", "en": "Me"}
_SCENE_COLON: dict[str, str] = {"zh": "：", "en": ": "}


def scene_text(scene: Scene, lang: str) -> str:
    """The scene as plain text: for people who cannot see pictures, polls and reviews.

    The first line names the kind, the sender and the time; then one line per bubble. When both
    sides speak, each line starts with who speaks (the sender's name, or "我"/"Me").
    """
    lang = lang if lang in _SCENE_KIND_WORDS else "zh"
    sender = scene.sender.get(lang)
    head = [_SCENE_KIND_WORDS[lang][scene.kind], sender]
    if scene.time:
        head.append(scene.time)
    lines = [" · ".join(head)]
    both = any(bubble.speaker is Speaker.ME for bubble in scene.messages)
    colon = _SCENE_COLON[lang]
    for bubble in scene.messages:
        text = bubble.text.get(lang)
        if both:
            who = _SCENE_ME[lang] if bubble.speaker is Speaker.ME else sender
            text = f"{who}{colon}{text}"
        lines.append(text)
    return "\n".join(lines)


def scene_text_both(scene: Scene) -> Text:
    """:func:`scene_text` in every language, as the scenario of a question without one."""
    return Text(zh=scene_text(scene, "zh"), en=scene_text(scene, "en"))


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
    reviewed: date | None = None
    expires: date | None = None
    group: str | None = None
    """Questions that test the same fact share a group; a quiz or event draws one of them."""
    verdict: Verdict | None = None
    scene: Scene | None = None
    """Drawn as a picture; ``scenario`` then holds its text version unless the editor wrote one."""

    @property
    def correct_indices(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)

    @property
    def asks_verdict(self) -> bool:
        """A "genuine or scam?" item: its two options are :data:`VERDICT_OPTIONS`."""
        return self.verdict is not None and (
            tuple(option.text.zh for option in self.options)
            == tuple(text.zh for text in VERDICT_OPTIONS)
        )

    @property
    def fixed_order(self) -> bool:
        """Options shown in the bank's order: 对 before 错, 真的（正规） before 诈骗."""
        return self.type is QuestionType.TRUE_FALSE or self.asks_verdict

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
    review_every_days: int = DEFAULT_REVIEW_EVERY_DAYS

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
    reviewed: date | None = None
    expires: date | None = None


# --------------------------------------------------------------------------- freshness


def is_expired(expires: date | None, today: date) -> bool:
    """``expires`` is the last day an item is served: from the day after, it is not."""
    return expires is not None and expires < today


def review_due(reviewed: date, every_days: int) -> date:
    """The last day a review made on ``reviewed`` still counts; overdue from the day after."""
    return reviewed + timedelta(days=every_days)


def is_overdue(reviewed: date, every_days: int, today: date) -> bool:
    return review_due(reviewed, every_days) < today


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

    def served_on(self, today: date) -> Catalog:
        """The content that may be served on ``today``: expired questions and lessons left out.

        A lesson whose check question expired keeps its text and loses the check. Returns
        ``self`` when nothing has expired, so a daily call costs nothing most days.
        """
        gone = {qid for qid, q in self.questions.items() if is_expired(q.expires, today)}
        lessons_gone = any(is_expired(lesson.expires, today) for lesson in self.lessons)
        if not gone and not lessons_gone:
            return self
        banks = {
            bank_id: replace(bank, questions=tuple(q for q in bank.questions if q.id not in gone))
            for bank_id, bank in self.banks.items()
        }
        lessons = tuple(
            replace(lesson, check=None) if lesson.check in gone else lesson
            for lesson in self.lessons
            if not is_expired(lesson.expires, today)
        )
        questions = {qid: q for qid, q in self.questions.items() if qid not in gone}
        return Catalog(banks=banks, lessons=lessons, questions=questions, version=self.version)

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
