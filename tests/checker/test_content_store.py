"""Signals are content: loaded with the banks and lessons, swapped together, kept when broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.preview.watch import ContentWatcher
from bot.services.content import ContentStore
from tests.checker.conftest import ROOT
from tests.harness import Clock, Harness

NEW_SIGNAL = """
  - id: test-moon-rock
    kind: investment
    weight: 6
    patterns: [月球土地]
    explanation: {zh: 测试用信号。, en: A test signal.}
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the shipped banks, lessons and signals that a test may break."""
    for part in ("quizzes", "content/lessons", "content/signals"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def store_of(content: Path) -> ContentStore:
    return ContentStore(
        [content / "quizzes", content / "content" / "lessons"],
        signals=[content / "content" / "signals"],
    )


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_store_loads_signals_validated_against_its_lessons_and_banks(content: Path) -> None:
    store = store_of(content)
    result = store.reload()
    assert result.ok, result.errors
    assert store.checker is not None
    assert store.checker.check("自称公安，让我转钱到安全账户").risk.value == "high"
    banks = len(list((content / "quizzes").glob("*.yaml")))
    lessons = len(list((content / "content" / "lessons").glob("*.yaml")))
    signals = len(list((content / "content" / "signals").glob("*.yaml")))
    assert result.files == banks + lessons + signals


def test_a_broken_signal_keeps_the_old_signals_and_the_old_banks_together(content: Path) -> None:
    store = store_of(content)
    assert store.reload().ok
    checker, version = store.checker, store.catalog.version
    money = content / "content" / "signals" / "money.yaml"
    append(money, NEW_SIGNAL.replace("[月球土地]", "[{regex: '(a+)+b'}]"))
    bank = content / "quizzes" / "telecom_fraud.yaml"
    append(bank, "\n")  # a bank changed in the same save
    result = store.reload()
    assert not result.ok
    (error,) = result.errors
    lines = money.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "(a+)+b" in text)
    assert str(error).startswith(f"{money}:{line}:")
    assert "nested quantifiers" in error.message
    assert store.checker is checker  # neither the signals …
    assert store.catalog.version == version  # … nor the banks were swapped


def test_a_fixed_signal_is_served_on_the_next_reload(content: Path) -> None:
    store = store_of(content)
    assert store.reload().ok
    assert store.checker is not None
    assert store.checker.check("他在看月球土地的新闻").findings == ()
    append(content / "content" / "signals" / "money.yaml", NEW_SIGNAL)
    assert store.reload().ok
    found = store.checker.check("他在看月球土地的新闻")
    assert [f.signal for f in found.findings] == ["test-moon-rock"]


def test_a_signal_linking_a_lesson_that_is_gone_is_refused(content: Path) -> None:
    store = store_of(content)
    append(
        content / "content" / "signals" / "money.yaml",
        NEW_SIGNAL + "    lesson: tf-l99\n",
    )
    result = store.reload()
    assert [p.message for p in result.errors] == [
        "signal 'test-moon-rock' links lesson 'tf-l99', which does not exist "
        "(did you mean 'tf-l09'?)"
    ]
    assert store.checker is None  # nothing was ever loaded


def test_the_preview_watcher_reloads_on_a_signals_change(content: Path) -> None:
    store = store_of(content)
    assert store.reload().ok
    seen: list[bool] = []
    watcher = ContentWatcher(store, lambda result: seen.append(result.ok))
    assert watcher.check() is None
    append(content / "content" / "signals" / "money.yaml", NEW_SIGNAL)
    assert watcher.check() is not None
    assert seen == [True]
    assert store.checker is not None
    assert store.checker.check("月球土地").findings


async def test_reload_names_the_broken_signal_and_the_bot_keeps_checking(
    content: Path, settings: Settings, clock: Clock
) -> None:
    bot = Harness(
        settings,
        clock,
        content_paths=[content / "quizzes", content / "content" / "lessons"],
        signals=[content / "content" / "signals"],
    )
    await bot.start()
    try:
        money = content / "content" / "signals" / "money.yaml"
        append(money, NEW_SIGNAL.replace("investment", "moon"))
        await bot.send(1, "/reload")  # an operator
        assert "money.yaml" in bot.text(1)
        assert "kind 'moon', which no file declares" in bot.text(1)
        await bot.send(42, "我刚接到一个自称公安的电话，让我转钱")
        assert bot.text(42).startswith("🔴 高风险")
    finally:
        await bot.stop()


def test_without_a_signals_folder_the_checker_is_off_and_the_rest_loads(tmp_path: Path) -> None:
    store = ContentStore([ROOT / "quizzes"], signals=[tmp_path / "no-signals"])
    result = store.reload()
    assert result.ok
    assert store.checker is None
    assert store.catalog.banks


async def test_without_signals_a_text_is_told_the_check_is_unavailable(bot: Harness) -> None:
    await bot.send(42, "我刚接到一个自称公安的电话，让我转钱")
    assert bot.text(42).startswith("⚙️ 诈骗检查暂时用不了，请稍后再试。拿不准时，拨打 96110 咨询")
