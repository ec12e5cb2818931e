"""Load and check the checker's signals: ``content/signals/*.yaml`` (format 1).

A signals file may hold ``kinds`` (the kinds of fraud, with their names), ``negation`` (the
words that turn a warning sign into advice, once across all files) and ``signals``. Every
problem names its file, line and column, like the bank validator; a pattern RE2 refuses, or
whose shape would backtrack catastrophically in other engines, is an error at its position.
``load_signals`` never raises for bad content: it returns the problems, and a checker only
when there is no error.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.content.loader import _describe, _type_name, find_files
from bot.content.problems import Checked, Problem, Severity
from bot.content.schema import Identifier, TextModel
from bot.content.yamlnodes import Mark, YamlError, load_reference, locate
from bot.domain import limits
from bot.domain.checker import (
    Checker,
    Kind,
    Negation,
    Pattern,
    Signal,
    Target,
    pattern_problem,
    phrase_regex,
)
from bot.domain.content import Text
from bot.domain.normalise import Normaliser

MAX_FILE_BYTES = 1024 * 1024
# One line of the reply per warning sign: the explanation must stay short.
EXPLANATION_LIMIT = 160
_PATTERN_UNION = frozenset({"str", "PatternModel"})  # pydantic's names of the union's members


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PatternModel(_Model):
    """A phrase or a regular expression (RE2 syntax), written as a mapping."""

    phrase: str | None = Field(
        default=None,
        description="Words to find. Folded like the message (full-width, traditional, case) "
        "and found even with spaces or symbols between the characters.",
    )
    regex: str | None = Field(
        default=None,
        description="RE2 regular expression, matched against the folded message. '.' stays "
        "within a clause; nested quantifiers and repeated alternations are refused.",
    )
    on: Literal["compact", "text"] = Field(
        default="compact",
        description="compact (default): letters and digits only, clause breaks as line "
        "feeds; text: the folded message with its punctuation (for links).",
    )


PatternItem = Annotated[
    str | PatternModel,
    Field(description="A phrase (plain text), or a mapping with 'phrase' or 'regex'."),
]


class KindModel(_Model):
    id: Identifier
    name: TextModel = Field(description="Shown to people, e.g. 冒充公检法 / Fake police.")
    money_gone: bool = Field(
        default=False, description="true for the kind that means money has already gone."
    )


class NegationModel(_Model):
    cues: list[str] = Field(
        description="Words that turn a match into advice when they come shortly before it "
        "in the same clause (请勿, 不要, never…)."
    )
    window: Annotated[int, Field(ge=1, le=30)] = Field(
        default=8, description="How far back to look, in characters (an English word is one)."
    )
    after: list[str] = Field(
        default_factory=list,
        description="Words that, right after a match in the same clause, show it names a scam "
        "rather than proposes one (刷单诈骗, 以理赔为名, 是骗局).",
    )
    after_window: Annotated[int, Field(ge=1, le=10)] = Field(
        default=4, description="How far after a match an 'after' word may start."
    )


class SignalModel(_Model):
    id: Identifier
    kind: Identifier = Field(description="A kind declared under 'kinds:' in any signals file.")
    weight: Annotated[int, Field(ge=1, le=10)] = Field(
        description="Risk points; a message scores the sum: 6 or more is high, 3-5 medium."
    )
    patterns: list[PatternItem] = Field(description="The signal fires when any one matches.")
    context: list[PatternItem] = Field(
        default_factory=list,
        description="If given, one of these must also be in the message for the signal to fire.",
    )
    counter: list[PatternItem] = Field(
        default_factory=list,
        description="Genuine look-alike wording: when any matches, the weight drops by "
        "counter_weight (by default to nothing).",
    )
    counter_weight: Annotated[int, Field(ge=1, le=10)] | None = None
    negatable: bool = Field(
        default=True, description="false: a negation cue before the match does not cancel it."
    )
    explanation: TextModel = Field(
        description="One line for the reply: why this is a warning sign."
    )
    lesson: Identifier | None = Field(default=None, description="Id of a lesson to link.")
    bank: Identifier | None = Field(default=None, description="Id of a question bank to link.")


class SignalFileModel(_Model):
    """Signals for the scam checker: ``content/signals/*.yaml``."""

    model_config = ConfigDict(title="Checker signals file (format 1)")

    format: Literal[1] = 1
    kinds: list[KindModel] = Field(default_factory=list)
    negation: NegationModel | None = None
    signals: list[SignalModel] = Field(default_factory=list)


@dataclass
class SignalLoadResult(Checked):
    checker: Checker | None  # None when there is any error
    problems: list[Problem]
    files: int
    signals: tuple[Signal, ...] = ()
    kinds: tuple[Kind, ...] = ()


@functools.cache
def default_normaliser() -> Normaliser:
    """The production normaliser: OpenCC's t2s conversion (loaded once per process)."""
    import opencc  # the dictionary is read from the wheel on first use

    return Normaliser(opencc.OpenCC("t2s").convert)


@dataclass
class _File:
    display: str
    node: yaml.Node | None

    def mark(self, loc: Sequence[int | str], *, key: bool = False) -> Mark:
        return locate(self.node, loc, key=key)


@dataclass
class _State:
    normaliser: Normaliser
    problems: list[Problem] = field(default_factory=list)
    kinds: dict[str, tuple[Kind, _File, tuple[int | str, ...]]] = field(default_factory=dict)
    signals: dict[str, tuple[Signal, _File, tuple[int | str, ...]]] = field(default_factory=dict)
    negation: tuple[Negation, _File, tuple[int | str, ...]] | None = None
    broken_files: int = 0  # files whose structure is wrong: their kinds are unknown

    def add(
        self,
        file: _File,
        loc: Sequence[int | str],
        severity: Severity,
        message: str,
        *,
        key: bool = False,
    ) -> None:
        mark = file.mark(loc, key=key)
        self.problems.append(Problem(file.display, mark.line, mark.col, severity, message))

    def error(
        self, file: _File, loc: Sequence[int | str], message: str, *, key: bool = False
    ) -> None:
        self.add(file, loc, Severity.ERROR, message, key=key)

    def warning(
        self, file: _File, loc: Sequence[int | str], message: str, *, key: bool = False
    ) -> None:
        self.add(file, loc, Severity.WARNING, message, key=key)


def load_signals(
    paths: Iterable[Path],
    *,
    lessons: Collection[str] | None = None,
    banks: Collection[str] | None = None,
    normaliser: Normaliser | None = None,
) -> SignalLoadResult:
    """Load every YAML file under ``paths``; ``lessons``/``banks``: the ids links may use
    (None: links are not checked)."""
    files, problems = find_files(paths)
    state = _State(normaliser or default_normaliser(), problems)
    for path in files:
        _load_file(state, path)
    _check_references(state, lessons, banks)
    signals = tuple(signal for signal, _, _ in state.signals.values())
    kinds = tuple(kind for kind, _, _ in state.kinds.values())
    result = SignalLoadResult(None, sorted(state.problems), len(files), signals, kinds)
    if result.ok:
        negation = state.negation[0] if state.negation is not None else Negation()
        result.checker = Checker(signals, kinds, state.normaliser, negation)
    return result


def _load_file(state: _State, path: Path) -> None:
    display = str(path)
    file = _File(display, None)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            state.error(file, (), f"file is {size:,} bytes; the limit is 1 MiB")
            return
        raw = path.read_bytes()
    except OSError as exc:
        state.error(file, (), f"cannot read the file: {exc.strerror or exc}")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        mark = Mark(before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1)
        state.problems.append(
            Problem(
                display,
                mark.line,
                mark.col,
                Severity.ERROR,
                "the file is not UTF-8 text: save it with UTF-8 encoding",
            )
        )
        return
    try:
        file.node, data = load_reference(text)
    except YamlError as exc:
        state.problems.append(
            Problem(display, exc.mark.line, exc.mark.col, Severity.ERROR, exc.message)
        )
        return
    if not isinstance(data, dict):
        state.error(
            file, (), "expected a mapping with 'signals:' (and optionally 'kinds:', 'negation:')"
        )
        return
    try:
        parsed = SignalFileModel.model_validate(data)
    except ValidationError as exc:
        state.broken_files += 1
        reported: set[tuple[int | str, ...]] = set()
        for error in exc.errors():
            loc = tuple(error["loc"])
            if loc and loc[-1] in _PATTERN_UNION:
                # One pattern that is neither text nor a mapping: one message, not one per
                # member of the union.
                loc = loc[:-1]
                if loc in reported:
                    continue
                reported.add(loc)
                message = (
                    "a pattern must be a phrase (text) or a mapping with 'phrase' or 'regex', "
                    f"not {_type_name(error.get('input'))}"
                )
                if isinstance(error.get("input"), bool | int | float):
                    message += " (put it in quotes)"
                state.error(file, loc, message)
                continue
            state.error(
                file,
                loc,
                _describe(SignalFileModel, error),
                key=error["type"] == "extra_forbidden",
            )
        return
    _add_file(state, file, parsed)


def _add_file(state: _State, file: _File, parsed: SignalFileModel) -> None:
    for index, model in enumerate(parsed.kinds):
        loc: tuple[int | str, ...] = ("kinds", index, "id")
        _check_text(state, file, model.name, ("kinds", index, "name"), "name", limit=40)
        kind = Kind(model.id, _text(model.name), model.money_gone)
        previous = state.kinds.get(kind.id)
        if previous is not None:
            first = f"{previous[1].display}:{previous[1].mark(previous[2]).line}"
            state.error(file, loc, f"duplicate kind id '{kind.id}' (first defined at {first})")
            continue
        state.kinds[kind.id] = (kind, file, loc)
    if parsed.negation is not None:
        _add_negation(state, file, parsed.negation)
    for index, signal_model in enumerate(parsed.signals):
        signal = _signal(state, file, signal_model, ("signals", index))
        if signal is None:
            continue
        loc = ("signals", index, "id")
        previous_signal = state.signals.get(signal.id)
        if previous_signal is not None:
            where = previous_signal[1]
            first = f"{where.display}:{where.mark(previous_signal[2]).line}"
            state.error(file, loc, f"duplicate signal id '{signal.id}' (first defined at {first})")
            continue
        state.signals[signal.id] = (signal, file, loc)


def _add_negation(state: _State, file: _File, model: NegationModel) -> None:
    loc: tuple[int | str, ...] = ("negation",)
    if state.negation is not None:
        where = state.negation[1]
        first = f"{where.display}:{where.mark(state.negation[2]).line}"
        state.error(file, loc, f"'negation' is defined twice (first at {first})", key=True)
        return
    lists: dict[str, list[str]] = {"cues": [], "after": []}
    for name, words in (("cues", model.cues), ("after", model.after)):
        for index, cue in enumerate(words):
            folded = state.normaliser.phrase(cue)
            if not folded:
                state.error(file, (*loc, name, index), f"cue {cue!r} has no letters or digits")
                continue
            lists[name].append(folded)
    negation = Negation(
        tuple(lists["cues"]), model.window, tuple(lists["after"]), model.after_window
    )
    state.negation = (negation, file, loc)


def _signal(
    state: _State, file: _File, model: SignalModel, loc: tuple[int | str, ...]
) -> Signal | None:
    before = len(state.problems)
    if not model.patterns:
        state.error(file, (*loc, "patterns"), f"signal '{model.id}' has no patterns")
    patterns = _patterns(state, file, model.patterns, (*loc, "patterns"))
    context = _patterns(state, file, model.context, (*loc, "context"))
    counters = _patterns(state, file, model.counter, (*loc, "counter"))
    if model.counter_weight is not None and not model.counter:
        state.warning(
            file, (*loc, "counter_weight"), "counter_weight has no effect without 'counter'"
        )
    _check_text(
        state,
        file,
        model.explanation,
        (*loc, "explanation"),
        "explanation",
        limit=EXPLANATION_LIMIT,
    )
    if any(p.severity is Severity.ERROR for p in state.problems[before:]):
        return None
    return Signal(
        id=model.id,
        kind=model.kind,
        weight=model.weight,
        patterns=patterns,
        context=context,
        counters=counters,
        counter_weight=model.counter_weight,
        negatable=model.negatable,
        explanation=_text(model.explanation),
        lesson=model.lesson,
        bank=model.bank,
    )


def _patterns(
    state: _State, file: _File, items: Sequence[str | PatternModel], loc: tuple[int | str, ...]
) -> tuple[Pattern, ...]:
    patterns: list[Pattern] = []
    for index, item in enumerate(items):
        where = (*loc, index)
        pattern = _pattern(state, file, item, where)
        if pattern is not None:
            patterns.append(pattern)
    return tuple(patterns)


def _pattern(
    state: _State, file: _File, item: str | PatternModel, where: tuple[int | str, ...]
) -> Pattern | None:
    phrase: str | None
    regex: str | None
    if isinstance(item, str):
        phrase, regex, target = item, None, Target.COMPACT
        at: tuple[int | str, ...] = where
    else:
        if (item.phrase is None) == (item.regex is None):
            state.error(file, where, "a pattern needs exactly one of 'phrase' or 'regex'")
            return None
        phrase, regex, target = item.phrase, item.regex, Target(item.on)
        at = (*where, "phrase" if phrase is not None else "regex")
    if phrase is not None:
        folded = (
            state.normaliser.phrase(phrase)
            if target is Target.COMPACT
            else (state.normaliser.fold(phrase).strip())
        )
        if not folded:
            state.error(file, at, f"the phrase {phrase!r} has no letters or digits")
            return None
        regex = phrase_regex(folded)
    assert regex is not None
    problem = pattern_problem(regex)
    if problem is not None:
        state.error(file, at, problem)
        return None
    if phrase is None:
        changed = sorted({c for c in regex if not c.isascii() and state.normaliser.fold(c) != c})
        if changed:
            shown = ", ".join(f"'{c}' → '{state.normaliser.fold(c)}'" for c in changed)
            state.warning(
                file,
                at,
                f"the regex has characters the message never contains after folding ({shown}): "
                "write them simplified and in lower case",
            )
    return Pattern(regex, target)


def _check_references(
    state: _State, lessons: Collection[str] | None, banks: Collection[str] | None
) -> None:
    kinds = list(state.kinds)
    for signal, file, loc in state.signals.values():
        base = loc[:-1]
        if signal.kind not in state.kinds and not state.broken_files:
            state.error(
                file,
                (*base, "kind"),
                f"signal '{signal.id}' has kind '{signal.kind}', which no file declares"
                f"{_hint(signal.kind, kinds)}",
            )
        if lessons is not None and signal.lesson is not None and signal.lesson not in lessons:
            state.error(
                file,
                (*base, "lesson"),
                f"signal '{signal.id}' links lesson '{signal.lesson}', which does not exist"
                f"{_hint(signal.lesson, lessons)}",
            )
        if banks is not None and signal.bank is not None and signal.bank not in banks:
            state.error(
                file,
                (*base, "bank"),
                f"signal '{signal.id}' links bank '{signal.bank}', which does not exist"
                f"{_hint(signal.bank, banks)}",
            )


def _hint(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_text(
    state: _State,
    file: _File,
    text: TextModel,
    loc: tuple[int | str, ...],
    name: str,
    *,
    limit: int,
) -> None:
    zh = text.zh.strip()
    if not zh:
        state.error(file, (*loc, "zh"), f"{name}: the Chinese text is empty")
    en = text.en.strip() if text.en else ""
    if not en:
        state.warning(file, loc, f"{name}: no English translation", key=True)
    for lang, value in (("zh", zh), ("en", en)):
        if value and limits.tg_len(value) > limit:
            state.error(
                file,
                (*loc, lang),
                f"{name} ({lang}) is {limits.tg_len(value)} characters; the limit is {limit}",
            )


def _text(model: TextModel) -> Text:
    en = model.en.strip() if model.en else None
    return Text(zh=model.zh.strip(), en=en or None)


def signal_schema() -> dict[str, Any]:
    """The JSON Schema editors' IDEs use for ``content/signals/*.yaml``."""
    return SignalFileModel.model_json_schema()
