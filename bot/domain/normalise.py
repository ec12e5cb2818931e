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
from collections.abc import Callable, Iterator

# Telegram messages are at most 4096 characters; anything longer is cut before any work.
MAX_CHARS = 4096

# Simplified variants that OpenCC keeps apart but people (and scammers) use for the same word.
VARIANTS = str.maketrans({"帐": "账"})
_VARIANT_CHARS = tuple(chr(code) for code in VARIANTS)
# ASCII control characters other than the line feed read as spaces, like the fold table's.
_ASCII_CONTROLS = str.maketrans({code: " " for code in (*range(10), *range(11, 32), 127)})
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


class Normalised:
    """One message, folded for matching; see the module docstring. Treat as read-only.

    The map from ``compact`` back to ``text`` is built on first use: most messages have no
    finding to quote, and they never pay for it.
    """

    __slots__ = (
        "_compact_starts",
        "_gaps",
        "_removed",
        "_runs",
        "_text_starts",
        "compact",
        "original",
        "text",
        "truncated",
    )

    def __init__(self, original: str, text: str, gaps: str, compact: str, truncated: bool) -> None:
        self.original = original
        self.text = text
        self.compact = compact
        self.truncated = truncated
        self._gaps = gaps
        self._runs: Iterator[re.Match[str]] | None = None
        self._compact_starts = [0]
        self._text_starts = [0]
        self._removed = 0  # characters of the gap view dropped before the last segment

    def text_index(self, compact_index: int) -> int:
        """The index in ``text`` (and in the original) of a character of ``compact``."""
        self._extend_to(compact_index)
        compact_starts, text_starts = self._compact_starts, self._text_starts
        k = bisect_right(compact_starts, compact_index) - 1
        if k < 0:
            return 0
        return text_starts[k] + compact_index - compact_starts[k]

    def span_in_text(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original that ``compact[start:end]`` was made from."""
        if end <= start:
            index = self.text_index(start)
            return index, index
        return self.text_index(start), self.text_index(end - 1) + 1

    def _extend_to(self, compact_index: int) -> None:
        """Read gap runs until the segment table covers ``compact_index``.

        compact[c[k]:] comes from text[t[k]:], one to one up to the next segment. Quotes are
        usually near the start, so most of a long message is never walked.
        """
        if self._runs is None:
            self._runs = _RUN.finditer(self._gaps)
        gaps = self._gaps
        size = len(gaps)
        runs = self._runs
        compact_starts, text_starts = self._compact_starts, self._text_starts
        removed = self._removed
        while compact_starts[-1] <= compact_index:
            run = next(runs, None)
            if run is None:
                break
            start, end = run.span()
            if gaps.find("\n", start, end) != -1 or (
                gaps[start] == " "
                and start > 0
                and end < size
                and gaps.find("\x01", start, end) == -1
                and gaps[start - 1] in _ASCII_WORD
                and gaps[end] in _ASCII_WORD
            ):
                kept = 1
            else:
                kept = 0
            if kept:
                compact_starts.append(start - removed)
                text_starts.append(start)
            removed += end - start - kept
            compact_starts.append(end - removed)
            text_starts.append(end)
        self._removed = removed


class Normaliser:
    """Folds messages; one instance is shared (its tables cache folded characters)."""

    def __init__(self, to_simplified: Callable[[str], str] | None = None) -> None:
        self._to_simplified = to_simplified
        self._table = _FoldTable()
        self._gap_table = _GapTable()

    def fold(self, text: str) -> str:
        """``text`` folded character by character (same length; see the module docstring)."""
        if text.isascii():  # NFKC and t2s change no ASCII character
            return text.lower().translate(_ASCII_CONTROLS)
        folded = text.translate(self._table)
        if self._to_simplified is not None:
            converted = self._to_simplified(folded)
            if len(converted) != len(folded):
                # A phrase conversion changed the length: convert character by character
                # so the map back to the original stays exact.
                converted = "".join(self._simplify_char(char) for char in folded)
            folded = converted
        if any(char in folded for char in _VARIANT_CHARS):
            folded = folded.translate(VARIANTS)
        return folded

    def _simplify_char(self, char: str) -> str:
        assert self._to_simplified is not None
        converted = self._to_simplified(char)
        return converted if len(converted) == 1 else char

    def normalise(self, text: str) -> Normalised:
        truncated = len(text) > MAX_CHARS
        original = text[:MAX_CHARS] if truncated else text
        folded = self.fold(original)
        gaps = self._gap_view(folded)
        return Normalised(original, folded, gaps, _compact(gaps), truncated)

    def phrase(self, phrase: str) -> str:
        """A phrase as it appears in ``compact`` (how editors' phrases are matched)."""
        return _compact(self._gap_view(self.fold(phrase))).strip()

    def _gap_view(self, folded: str) -> str:
        """``folded`` with each gap character as " " (or "\n" for a clause break, "\x01"
        for the separator inside a number); letters and digits unchanged. Same length."""
        return _NUMBER_SEPARATOR.sub("\x01", folded).translate(self._gap_table)


# The separator of 5,000 and 3.5: dropped, so a number stays one number.
_NUMBER_SEPARATOR = re.compile(r"(?<=[0-9])[,.](?=[0-9])")
# On the gap view. Every pattern starts only at the first character of a run (the lookbehind),
# and possessive quantifiers never give back, so each is linear in the length of the text.
_BREAK_RUN = re.compile(r"(?<![ \n])[ ]*+\n[ \n]*+")
_WORD_GAP = re.compile(r"(?<=[a-z0-9])[ ]++(?=[a-z0-9])")
_RUN = re.compile(r"[ \n\x01]+")


class _GapTable(dict[int, str]):
    """``str.translate`` table for the gap view, filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char == "\x01" or not _GAP.fullmatch(char):
            value = char
        elif char in CLAUSE_BREAKS:
            value = "\n"
        else:
            value = " "
        self[code] = value
        return value


def _compact(gaps: str) -> str:
    """A run holding a clause break becomes one "\n"; a run between two ASCII letters or
    digits becomes one space; any other run disappears. All in C, without a Python loop."""
    text = _BREAK_RUN.sub("\n", gaps)
    text = _WORD_GAP.sub("\x02", text)
    return text.replace(" ", "").replace("\x01", "").replace("\x02", " ")


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
