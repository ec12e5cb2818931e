"""Operators reload content without a restart; bad content is refused and open quizzes go on."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import DATA
from tests.harness import Clock, Harness

OWNER = 1  # settings.owner_ids in conftest
CITIZEN = 42


@pytest.fixture
async def live(settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[Harness]:
    folder = tmp_path / "quizzes"
    shutil.copytree(DATA / "quizzes", folder)
    harness = Harness(settings, clock, content_paths=[folder])
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def bank_file(live: Harness) -> Path:
    return live.content.paths[0] / "cards.yaml"


async def test_reload_is_for_operators_only(live: Harness) -> None:
    before = live.content.catalog
    await live.send(CITIZEN, "/reload")
    assert live.text(CITIZEN) == "这个命令只对本机器人的管理员开放。"
    assert live.content.catalog is before


async def test_reload_picks_up_a_change(live: Harness) -> None:
    path = bank_file(live)
    path.write_text(
        path.read_text(encoding="utf-8").replace("伪卡盗刷（测试）", "伪卡盗刷（新版）"),
        encoding="utf-8",
    )
    await live.send(OWNER, "/reload")
    assert live.text(OWNER).startswith("✅ 内容已重新加载：2 个题库、5 道题、0 篇课程")
    assert live.content.catalog.banks["cards"].title.zh == "伪卡盗刷（新版）"


async def test_invalid_content_is_refused_and_the_old_stays(live: Harness) -> None:
    before = live.content.catalog
    path = bank_file(live)
    path.write_text(
        path.read_text(encoding="utf-8").replace("    type: single", "    type: singel"),
        encoding="utf-8",
    )
    await live.send(OWNER, "/reload")
    reply = live.text(OWNER)
    assert reply.startswith("❌ 内容有 1 个错误，未加载；仍在使用之前的版本")
    assert f"{path}:" in reply
    assert "'type' must be 'single', 'multiple' or 'true_false'" in reply
    assert live.content.catalog is before


async def test_open_quiz_skips_a_removed_question_with_a_note(live: Harness) -> None:
    await live.send(CITIZEN, "/start cards")
    assert live.repo is not None
    session = await live.repo.quizzes.open_session(CITIZEN)
    assert session is not None
    first, second = session.question_ids
    # The editors delete the second question while the citizen is on the first.
    path = bank_file(live)
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {second}")
    end = text.find("\n  - id:", start + 1)
    path.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""), encoding="utf-8")
    await live.send(OWNER, "/reload")
    assert live.text(OWNER).startswith("✅")

    question = live.content.catalog.questions[first]
    letter = next(
        line.split(".")[0][-1]
        for line in live.text(CITIZEN).splitlines()
        if any(o.correct and o.text.zh in line for o in question.options)
    )
    await live.press(CITIZEN, live.button(CITIZEN, letter))
    await live.press(CITIZEN, live.button(CITIZEN, "下一题"))
    assert "答对 1/1 题" in live.text(CITIZEN)
    assert "（1 道题因题库更新被跳过）" in live.text(CITIZEN)
