"""The preview page in headless Chromium: start a quiz, press an answer, see the explanation.

Playwright drives the system's Chromium (the CI script installs it with apt); Playwright's own
browser downloads are never used. Set PREVIEW_SCREENSHOT=/path.png to keep a screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.preview.runner import Preview

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (install it with `apt-get install -y chromium`)",
)
async_api = pytest.importorskip(
    "playwright.async_api",
    reason="Playwright for Python is not installed (pip install playwright)",
)


async def test_page_runs_a_quiz_and_shows_the_explanation(preview: Preview) -> None:
    async with async_api.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(preview.url)
            expect = async_api.expect
            await expect(page.locator("#banner")).to_contain_text("内容已加载")
            await page.get_by_role("button", name="开始 · START").click()
            await page.get_by_role("button", name="伪卡盗刷（测试）").click()
            question = page.locator(".row").filter(has_text="第 1/2 题")
            await expect(question).to_be_visible()
            await question.get_by_role("button", name="A", exact=True).click()
            await expect(question).to_contain_text("解析")
            await expect(question.locator("strong").first).to_be_visible()  # HTML became DOM
            await expect(page.locator("#toast")).to_contain_text("回答")
            await expect(question.get_by_role("button", name="下一题")).to_be_visible()
            shot = os.environ.get("PREVIEW_SCREENSHOT")
            if shot:
                await page.screenshot(path=shot)
            await page.fill("#input", "<i>不是斜体</i>")  # text is text, never markup
            await page.press("#input", "Enter")
            mine = page.locator(".row.out").filter(has_text="<i>不是斜体</i>")
            await expect(mine).to_be_visible()
            await expect(mine.locator("em, i")).to_have_count(0)
            assert errors == []
        finally:
            await browser.close()
