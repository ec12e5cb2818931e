"""Every inline button the bot draws, as a typed action: the one place callback data is defined.

An action is a small frozen dataclass with a short ``prefix`` and typed fields. ``encode`` turns
it into callback data (ASCII, at most Telegram's 64 bytes); ``decode`` turns callback data back
into an action, or None for anything it did not make: another prefix, a wrong number of fields,
non-ASCII or full-width digits, leading zeros, numbers over a field's maximum, text outside a
field's alphabet. Callback data is untrusted (old messages, forwarded copies, modified clients):
None becomes a toast and changes nothing.

Field types, declared with ``Annotated``:

- ``int`` — decimal ASCII digits, no leading zeros, ``0 <= value <= Max`` (default 2**53 - 1);
- ``str`` — ``Slug`` (letters, digits, ``_`` and ``-``; content ids) or ``OneOf(...)``;
- ``bool`` — ``1`` or ``0``.

Each action's handler lives with its feature in ``bot/handlers``; ``bot.handlers.dispatch``
routes a decoded action to it. ``docs/architecture.md`` has the table of actions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, TypeVar, get_args, get_origin, get_type_hints

from typing_extensions import dataclass_transform

from bot.domain.campaigns import PAYLOAD_PREFIX, join_payload, parse_payload
from bot.domain.events import MAX_QUESTIONS, MAX_SECONDS
from bot.domain.insight import AnswerRef, Origin, Reason
from bot.domain.zones import ZONE_KEYS

CALLBACK_DATA_BYTES = 64
MAX_ID = 2**53 - 1
"""Telegram ids and SQLite rowids fit; larger numbers are forged."""
SEP = ":"


@dataclass(frozen=True)
class Max:
    value: int


@dataclass(frozen=True)
class Slug:
    max_length: int = 40
    pattern: ClassVar[re.Pattern[str]] = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


@dataclass(frozen=True)
class OneOf:
    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        object.__setattr__(self, "values", values)


_DIGITS = re.compile(r"0|[1-9][0-9]*", re.ASCII)


@dataclass(frozen=True)
class _Field:
    name: str
    kind: type
    limit: Max | Slug | OneOf | None

    def encode(self, value: Any) -> str:
        if self.kind is bool:
            return "1" if value else "0"
        text = str(value)
        if self.decode(text) != value:
            raise ValueError(f"{self.name}={value!r} cannot be encoded in callback data")
        return text

    def decode(self, text: str) -> Any:
        """The value, or None when ``text`` is not one this field encodes."""
        if self.kind is bool:
            return {"1": True, "0": False}.get(text)
        if self.kind is int:
            if not _DIGITS.fullmatch(text) or len(text) > 16:
                return None
            value = int(text)
            top = self.limit.value if isinstance(self.limit, Max) else MAX_ID
            return value if value <= top else None
        if isinstance(self.limit, OneOf):
            return text if text in self.limit.values else None
        slug = self.limit if isinstance(self.limit, Slug) else Slug()
        if len(text) > slug.max_length or not Slug.pattern.fullmatch(text):
            return None
        return text


class Action:
    """Base of every button action; subclasses are frozen dataclasses made with ``@action``."""

    prefix: ClassVar[str] = ""
    _fields: ClassVar[tuple[_Field, ...]] = ()

    def encode(self) -> str:
        parts = [self.prefix, *(f.encode(getattr(self, f.name)) for f in self._fields)]
        data = SEP.join(parts)
        if len(data.encode()) > CALLBACK_DATA_BYTES:
            raise ValueError(f"{data!r} is longer than Telegram's 64 bytes of callback data")
        return data


REGISTRY: dict[str, type[Action]] = {}
A = TypeVar("A", bound=Action)


@dataclass_transform(frozen_default=True)
def action(prefix: str) -> Callable[[type[A]], type[A]]:
    """Register a frozen dataclass as the action for ``prefix``."""

    def register(cls: type[A]) -> type[A]:
        if not re.fullmatch(r"[a-z]{1,4}", prefix) or prefix in REGISTRY:
            raise ValueError(f"action prefix {prefix!r} is malformed or taken")
        cls = dataclass(frozen=True, slots=True)(cls)
        hints = get_type_hints(cls, include_extras=True)
        specs: list[_Field] = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            hint, limit = hints[f.name], None
            if get_origin(hint) is Annotated:
                hint, limit = get_args(hint)[0], get_args(hint)[1]
            if hint not in (int, str, bool):
                raise TypeError(f"{cls.__name__}.{f.name}: only int, str and bool fields")
            specs.append(_Field(f.name, hint, limit))
        cls.prefix = prefix
        cls._fields = tuple(specs)
        REGISTRY[prefix] = cls
        return cls

    return register


def decode(data: str | None) -> Action | None:
    """The action behind callback data, or None for anything the bot never encodes."""
    if not data or len(data.encode()) > CALLBACK_DATA_BYTES:
        return None
    prefix, *parts = data.split(SEP)
    cls = REGISTRY.get(prefix)
    if cls is None or len(parts) != len(cls._fields):
        return None
    values = {}
    for spec, text in zip(cls._fields, parts, strict=True):
        value = spec.decode(text)
        if value is None:
            return None
        values[spec.name] = value
    return cls(**values)


Id = int
Position = Annotated[int, Max(99)]
Option = Annotated[int, Max(11)]
"""Telegram allows at most 12 options; a quiz shows as many."""
Mask = Annotated[int, Max(2**12 - 1)]
"""A set of options, one bit each."""
BankId = Annotated[str, Slug()]


# --- private quizzes ------------------------------------------------------------------------


@action("b")
class ChooseBank(Action):
    """A bank in the menu: start a quiz of it (or ask what to do with the open one)."""

    bank: BankId


@action("menu")
class ShowBanks(Action):
    """The bank menu again."""


@action("rs")
class Replace(Action):
    """Abandon the open quiz ``session`` and start ``bank`` instead."""

    session: Id
    bank: BankId


@action("c")
class Continue(Action):
    """Show the current question of the open quiz again."""

    session: Id


@action("n")
class Next(Action):
    """The next question, pressed on the message that showed the answer."""

    session: Id


@action("r")
class Result(Action):
    session: Id


@action("m")
class Mistakes(Action):
    session: Id


@action("x")
class RetryMissed(Action):
    session: Id


@action("a")
class Answer(Action):
    """One option of a single-choice or true/false question."""

    session: Id
    position: Position
    option: Option


@action("t")
class Toggle(Action):
    """A multiple-answer question: show the selection ``selected`` (a bit per option).

    The selection lives in the message, not the database: pressing the same button twice
    shows the same thing.
    """

    session: Id
    position: Position
    selected: Mask


@action("s")
class Submit(Action):
    """A multiple-answer question: answer with the selection on screen."""

    session: Id
    position: Position
    selected: Mask


@action("sc")
class SceneText(Action):
    """The scenario of question ``position`` as text: under a scene picture whose caption
    could not hold it (Telegram's 1024 characters), for people who cannot read the picture."""

    session: Id
    position: Position


# --- a person's own data ----------------------------------------------------------------------


@action("fg")
class Forget(Action):
    """The confirmation of /forget: ``confirm`` deletes everything, else nothing changes."""

    confirm: bool
    user: Id


@action("lang")
class SetLanguage(Action):
    language: Annotated[str, OneOf("zh", "en")]


@action("setl")
class ChooseLanguage(Action):
    """Settings: show the language buttons."""


@action("setn")
class ShowName(Action):
    """Settings: show (or hide) my name on leaderboards."""

    show: bool


# --- daily lessons ----------------------------------------------------------------------------


@action("lm")
class LessonMenu(Action):
    what: Annotated[str, OneOf("sub", "unsub", "now")]


@action("lq")
class LessonAnswer(Action):
    delivery: Id
    option: Option


@action("lt")
class LessonToggle(Action):
    delivery: Id
    selected: Mask


@action("lk")
class LessonSubmit(Action):
    delivery: Id
    selected: Mask


# --- group events -----------------------------------------------------------------------------


@action("ej")
class Join(Action):
    event: Id


@action("eb")
class SpeedBonus(Action):
    """Turn the lobby's speed bonus on or off (explicitly: a repeated press changes nothing)."""

    event: Id
    on: bool


# --- campaigns --------------------------------------------------------------------------------

CampaignId = Annotated[str, Slug()]


@action("ca")
class StartAttempt(Action):
    """Start an attempt of the campaign (or show the running one's current question)."""

    campaign: CampaignId


@action("u")
class ChangeUnit(Action):
    """The confirmation of the one change of unit a person may make.

    ``target`` is ``<campaign>-U-<unit>``, the deep link's payload without its ``C-``: the two
    ids fit in it exactly as they fit in the link (two fields of 40 would not fit 64 bytes).
    """

    target: Annotated[str, Slug(62)]

    @classmethod
    def to(cls, campaign_id: str, unit_id: str) -> ChangeUnit:
        return cls(join_payload(campaign_id, unit_id).removeprefix(PAYLOAD_PREFIX))

    @property
    def ids(self) -> tuple[str, str] | None:
        """(campaign id, unit id), or None when ``target`` is not one."""
        return parse_payload(PAYLOAD_PREFIX + self.target)


@action("cs")
class ShowCampaign(Action):
    """The campaign as ``/campaign`` shows it (also "keep my unit" on a change offer)."""

    campaign: CampaignId


@action("cb")
class CampaignBoard(Action):
    """The per-unit board."""

    campaign: CampaignId


@action("cc")
class GetCertificate(Action):
    """The certificate picture; ``named``: with the person's name (they chose to show it)."""

    campaign: CampaignId
    named: bool


# --- scam checker and /sos --------------------------------------------------------------------


@action("ckl")
class ShowLesson(Action):
    """The lesson a checker reply links (its strongest warning sign's)."""

    lesson: Annotated[str, Slug()]


@action("sos")
class ShowSos(Action):
    """The steps for "I think I've been scammed", in order."""


# --- reports of a problem (纠错) ----------------------------------------------------------------

AnswerOrigin = Annotated[str, OneOf(*(origin.value for origin in Origin))]
ReasonCode = Annotated[str, OneOf(*(reason.value for reason in Reason))]


@action("fb")
class ReportProblem(Action):
    """纠错 under an answered question: ask for a reason.

    The answer is named by its keys (``bot.domain.insight.AnswerRef``): the quiz session, group
    event or lesson delivery, and the question's position in it (0 for a lesson's check).
    """

    origin: AnswerOrigin
    ref: Id
    position: Position

    @property
    def answer(self) -> AnswerRef:
        return AnswerRef(Origin(self.origin), self.ref, self.position)

    @classmethod
    def of(cls, answer: AnswerRef) -> ReportProblem:
        return cls(answer.origin.value, answer.ref, answer.position)


@action("fr")
class ReportReason(Action):
    """One reason for the report of that answer's question: stores the report."""

    origin: AnswerOrigin
    ref: Id
    position: Position
    reason: ReasonCode

    @property
    def answer(self) -> AnswerRef:
        return AnswerRef(Origin(self.origin), self.ref, self.position)


@action("fs")
class SkipNote(Action):
    """No line of text for the report of ``question`` (made for ``reason``, which the message
    keeps showing): the reply prompt is closed."""

    question: Annotated[str, Slug()]
    reason: ReasonCode


# --- polish (issue 18): set-up by buttons, time zones, a group's language, the menu -----------


@action("ewb")
class SetupBank(Action):
    """``/event_new`` set-up, step 1: the bank (only on the set-up's own message, by its host)."""

    bank: BankId


@action("ewq")
class SetupQuestions(Action):
    """Step 2: how many questions (one of the counts the message offers)."""

    questions: Annotated[int, Max(MAX_QUESTIONS)]


@action("ews")
class SetupSeconds(Action):
    """Step 3: seconds per question; the message becomes the lobby."""

    seconds: Annotated[int, Max(MAX_SECONDS)]


@action("ewx")
class SetupCancel(Action):
    """Cancel the set-up: nothing is opened."""


@action("tz")
class SetZone(Action):
    """A time zone by its place (``bot.domain.zones``): private, or a group's by its managers."""

    zone: Annotated[str, OneOf(*ZONE_KEYS)]


@action("glan")
class SetGroupLanguage(Action):
    """The language a group's events and lessons speak (its admins, volunteers, operators)."""

    language: Annotated[str, OneOf("zh", "en")]


MENU_ITEMS = ("stats", "board", "lessons", "zone", "settings", "data", "forget", "campaign")


@action("mn")
class Open(Action):
    """The menu of a citizen's features, by button: each opens what its command shows."""

    what: Annotated[str, OneOf("menu", *MENU_ITEMS)]
