"""One phone screen: at most 15 lines and 700 characters, on the worst messages we have."""

from __future__ import annotations

import pytest

from bot.context import Services
from bot.domain.checker import Checker
from bot.domain.incoming import Content, Outcome
from bot.handlers.checker import SCREEN_CHARS, SCREEN_LINES, group_view, on_screen, reply_view
from tests.checker.conftest import corpus
from tests.harness import Harness


def worst_messages(checker: Checker) -> list[str]:
    """Every corpus message, plus the ones with the most signs: all scams joined (cut at
    Telegram's 4,096 characters), and the scams with the most findings, doubled up."""
    texts = [m.text for m in corpus()]
    scams = [m.text for m in corpus() if m.label == "scam"]
    most = sorted(scams, key=lambda t: -len(checker.check(t).findings))[:10]
    return [*texts, "\n".join(scams)[:4096], "\n".join(most)[:4096]]


def services_of(bot: Harness) -> Services:
    assert bot.app is not None
    found = bot.app.bot_data["services"]
    assert isinstance(found, Services)
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_reply_fits_one_phone_screen(cbot: Harness, lang: str) -> None:
    svc = services_of(cbot)
    checker = cbot.content.checker
    assert checker is not None
    sizes: list[tuple[int, int]] = []
    most_signs = 0
    for text in worst_messages(checker):
        verdict = checker.check(text)
        most_signs = max(most_signs, len(verdict.findings))
        for view in (
            reply_view(svc, lang, Outcome(Content.TEXT, verdict)),
            group_view(svc, lang, verdict, "quiz315_bot"),
        ):
            sizes.append(on_screen(view.text))
    chars = max(c for c, _ in sizes)
    lines = max(n for _, n in sizes)
    print(f"{lang}: longest reply {chars} characters, {lines} lines; most signs {most_signs}")
    assert most_signs >= 8  # the worst case really has more signs than fit
    assert chars <= SCREEN_CHARS
    assert lines <= SCREEN_LINES


async def test_every_other_answer_and_sos_fit_too(cbot: Harness) -> None:
    svc = services_of(cbot)
    for lang in ("zh", "en"):
        texts = [reply_view(svc, lang, Outcome(c)).text for c in Content if c is not Content.TEXT]
        texts.append(svc.render(lang, "sos"))
        for text in texts:
            chars, lines = on_screen(text)
            assert chars <= SCREEN_CHARS
            assert lines <= SCREEN_LINES
