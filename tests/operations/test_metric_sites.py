"""The metrics services feed: answers stored (once per answer), content version on reload."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot import metrics
from bot.services.content import ContentStore
from tests.conftest import DATA
from tests.harness import Harness


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_quiz_answer_is_counted_once(bot: Harness) -> None:
    await bot.send(42, "/start")
    await bot.press(42, "b:cards")
    answer = next(d for _, d in bot.buttons(42) if d and d.startswith("a:"))
    before = value("quizbot_answers_stored_total", kind="quiz")
    await bot.press(42, answer)
    assert value("quizbot_answers_stored_total", kind="quiz") == before + 1
    await bot.redeliver_last()  # Telegram delivering the press twice stores nothing
    assert value("quizbot_answers_stored_total", kind="quiz") == before + 1


def test_content_version_follows_every_successful_reload(tmp_path: Path) -> None:
    quizzes = tmp_path / "quizzes"
    shutil.copytree(DATA / "quizzes", quizzes)
    store = ContentStore([quizzes])
    assert store.reload().ok
    first = store.catalog.version
    assert value("quizbot_content_info", version=first) == 1
    bank = quizzes / "cards.yaml"
    bank.write_text(bank.read_text(encoding="utf-8").replace("（测试）", "（新版）"), "utf-8")
    assert store.reload().ok
    second = store.catalog.version
    assert second != first
    assert value("quizbot_content_info", version=second) == 1
    assert value("quizbot_content_info", version=first) == 0
    bank.write_text("format: 1\nbank: [\n", encoding="utf-8")
    assert not store.reload().ok  # refused: the version in use stays
    assert value("quizbot_content_info", version=second) == 1
