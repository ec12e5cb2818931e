"""Flag rates on the labelled corpus: held-out half asserted, tuning half reported.

"Flagged" means risk high or medium. A scam that is not flagged is a miss; a genuine message
that is flagged is a false alarm. Signals were tuned on the tuning half only. Run with -s to
see the numbers (they are also printed by `make bench`).
"""

from __future__ import annotations

import yaml

from bot.domain.checker import Checker
from tests.checker.conftest import CORPUS, Message, corpus


def rates(checker: Checker, messages: list[Message]) -> tuple[float, float, list[str]]:
    scams = [m for m in messages if m.label == "scam"]
    genuine = [m for m in messages if m.label == "genuine"]
    wrong: list[str] = []
    caught = 0
    for message in scams:
        if checker.check(message.text).risk.flagged:
            caught += 1
        else:
            wrong.append(f"missed {message.id}: {message.text[:40]}")
    alarms = 0
    for message in genuine:
        if checker.check(message.text).risk.flagged:
            alarms += 1
            wrong.append(f"false alarm {message.id}: {message.text[:40]}")
    return caught / len(scams), alarms / len(genuine), wrong


def test_corpus_is_large_enough_and_labelled() -> None:
    messages = corpus()
    assert sum(m.label == "scam" for m in messages) >= 60
    assert sum(m.label == "genuine" for m in messages) >= 40
    assert {m.label for m in messages} == {"scam", "genuine"}
    assert len({m.id for m in messages}) == len(messages)
    assert all(m.source.strip() and m.text.strip() for m in messages)
    held_out = [m for m in messages if m.held_out]
    assert 0.3 < len(held_out) / len(messages) < 0.7


def test_held_out_rates(checker: Checker) -> None:
    messages = corpus()
    for name, half in (
        ("tuning", [m for m in messages if not m.held_out]),
        ("held-out", [m for m in messages if m.held_out]),
    ):
        flag_rate, false_alarms, wrong = rates(checker, half)
        scams = sum(m.label == "scam" for m in half)
        print(
            f"\n{name}: {scams} scams flagged {flag_rate:.1%}, "
            f"{len(half) - scams} genuine false alarms {false_alarms:.1%}"
        )
        for line in wrong:
            print(f"  {line}")
        if name == "held-out":
            assert flag_rate >= 0.9, wrong
            assert false_alarms <= 0.10, wrong


def test_probe_messages_stay_caught(checker: Checker) -> None:
    """Regression over tests/checker/probes.yaml (used for tuning: see its header)."""
    data = yaml.safe_load((CORPUS.parent / "probes.yaml").read_text(encoding="utf-8"))
    missed = [text for text in data["scam"] if not checker.check(text).risk.flagged]
    alarms = [text for text in data["genuine"] if checker.check(text).risk.flagged]
    print(
        f"\nprobes: {len(data['scam']) - len(missed)}/{len(data['scam'])} scams flagged, "
        f"{len(alarms)}/{len(data['genuine'])} false alarms"
    )
    assert len(missed) <= 0.05 * len(data["scam"]), missed
    assert len(alarms) <= 0.05 * len(data["genuine"]), alarms
