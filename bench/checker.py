"""Scam checker: 10,000 messages checked (normalisation included) against baselines.

The messages are the labelled corpus (tests/checker/corpus) resampled with a fixed seed; 1% of
them are 4,096 characters long (corpus messages joined and cut at Telegram's limit). Baselines
run in the same process on the same messages: ``str.lower()`` plus one ``in`` test, and NFKC
alone. Also reported: the worst message we could build (every pattern's words over and over)
and the held-out flag rates. Run: python -m bench.checker
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable, Sequence

import yaml

from bench.common import ROOT, Row, print_table
from bot.content.loader import load_content
from bot.content.signals import load_signals
from bot.domain.checker import Checker
from bot.domain.normalise import MAX_CHARS

CORPUS = ROOT / "tests" / "checker" / "corpus"
MESSAGES = 10_000
LONG_SHARE = 0.01


def load_checker() -> Checker:
    catalog = load_content([ROOT / "quizzes", ROOT / "content" / "lessons"]).catalog
    result = load_signals(
        [ROOT / "content" / "signals"],
        lessons={lesson.id for lesson in catalog.lessons},
        banks=set(catalog.banks),
    )
    assert result.checker is not None, result.problems
    return result.checker


def corpus() -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for name in ("scams.yaml", "genuine.yaml"):
        items += yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))["messages"]
    return items


def messages(texts: Sequence[str], seed: int = 315) -> list[str]:
    rng = random.Random(seed)
    long_count = int(MESSAGES * LONG_SHARE)
    out = [rng.choice(texts) for _ in range(MESSAGES - long_count)]
    for _ in range(long_count):
        parts: list[str] = []
        while sum(map(len, parts)) < MAX_CHARS:
            parts.append(rng.choice(texts))
        out.append("\n".join(parts)[:MAX_CHARS])
    rng.shuffle(out)
    return out


def timed(function: Callable[[str], object], texts: Sequence[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)
    return time.perf_counter() - start


def held_out_rates(checker: Checker, items: list[dict[str, str]]) -> tuple[float, float, int, int]:
    import hashlib

    held = [m for m in items if hashlib.sha256(m["id"].encode()).digest()[0] % 2]
    scams = [m for m in held if m["label"] == "scam"]
    genuine = [m for m in held if m["label"] == "genuine"]
    caught = sum(checker.check(m["text"]).risk.flagged for m in scams)
    alarms = sum(checker.check(m["text"]).risk.flagged for m in genuine)
    return caught / len(scams), alarms / len(genuine), len(scams), len(genuine)


def worst_message(checker: Checker) -> str:
    """Every phrase-like pattern's literal words, repeated up to the length limit."""
    words = [
        "".join(c for c in p.regex if c.isalnum() or c == " ")
        for s in checker.signals
        for p in (*s.patterns, *s.context, *s.counters)
    ]
    text = "请勿 ".join(w for w in words if w)
    return (text * (MAX_CHARS // max(1, len(text)) + 1))[:MAX_CHARS]


def measure() -> list[Row]:
    items = corpus()
    texts = [m["text"] for m in items]
    batch = messages(texts)
    start = time.perf_counter()
    checker = load_checker()
    load_time = time.perf_counter() - start
    timed(checker.check, batch[:200])  # warm the fold table and RE2's DFA caches
    checked = timed(checker.check, batch)
    lower = timed(lambda t: "安全账户" in t.lower(), batch)
    nfkc = timed(lambda t: unicodedata.normalize("NFKC", t), batch)
    worst = worst_message(checker)
    worst_time = timed(checker.check, [worst] * 100) / 100
    flag_rate, false_alarms, scams, genuine = held_out_rates(checker, items)
    characters = sum(map(len, batch))
    return [
        Row(
            "checker",
            f"load {len(checker.signals)} signals (RE2 sets, OpenCC)",
            f"{load_time:.2f} s",
        ),
        Row(
            "checker",
            f"check {MESSAGES:,} messages ({characters / 1e6:.1f} M chars, 1% at 4,096)",
            f"{checked:.2f} s",
            "< 2 s",
        ),
        Row(
            "checker",
            "baseline: str.lower() + one `in`",
            f"{lower:.3f} s ({checked / lower:.0f}x)",
        ),
        Row("checker", "baseline: NFKC alone", f"{nfkc:.3f} s ({checked / nfkc:.0f}x)"),
        Row(
            "checker",
            "worst 4,096-char message (every pattern, repeated)",
            f"{worst_time * 1000:.1f} ms",
        ),
        Row("checker", f"held-out scams flagged ({scams})", f"{flag_rate:.1%}", ">= 90%"),
        Row(
            "checker",
            f"held-out genuine false alarms ({genuine})",
            f"{false_alarms:.1%}",
            "<= 10%",
        ),
    ]


def main() -> None:
    print_table(measure())


if __name__ == "__main__":
    main()
