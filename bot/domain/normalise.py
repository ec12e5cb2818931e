"""Text folded for matching, with a map back to the words as the person wrote them.

Scam texts dodge filters with full-width letters (ＶＩＰ), traditional characters (安全帳戶),
upper case, and spaces, symbols or invisible characters between the characters (安 全 账 户,
安-全-账-户, 验\u200b证\u200b码). Two views of a message are matched:

- ``text``: the message with every character folded on its own — NFKC (full-width and
  half-width forms), case folding, traditional to simplified Chinese, a few variant characters
  (帐 → 账) — and invisible or control characters turned into spaces. It has exactly the
  length of the original, so index ``i`` of ``text`` is index ``i`` of the original.
- ``compact``: ``text`` without what sits between characters: a run of spaces, punctuation and
  symbols is dropped, except that a clause break (，。！？；：、 or a line break) becomes one
  ``"\\n"`` and a run between two ASCII letters or digits becomes one space (so English words
  stay words). A sorted table of segments maps every index of ``compact`` back to ``text``.

The traditional-to-simplified converter is a parameter (OpenCC in production, see
``bot.content.signals``) so that this module stays pure and tests can pass their own.
Everything here is linear in the length of the message, which is capped at ``MAX_CHARS``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

# Telegram messages are at most 4096 characters; anything longer is cut before any work.
MAX_CHARS = 4096

# Simplified variants that OpenCC keeps apart but people (and scammers) use for the same word.
VARIANTS = str.maketrans({"帐": "账"})
# A run of these between two characters marks a clause break: phrases never span one.
CLAUSE_BREAKS = frozenset("\n\r,.!?;:。、")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cs", "Cn"})
# Anything that is not a letter, digit or CJK character, i.e. what may sit between characters.
_GAP = re.compile(r"[\W_]+")


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that folds each code point once, on first sight.

    Every value is exactly one character, so folding never changes the length. The table
    grows with the distinct characters seen (bounded by Unicode), not with the text.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _fold_char(char)
        self[code] = folded
        return folded


def _fold_char(char: str) -> str:
    if char == "\n":
        return "\n"
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return " "
    folded = unicodedata.normalize("NFKC", char).casefold()
    if len(folded) == 1:
        return folded
    if not folded.strip():
        return " "
    # A character that expands (㈱ → (株), ß → ss) is kept as it is: matching loses nothing
    # that matters here, and the length stays equal to the original's.
    return char


@dataclass(frozen=True, slots=True)
class Normalised:
    """One message, folded for matching; see the module docstring."""

    original: str
    text: str
    compact: str
    truncated: bool
    # compact[_compact_starts[k]:...] comes from text[_text_starts[k]:...], one to one,
    # up to the next segment.
    _compact_starts: tuple[int, ...]
    _text_starts: tuple[int, ...]

    def text_index(self, compact_index: int) -> int:
        """The index in ``text`` (and in the original) of a character of ``compact``."""
        k = bisect_right(self._compact_starts, compact_index) - 1
        if k < 0:
            return 0
        return self._text_starts[k] + compact_index - self._compact_starts[k]

    def span_in_text(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original that ``compact[start:end]`` was made from."""
        if end <= start:
            index = self.text_index(start)
            return index, index
        return self.text_index(start), self.text_index(end - 1) + 1


class Normaliser:
    """Folds messages; one instance is shared (its table caches folded characters)."""

    def __init__(self, to_simplified: Callable[[str], str] | None = None) -> None:
        self._to_simplified = to_simplified
        self._table = _FoldTable()

    def fold(self, text: str) -> str:
        """``text`` folded character by character (same length; see the module docstring)."""
        folded = text.translate(self._table)
        if self._to_simplified is not None:
            converted = self._to_simplified(folded)
            if len(converted) != len(folded):
                # A phrase conversion changed the length: convert character by character
                # so the map back to the original stays exact.
                converted = "".join(self._simplify_char(char) for char in folded)
            folded = converted
        return folded.translate(VARIANTS)

    def _simplify_char(self, char: str) -> str:
        assert self._to_simplified is not None
        converted = self._to_simplified(char)
        return converted if len(converted) == 1 else char

    def normalise(self, text: str) -> Normalised:
        truncated = len(text) > MAX_CHARS
        original = text[:MAX_CHARS] if truncated else text
        folded = self.fold(original)
        compact, compact_starts, text_starts = _compact(folded)
        return Normalised(
            original=original,
            text=folded,
            compact=compact,
            truncated=truncated,
            _compact_starts=compact_starts,
            _text_starts=text_starts,
        )

    def phrase(self, phrase: str) -> str:
        """A phrase as it appears in ``compact`` (how editors' phrases are matched)."""
        return _compact(self.fold(phrase))[0].strip()


def _compact(folded: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    pieces: list[str] = []
    compact_starts: list[int] = [0]
    text_starts: list[int] = [0]
    length = 0  # of the compact text so far
    previous_end = 0  # end of the last gap in ``folded``
    for gap in _GAP.finditer(folded):
        start, end = gap.span()
        pieces.append(folded[previous_end:start])
        length += start - previous_end
        replacement = _gap_replacement(folded, start, end)
        if replacement:
            compact_starts.append(length)
            text_starts.append(start)
            pieces.append(replacement)
            length += 1
        compact_starts.append(length)
        text_starts.append(end)
        previous_end = end
    pieces.append(folded[previous_end:])
    return "".join(pieces), tuple(compact_starts), tuple(text_starts)


def _gap_replacement(folded: str, start: int, end: int) -> str:
    before = folded[start - 1] if start > 0 else ""
    after = folded[end] if end < len(folded) else ""
    run = folded[start:end]
    if before.isdigit() and after.isdigit() and run in {",", "."}:
        return ""  # 5,000 and 3.5 are one number, not a clause break
    if any(char in CLAUSE_BREAKS for char in run):
        return "\n"
    if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
        return " "
    return ""
