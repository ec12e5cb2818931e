"""The "is this a scam?" checker: warning signs found in a message, and a verdict.

Signals are content (``content/signals/*.yaml``, loaded by ``bot.content.signals``); this module
matches them. Every pattern is compiled with RE2 (``google-re2``), whose matching time is linear
in the text, and all patterns of one view are matched together in one pass (an ``RE2::Set``);
only the patterns that matched are run again to find where, for the quote.

A signal fires when one of its ``patterns`` matches and is not negated (请勿泄露验证码 is not a
request for a code) and, if it has ``context`` patterns, one of those matches too, not negated
either (验证码 … 切勿告知他人 asks for nothing). A matching
``counter`` pattern (a genuine look-alike) lowers its weight, by default to nothing. The risk
is the sum of the weights of the signals that fired: ``HIGH_AT`` or more is high, ``MEDIUM_AT``
or more medium, anything above zero low.

Privacy: nothing here logs, stores or keeps the text of a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import re2

from bot.domain.content import Text
from bot.domain.normalise import Normalised, Normaliser

HIGH_AT = 6
MEDIUM_AT = 3
# A quote longer than this is cut (with …): the reply has to fit one phone screen.
MAX_QUOTE = 60
# At most this many places are examined per matching pattern when looking for one that is not
# negated, so a message that repeats a phrase 2,000 times costs no more than one that has it 50.
MAX_MATCHES_PER_PATTERN = 50
# Counted repetitions above this make RE2's programs (and the combined set) large.
MAX_REPEAT = 100


class Target(StrEnum):
    """Which view of the message a pattern is matched against (see ``bot.domain.normalise``)."""

    COMPACT = "compact"
    TEXT = "text"


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    @property
    def flagged(self) -> bool:
        """High or medium: the checker warns the person."""
        return self in (Risk.HIGH, Risk.MEDIUM)


def risk_of(score: int) -> Risk:
    if score >= HIGH_AT:
        return Risk.HIGH
    if score >= MEDIUM_AT:
        return Risk.MEDIUM
    if score > 0:
        return Risk.LOW
    return Risk.NONE


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern: RE2 syntax, matched against one view of the folded message."""

    regex: str
    target: Target = Target.COMPACT


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of fraud (刷单返利, 冒充公检法 …), or of situation (money already gone)."""

    id: str
    name: Text
    money_gone: bool = False


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    kind: str
    weight: int
    patterns: tuple[Pattern, ...]
    explanation: Text
    context: tuple[Pattern, ...] = ()
    counters: tuple[Pattern, ...] = ()
    counter_weight: int | None = None  # None: a counter cancels the signal
    negatable: bool = True
    lesson: str | None = None
    bank: str | None = None

    @property
    def countered_weight(self) -> int:
        if self.counter_weight is None:
            return 0
        return max(0, self.weight - self.counter_weight)


@dataclass(frozen=True, slots=True)
class Negation:
    """Words around a match, in the same clause, that show it is advice or a name, not a move.

    ``cues`` come shortly before (请勿泄露验证码, 公安机关不会要求转入安全账户); ``after``
    right after (刷单诈骗, 以理赔为名, 安全账户是骗局). All are in compact form (see
    ``Normaliser.phrase``); windows count characters, an English word counting as one.
    """

    cues: tuple[str, ...] = ()
    window: int = 8
    after: tuple[str, ...] = ()
    after_window: int = 4


@dataclass(frozen=True, slots=True)
class Finding:
    """A signal that fired, with the words that triggered it as the person wrote them."""

    signal: str
    kind: Kind
    weight: int
    quote: str
    span: tuple[int, int]  # in the original message
    explanation: Text
    lesson: str | None
    bank: str | None

    @property
    def safe_quote(self) -> str:
        """The quote with links and domains made harmless, for showing in a reply."""
        return defang(self.quote)


@dataclass(frozen=True, slots=True)
class Verdict:
    risk: Risk
    score: int
    findings: tuple[Finding, ...]
    money_gone: bool
    truncated: bool = False  # the message was longer than MAX_CHARS: only the start was read

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds found, strongest first, each once."""
        seen: dict[str, Kind] = {}
        for finding in self.findings:
            seen.setdefault(finding.kind.id, finding.kind)
        return tuple(seen.values())

    @property
    def lesson(self) -> str | None:
        """The lesson of the strongest finding that links one."""
        return next((f.lesson for f in self.findings if f.lesson), None)

    @property
    def bank(self) -> str | None:
        """The question bank of the strongest finding that links one."""
        return next((f.bank for f in self.findings if f.bank), None)

    @property
    def signal_ids(self) -> tuple[str, ...]:
        """What may be counted for editors: which signals fired (never the text)."""
        return tuple(f.signal for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "risk": self.risk.value,
            "signals": [
                {"id": f.signal, "kind": f.kind.id, "match": f.quote} for f in self.findings
            ],
        }


# --- pattern checks ---------------------------------------------------------------------------


def re2_options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would print refused patterns to stderr
    options.max_mem = 64 << 20  # the combined set of all patterns, with room to spare
    return options


def phrase_regex(phrase: str) -> str:
    """A literal phrase (already in compact form) as a regex; English words match whole."""
    regex = re.escape(phrase)
    if phrase[:1].isascii() and phrase[:1].isalnum():
        regex = r"\b" + regex
    if phrase[-1:].isascii() and phrase[-1:].isalnum():
        regex += r"\b"
    return regex


def pattern_problem(regex: str) -> str | None:
    """Why ``regex`` is refused, or None: RE2 must accept it, and its shape must not be one
    that backtracks catastrophically in other engines (editors copy patterns around)."""
    if not regex:
        return "the pattern is empty"
    try:
        compiled = re2.compile(regex, re2_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return f"RE2 cannot compile the regular expression: {reason}"
    if compiled.search("") is not None:
        return "the regular expression matches an empty text, so it would match every message"
    return _shape_problem(regex)


def _shape_problem(regex: str) -> str | None:
    """Nested quantifiers, repeated alternations and huge counted repetitions.

    A small scanner rather than a parser, so that RE2-only syntax (\\p{Han}) is understood too.
    """
    # One frame per open group: (has a repeat inside, has a top-level '|').
    stack: list[list[bool]] = [[False, False]]
    i, n = 0, len(regex)
    while i < n:
        char = regex[i]
        if char == "\\":
            i = _skip_escape(regex, i)
            continue
        if char == "[":
            i = _skip_class(regex, i)
            continue
        if char == "(":
            stack.append([False, False])
            i += 1
            if i < n and regex[i] == "?":  # (?:, (?P<name>, (?i) are not quantifiers
                i += 1
            continue
        if char == "|":
            stack[-1][1] = True
            i += 1
            continue
        if char == ")":
            if len(stack) == 1:
                return None  # unbalanced: RE2 already refused it
            has_repeat, has_alternation = stack.pop()
            i += 1
            limit, i = _quantifier(regex, i)
            if limit is not None and limit > 1:
                if has_repeat:
                    return (
                        "nested quantifiers (a repeated group that contains a repeat) "
                        "backtrack catastrophically in other engines: write it without "
                        "the outer repeat"
                    )
                if has_alternation:
                    return (
                        "a repeated group of alternatives can backtrack catastrophically "
                        "in other engines: repeat a character class, or list the phrases"
                    )
            stack[-1][0] = stack[-1][0] or has_repeat or (limit is not None and limit > 1)
            continue
        limit, after = _quantifier(regex, i)
        if limit is not None:
            if limit > MAX_REPEAT and limit != _UNBOUNDED:
                return f"a counted repetition above {{{MAX_REPEAT}}}: keep patterns small"
            if limit > 1:
                stack[-1][0] = True
            i = after
            continue
        i += 1
    return None


_UNBOUNDED = 1 << 30
_COUNTED = re.compile(r"\{(\d+)(,(\d*))?\}")


def _quantifier(regex: str, i: int) -> tuple[int | None, int]:
    """(maximum repeat count, index after it) of a quantifier at ``i``, or (None, i)."""
    if i >= len(regex):
        return None, i
    char = regex[i]
    if char in "*+?":
        limit = 1 if char == "?" else _UNBOUNDED
        i += 1
    elif char == "{":
        match = _COUNTED.match(regex, i)
        if match is None:
            return None, i
        low, comma, high = match.groups()
        limit = int(low) if comma is None else (int(high) if high else _UNBOUNDED)
        i = match.end()
    else:
        return None, i
    if i < len(regex) and regex[i] in "?+":  # lazy or possessive
        i += 1
    return limit, i


def _skip_escape(regex: str, i: int) -> int:
    i += 2
    if regex[i - 1 : i] in ("p", "P") and regex[i : i + 1] == "{":
        end = regex.find("}", i)
        return len(regex) if end == -1 else end + 1
    return i


def _skip_class(regex: str, i: int) -> int:
    i += 1
    if regex[i : i + 1] == "^":
        i += 1
    if regex[i : i + 1] == "]":
        i += 1
    while i < len(regex):
        if regex[i] == "\\":
            i += 2
        elif regex.startswith("[:", i):
            end = regex.find(":]", i + 2)
            i = len(regex) if end == -1 else end + 2
        elif regex[i] == "]":
            return i + 1
        else:
            i += 1
    return i


# --- matching ---------------------------------------------------------------------------------

_PRIMARY, _CONTEXT, _COUNTER = 0, 1, 2


@dataclass
class _View:
    """The patterns of one view, as one RE2 set plus each pattern compiled on its own."""

    set: Any = None
    compiled: list[Any] = field(default_factory=list)
    owners: list[tuple[int, int]] = field(default_factory=list)  # (signal index, role)


class Checker:
    """Checks messages against a set of signals. Build once per content load; thread-safe.

    Raises ``ValueError`` for a pattern RE2 refuses: the content loader checks every pattern
    with ``pattern_problem`` first and reports it with its file, line and column.
    """

    def __init__(
        self,
        signals: Sequence[Signal],
        kinds: Sequence[Kind],
        normaliser: Normaliser,
        negation: Negation | None = None,
    ) -> None:
        self.signals = tuple(signals)
        self.kinds = {kind.id: kind for kind in kinds}
        self.normaliser = normaliser
        self.negation = negation or Negation()
        self._cues = _cue_regex(self.negation.cues)
        self._after = _cue_regex(self.negation.after, within=self.negation.after_window)
        options = re2_options()
        self._views = {target: _View() for target in Target}
        for view in self._views.values():
            view.set = re2.Set.SearchSet(options)
        for index, signal in enumerate(self.signals):
            if signal.kind not in self.kinds:
                raise ValueError(f"signal '{signal.id}' has an unknown kind '{signal.kind}'")
            for role, patterns in (
                (_PRIMARY, signal.patterns),
                (_CONTEXT, signal.context),
                (_COUNTER, signal.counters),
            ):
                for pattern in patterns:
                    view = self._views[pattern.target]
                    try:
                        view.set.Add(pattern.regex)
                        view.compiled.append(re2.compile(pattern.regex, options))
                    except re2.error as exc:
                        raise ValueError(f"signal '{signal.id}': {exc}") from None
                    view.owners.append((index, role))
        for view in self._views.values():
            if view.owners:
                view.set.Compile()

    def check(self, message: str) -> Verdict:
        """The verdict on one message (cut at ``MAX_CHARS``). Cost: linear in its length."""
        normalised = self.normaliser.normalise(message)
        # RE2 works on UTF-8: encode each view once, not once per pattern.
        subjects = {
            Target.COMPACT: normalised.compact.encode("utf-8"),
            Target.TEXT: normalised.text.encode("utf-8"),
        }
        # signal index -> [primary pattern refs, context pattern refs, counter matched]
        state: dict[int, list[Any]] = {}
        for target, view in self._views.items():
            if not view.owners:
                continue
            for slot in view.set.Match(subjects[target]) or ():
                index, role = view.owners[slot]
                entry = state.setdefault(index, [[], [], False])
                if role == _COUNTER:
                    entry[2] = True
                else:
                    entry[role].append((target, slot))
        findings: list[Finding] = []
        for index in sorted(state):
            primaries, context, countered = state[index]
            signal = self.signals[index]
            if not primaries:
                continue
            if signal.context and not self._first_span(signal, context, normalised, subjects):
                continue
            weight = signal.countered_weight if countered else signal.weight
            if weight <= 0:
                continue
            span = self._first_span(signal, primaries, normalised, subjects, where=True)
            if span is None:
                continue
            findings.append(
                Finding(
                    signal=signal.id,
                    kind=self.kinds[signal.kind],
                    weight=weight,
                    quote=_quote(normalised.original, span),
                    span=span,
                    explanation=signal.explanation,
                    lesson=signal.lesson,
                    bank=signal.bank,
                )
            )
        findings.sort(key=lambda f: -f.weight)  # stable: equal weights keep content order
        score = sum(f.weight for f in findings)
        return Verdict(
            risk=risk_of(score),
            score=score,
            findings=tuple(findings),
            money_gone=any(f.kind.money_gone for f in findings),
            truncated=normalised.truncated,
        )

    def _first_span(
        self,
        signal: Signal,
        refs: list[tuple[Target, int]],
        normalised: Normalised,
        subjects: dict[Target, bytes],
        *,
        where: bool = False,
    ) -> tuple[int, int] | None:
        """Where the first match that is not negated lies in the original, or None.

        Without ``where`` only whether there is one: (0, 0), and no map back is built."""
        for target, slot in sorted(refs, key=lambda ref: ref[1]):
            compiled = self._views[target].compiled[slot]
            subject = subjects[target]
            if target is Target.TEXT:
                match = compiled.search(subject)
                if match is None:
                    continue
                if not where:
                    return (0, 0)
                start, end = match.span()
                return _chars(subject, start), _chars(subject, end)
            for count, match in enumerate(compiled.finditer(subject)):
                if count >= MAX_MATCHES_PER_PATTERN:
                    break
                start = _chars(subject, match.start())
                end = start + len(subject[match.start() : match.end()].decode("utf-8"))
                if signal.negatable and self._negated(normalised.compact, start, end):
                    continue
                return normalised.span_in_text(start, end) if where else (0, 0)
        return None

    def _negated(self, compact: str, start: int, end: int) -> bool:
        if self._cues is not None:
            before = clause_before(compact, start, self.negation.window)
            if self._cues.search(before) is not None:
                return True
        if self._after is not None:
            after = clause_after(compact, end, self.negation.after_window + 6)
            if self._after.match(after) is not None:
                return True
        return False


def _chars(encoded: bytes, offset: int) -> int:
    """A UTF-8 byte offset as a character index."""
    return len(encoded[:offset].decode("utf-8"))


def _cue_regex(cues: Sequence[str], *, within: int | None = None) -> re.Pattern[str] | None:
    """One pattern for all cues (literals only, and run on a few characters, so Python's
    engine cannot backtrack badly); English cues are whole words: "not" is not in "notice".
    With ``within``: a cue that starts at most that many characters into the text."""
    if not cues:
        return None
    parts = []
    for cue in sorted(cues, key=len, reverse=True):
        part = re.escape(cue)
        if cue[:1].isascii() and cue[:1].isalnum():
            part = "(?<![a-z0-9])" + part
        if cue[-1:].isascii() and cue[-1:].isalnum():
            part += "(?![a-z0-9])"
        parts.append(part)
    joined = "|".join(parts)
    if within is None:
        return re.compile(joined)
    return re.compile(f"[^\\n]{{0,{within}}}?(?:{joined})")  # starting within the window


def clause_after(compact: str, end: int, window: int) -> str:
    """Up to ``window`` characters (an English word counts one) after ``end``, not crossing
    a clause break; leading spaces dropped."""
    i = end
    tokens = 0
    size = len(compact)
    while i < size and tokens < window:
        char = compact[i]
        if char == "\n":
            break
        i += 1
        if char.isascii() and char.isalnum():
            while i < size and compact[i].isascii() and compact[i].isalnum():
                i += 1
            tokens += 1
        elif char != " ":
            tokens += 1
    return compact[end:i].lstrip(" ")


def clause_before(compact: str, start: int, window: int) -> str:
    """Up to ``window`` characters (an English word counts one) before ``start``, not
    crossing a clause break."""
    i = start
    tokens = 0
    while i > 0 and tokens < window:
        char = compact[i - 1]
        if char == "\n":
            break
        i -= 1
        if char.isascii() and char.isalnum():
            while i > 0 and compact[i - 1].isascii() and compact[i - 1].isalnum():
                i -= 1
            tokens += 1
        elif char != " ":
            tokens += 1
    return compact[i:start]


_QUOTE_TRIM = " \t\r\n，。！？；：、,.!?;:"


def _quote(original: str, span: tuple[int, int]) -> str:
    start, end = span
    quote = original[start:end].strip(_QUOTE_TRIM)
    if len(quote) > MAX_QUOTE:
        quote = quote[: MAX_QUOTE - 1] + "…"
    return quote


# --- defanging --------------------------------------------------------------------------------

_LINK = re2.compile(
    r"(?i)(h[tx]{2}ps?)(://)(\S+)"
    r"|((?:[a-z0-9-]+\.)+[a-z]{2,24}|\d{1,3}(?:\.\d{1,3}){3})((?:[:/][^\s]*)?)",
    re2_options(),
)


def defang(text: str) -> str:
    """Links and domains made harmless for quoting: ``hxxps://example[.]com/x``.

    Telegram turns ``example.com`` and ``http://…`` into live links even in plain text; with
    the dots in brackets and the scheme spelled hxxp they stay words. Phone numbers are left
    as they are (the reply shows quotes as code, which Telegram never links).
    """
    return _LINK.sub(_defang_match, text)


def _defang_match(match: Any) -> str:
    scheme, separator, rest, host, tail = match.groups()
    if scheme is not None:
        host_part, slash, path = rest.partition("/")
        return (
            "hxxp"
            + scheme[4:]
            + separator
            + host_part.replace(".", "[.]")
            + slash
            + path.replace(".", "[.]")
        )
    return host.replace(".", "[.]") + (tail or "").replace(".", "[.]")
