"""The preview page in headless Chromium: a quiz, a group quiz poll, at desktop and phone width.

Playwright drives the system's Chromium (the CI script installs it with apt); Playwright's own
browser downloads are never used. Set PREVIEW_SCREENSHOT=/path.png to keep screenshots (the
phone test adds `-390-<step>` to the name).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.preview.runner import DEMO_GROUP_TITLE, Preview

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
PHONE = {"width": 390, "height": 844}  # an iPhone 12–15 in CSS pixels
DESKTOP = {"width": 1280, "height": 860}
MIN_TARGET = 44  # px: the smallest comfortable touch target (Apple HIG, WCAG 2.5.5)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (install it with `apt-get install -y chromium`)",
)
async_api = pytest.importorskip(
    "playwright.async_api",
    reason="Playwright for Python is not installed (pip install playwright)",
)
expect = async_api.expect

# What a person at that width would notice, measured in the page: anything wider than the
# window or than its scroll box, and every shown control that is small, cut off or off-screen.
# Controls in the message list may be scrolled out vertically (they scroll into view); sideways
# they must fit like everything else.
LAYOUT = """
(minHeight) => {
  const W = window.innerWidth, H = window.innerHeight;
  const problems = [];
  const name = (node) =>
    (node.getAttribute("aria-label") || node.textContent || node.id || node.tagName)
      .trim().replace(/\\s+/g, " ").slice(0, 40);
  for (const node of document.querySelectorAll("body *")) {
    const style = getComputedStyle(node);
    if (["auto", "scroll"].includes(style.overflowX) && node.scrollWidth > node.clientWidth + 1) {
      problems.push(`${node.id || node.className} scrolls sideways: `
        + `${node.scrollWidth} > ${node.clientWidth}`);
    }
  }
  for (const node of document.querySelectorAll("button, input, select")) {
    if (!node.checkVisibility({ checkVisibilityCSS: true })) continue;
    const r = node.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.height < minHeight - 0.5) problems.push(`${name(node)}: ${r.height.toFixed(1)} px high`);
    if (r.left < -0.5 || r.right > W + 0.5) {
      problems.push(`${name(node)}: from x=${r.left.toFixed(1)} to ${r.right.toFixed(1)}`);
    }
    if (!node.closest("#messages") && (r.top < -0.5 || r.bottom > H + 0.5)) {
      problems.push(`${name(node)}: from y=${r.top.toFixed(1)} to ${r.bottom.toFixed(1)}`);
    }
    if (node.tagName === "BUTTON" && node.scrollWidth > node.clientWidth + 1) {
      problems.push(`${name(node)}: label cut off`);
    }
  }
  for (const node of document.querySelectorAll(".bubble, .keyboard, .photo, .doc")) {
    const r = node.getBoundingClientRect();
    if (r.width && (r.left < -0.5 || r.right > W + 0.5)) {
      problems.push(`${node.className}: from x=${r.left.toFixed(1)} to ${r.right.toFixed(1)}`);
    }
  }
  return {
    width: W,
    documentWidth: document.documentElement.scrollWidth,
    problems,
  };
}
"""


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with async_api.async_playwright() as driver:
        running = await driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield running
        finally:
            await running.close()


async def open_page(browser: Any, preview: Preview, **options: Any) -> tuple[Any, list[str]]:
    page = await browser.new_page(locale="zh-CN", **options)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(preview.url)
    await expect(page.locator("#banner")).to_contain_text("内容已加载")
    return page, errors


async def layout_problems(page: Any, min_height: int = 0) -> list[str]:
    result = await page.evaluate(LAYOUT, min_height)
    problems = list(result["problems"])
    if result["documentWidth"] > result["width"]:
        problems.append(f"page is {result['documentWidth']} px wide in {result['width']} px")
    return problems


async def screenshot(page: Any, step: str) -> None:
    wanted = os.environ.get("PREVIEW_SCREENSHOT")
    if wanted:
        path = Path(wanted)
        await page.screenshot(path=path.with_name(f"{path.stem}-390-{step}{path.suffix}"))


async def send(page: Any, text: str) -> None:
    """Type into the message box and press the send button, as a person would."""
    await page.locator("#input").fill(text)
    await page.locator("#send").click()
    await expect(page.locator(".row.out").filter(has_text=text).last).to_be_visible()


async def test_page_runs_a_quiz_and_shows_the_explanation(browser: Any, preview: Preview) -> None:
    page, errors = await open_page(browser, preview, viewport=DESKTOP)
    sidebar = page.locator("#sidebar")
    await expect(sidebar).to_be_visible()  # the desktop keeps its chat list beside the chat
    assert (await sidebar.bounding_box())["width"] == 300
    await expect(page.locator("#drawer-button")).to_be_hidden()
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
    assert await layout_problems(page) == []
    assert errors == []


async def test_phone_width_fits_the_quiz_the_drawer_and_a_group_poll(
    browser: Any, preview: Preview
) -> None:
    page, errors = await open_page(
        browser, preview, viewport=PHONE, is_mobile=True, has_touch=True
    )
    sidebar = page.locator("#sidebar")
    await expect(sidebar).to_be_hidden()  # the chat list waits in the drawer
    assert await layout_problems(page, MIN_TARGET) == []
    banner = page.locator("#banner")
    one_line = (await banner.bounding_box())["height"]
    await banner.click()  # "content loaded" takes one line; a tap shows all of it
    assert (await banner.bounding_box())["height"] > one_line * 1.5
    await banner.click()
    assert (await banner.bounding_box())["height"] == one_line

    # A private quiz: the bank menu, a question, an answer that edits the question in place.
    await page.get_by_role("button", name="开始 · START").click()
    await page.get_by_role("button", name="伪卡盗刷（测试）").click()
    question = page.locator(".row").filter(has_text="第 1/2 题")
    await question.get_by_role("button", name="A", exact=True).click()
    await expect(question).to_contain_text("解析")
    await expect(question).to_contain_text("已编辑")
    await expect(question.get_by_role("button", name="下一题")).to_be_visible()
    assert await layout_problems(page, MIN_TARGET) == []
    await screenshot(page, "quiz")

    # The message box has room to type in, and a long unbroken word wraps.
    box = await page.locator("#input").bounding_box()
    assert box["width"] >= 200, box
    await send(page, "很长的一个词：" + "x" * 160)
    assert await layout_problems(page, MIN_TARGET) == []

    # The drawer: open from the header, switch to the group; tapping outside closes it.
    await page.locator("#drawer-button").click()
    await expect(sidebar).to_be_visible()
    await expect(sidebar).to_have_css("transform", "none")  # slid all the way in
    assert (await sidebar.bounding_box())["x"] == 0
    assert await layout_problems(page, MIN_TARGET) == []
    await screenshot(page, "drawer")
    await page.locator(".chat-item").filter(has_text=DEMO_GROUP_TITLE).click()
    await expect(sidebar).to_be_hidden()
    await expect(page.locator("#chat-title")).to_have_text(DEMO_GROUP_TITLE)
    await page.locator("#drawer-button").click()
    await expect(sidebar).to_be_visible()
    await page.touchscreen.tap(PHONE["width"] - 20, PHONE["height"] // 2)  # on the shade
    await expect(sidebar).to_be_hidden()
    await expect(page.locator("#chat-title")).to_have_text(DEMO_GROUP_TITLE)

    # A group quiz event: the lobby's buttons, then a native quiz poll answered in the page.
    await send(page, "/event_new example 1 10")
    lobby = page.locator(".row").filter(has_text="报名中").last
    await lobby.locator(".kb-button").filter(has_text="报名").first.click()
    await expect(page.locator("#toast")).to_contain_text("报名")
    await send(page, "/event_start")
    poll = page.locator(".bubble.poll").last
    await expect(poll).to_be_visible(timeout=20_000)
    assert await layout_problems(page, MIN_TARGET) == []
    await poll.locator(".poll-option").first.click()
    if await poll.locator(".poll-vote").count():  # a multiple-answer question: then Vote
        await poll.locator(".poll-vote").click()
    await expect(poll.locator(".poll-option.correct").first).to_be_visible()
    await expect(poll.locator(".poll-explanation")).to_be_visible()
    assert await layout_problems(page, MIN_TARGET) == []
    await screenshot(page, "poll")

    # The podium's results picture in the group and the report file in the private chat fit.
    await send(page, "/event_next")
    photo = page.locator("img.photo").last
    await expect(photo).to_be_visible(timeout=30_000)
    await expect(photo).to_have_js_property("complete", True)
    assert await layout_problems(page, MIN_TARGET) == []
    await screenshot(page, "results")
    await page.locator("#drawer-button").click()
    await page.locator(".chat-item").first.click()
    await expect(sidebar).to_be_hidden()
    await expect(page.locator(".doc").last).to_be_visible(timeout=15_000)
    assert await layout_problems(page, MIN_TARGET) == []
    await screenshot(page, "report")
    assert errors == []
