"""Scene pictures in the preview page at phone width: the photo fits, its caption (the text
version) shows under it, and the question below it is answered in place."""

from __future__ import annotations

from typing import Any

import pytest

from bot.preview.runner import Preview
from tests.e2e.conftest import PreviewFactory
from tests.e2e.test_browser import (
    MIN_TARGET,
    PHONE,
    browser,
    expect,
    layout_problems,
    open_page,
    pytestmark,
    screenshot,
)
from tests.scene_banks import write_scene_banks

__all__ = ["browser", "pytestmark"]  # the Chromium fixture and its skip mark, reused


@pytest.fixture
async def scene_preview(make_preview: PreviewFactory, content_dirs: tuple[Any, Any]) -> Preview:
    write_scene_banks(content_dirs[0])
    return await make_preview()


async def test_a_scene_picture_fits_a_phone_above_its_question(
    browser: Any, scene_preview: Preview
) -> None:
    page, errors = await open_page(
        browser, scene_preview, viewport=PHONE, is_mobile=True, has_touch=True
    )
    await page.get_by_role("button", name="开始 · START").click()
    await page.get_by_role("button", name="全是情景").click()
    photo = page.locator("img.photo").last
    await expect(photo).to_be_visible(timeout=30_000)
    await expect(photo).to_have_js_property("complete", True)
    assert await photo.evaluate("img => img.naturalWidth") == 1080
    box = await photo.bounding_box()
    assert box["width"] <= PHONE["width"]
    assert box["height"] > box["width"] / 2  # the whole phone screen, not a cut-off strip
    picture_row = page.locator(".row").filter(has=page.locator("img.photo")).last
    await expect(picture_row).to_contain_text("第 1/4 题 · 情景")
    question = page.locator(".row").filter(has_text="情景见上图").last
    await expect(question).to_contain_text("第 1/4 题")
    assert (await question.bounding_box())["y"] > box["y"]
    assert await layout_problems(page, MIN_TARGET) == []
    await screenshot(page, "scene")

    await question.get_by_role("button", name="A", exact=True).click()
    await expect(question).to_contain_text("解析")
    await expect(question).to_contain_text("已编辑")
    await expect(page.locator("img.photo")).to_have_count(1)
    assert await layout_problems(page, MIN_TARGET) == []
    assert errors == []
