"""Command arguments people type: numbers as they come out of Chinese and English keyboards.

Only ASCII digits and their full-width forms (０–９, what Chinese input methods type) are
digits here. ``str.isdigit`` would also accept ², ٣ or ① — which ``int()`` then refuses or reads
as something else — so it is never used on what people type.
"""

from __future__ import annotations

import re

_FULL_WIDTH = str.maketrans("０１２３４５６７８９：", "0123456789:")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def half_width(text: str) -> str:
    """Full-width digits and colon as their ASCII forms; everything else unchanged."""
    return text.translate(_FULL_WIDTH)


def number(text: str, max_digits: int) -> int | None:
    """A non-negative whole number of at most ``max_digits`` digits, else None."""
    digits = half_width(text.strip())
    if len(digits) > max_digits or not _DIGITS.fullmatch(digits):
        return None
    return int(digits)


def looks_numeric(text: str) -> bool:
    """Digits of any script: the person meant a number, even one we refuse."""
    return bool(text) and all(ch.isdigit() or ch.isnumeric() for ch in text)
