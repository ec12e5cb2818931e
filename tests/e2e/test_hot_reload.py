"""Editing content while the preview runs: reloaded on save; a broken file keeps the old one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.preview.runner import YOU, Preview
from tests.e2e.conftest import Page, has_text, newer


async def test_saving_yaml_reloads_and_errors_show_in_the_page(
    preview: Preview, page: Page, content_dirs: tuple[Path, Path]
) -> None:
    quizzes, _ = content_dirs
    first = (await page.state())["content"]
    assert (first["ok"], first["banks"], first["errors"]) == (True, 2, [])

    bank = quizzes / "cards.yaml"
    original = bank.read_text(encoding="utf-8")
    bank.write_text(original.replace("  order: 20\n", "  order: 20\n  colour: red\n"), "utf-8")

    async def refused() -> dict[str, Any] | None:
        content: dict[str, Any] = (await page.state())["content"]
        return content if not content["ok"] else None

    status = await page.until(refused, "the page to report the broken file")
    assert any("cards.yaml:6:3: error: unknown key 'colour'" in e for e in status["errors"])
    assert (status["banks"], status["version"]) == (2, first["version"])

    await page.send(YOU, YOU, "/start")  # the bot keeps serving the previous content
    welcome = await page.bot_message(YOU, YOU, has_text("欢迎"), "the welcome")
    assert [row[0]["text"] for row in welcome["keyboard"]][:2] == ["伪卡盗刷（测试）", "示例题库"]

    bank.write_text(original.replace("伪卡盗刷（测试）", "伪卡盗刷（已修改）"), "utf-8")

    async def reloaded() -> dict[str, Any] | None:
        content: dict[str, Any] = (await page.state())["content"]
        return content if content["ok"] and content["version"] != first["version"] else None

    await page.until(reloaded, "the fixed file to be loaded")
    await page.send(YOU, YOU, "/start")
    welcome = await page.bot_message(YOU, YOU, newer(welcome["id"], "欢迎"), "another welcome")
    assert welcome["keyboard"][0][0]["text"] == "伪卡盗刷（已修改）"
