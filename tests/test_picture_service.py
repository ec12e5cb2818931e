"""The picture service: PNGs drawn once and kept in a bounded LRU, file ids kept per key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.content import Bubble, Scene, SceneKind, Speaker, Text
from bot.scene_pictures import SceneLabels
from bot.services.pictures import PictureService
from bot.storage.repository import Repository

LABELS = SceneLabels("短信", "今天", "发消息", "来电", "通话字幕", "拒绝", "接听")
NOW = datetime(2026, 3, 15, tzinfo=UTC)


def scene(text: str) -> Scene:
    return Scene(SceneKind.SMS, Text("10690000"), (Bubble(Speaker.THEM, Text(text)),))


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[Repository]:
    opened = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_picture_is_drawn_once_and_the_cache_keeps_only_the_newest(
    repo: Repository,
) -> None:
    pictures = PictureService(repo, cache_size=2)
    a, b, c = scene("一"), scene("二"), scene("三")
    first = await pictures.png(a, "zh", LABELS)
    assert first.startswith(b"\x89PNG")
    assert await pictures.png(a, "zh", LABELS) == first
    assert pictures.drawn == 1
    await pictures.png(a, "en", LABELS)  # another language is another picture
    assert pictures.drawn == 2
    await pictures.png(b, "zh", LABELS)  # a (zh) was used before a (en): a (zh) goes
    await pictures.png(c, "zh", LABELS)
    assert pictures.drawn == 4
    await pictures.png(c, "zh", LABELS)
    assert pictures.drawn == 4
    await pictures.png(a, "zh", LABELS)  # evicted: drawn again
    assert pictures.drawn == 5


async def test_file_ids_are_kept_per_key_in_the_database(repo: Repository) -> None:
    pictures = PictureService(repo)
    key = pictures.key(scene("一"), "zh", LABELS)
    assert key != pictures.key(scene("一"), "en", LABELS)
    assert await pictures.file_id(key) is None
    await pictures.uploaded(key, "file-1", NOW)
    assert await pictures.file_id(key) == "file-1"
    await pictures.uploaded(key, "file-2", NOW)  # uploaded again after a refusal
    fresh = PictureService(repo)  # a new process
    assert await fresh.file_id(key) == "file-2"
    assert await fresh.file_id(pictures.key(scene("二"), "zh", LABELS)) is None
