"""Scene pictures: drawing every shipped scene, and what the cache saves when sending one.

Drawing: every scene of the shipped banks in both languages (PNG bytes, time per picture).
Sending: the same scene question's picture to many people through the real handlers and a
canned Bot API: the first send draws and uploads it, every later one goes by file id; the
ratio compares a later send with a send that draws the picture each time (the cache off).
Run: python -m bench.scene_pictures
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from telegram.ext import ApplicationBuilder

from bench.common import ROOT, CannedRequest, Row, print_table
from bot.config import Settings
from bot.context import Services
from bot.domain.content import Scene
from bot.handlers.pictures import scene_labels, send_scene
from bot.render import Renderer
from bot.scene_pictures import render_scene_png
from bot.services.content import ContentStore
from bot.storage.repository import Repository

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdef"
SENDS = 200


def shipped() -> list[Scene]:
    content = ContentStore([ROOT / "quizzes"])
    assert content.reload().ok
    return [q.scene for q in content.catalog.questions.values() if q.scene is not None]


def drawing(scenes: list[Scene], svc: Services) -> list[Row]:
    times: list[float] = []
    sizes: list[int] = []
    for lang in ("zh", "en"):
        labels = scene_labels(svc, lang)
        for scene in scenes:
            start = time.perf_counter()
            sizes.append(len(render_scene_png(scene, lang, labels)))
            times.append(time.perf_counter() - start)
    return [
        Row(
            "scene pictures",
            f"draw every shipped scene ({len(times)} PNGs): time p50, max",
            f"{statistics.median(times) * 1000:.0f} ms, {max(times) * 1000:.0f} ms",
        ),
        Row(
            "scene pictures",
            "PNG size: median, largest",
            f"{statistics.median(sizes) / 1024:.0f} KiB, {max(sizes) / 1024:.0f} KiB",
            "< 10 MiB",
        ),
    ]


async def sending(scene: Scene, svc: Services) -> list[Row]:
    request = CannedRequest()
    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    async with app:
        start = time.perf_counter()
        await send_scene(app.bot, 1, svc, scene, "zh", caption="…")
        first = time.perf_counter() - start
        later: list[float] = []
        for chat in range(2, SENDS + 2):
            start = time.perf_counter()
            await send_scene(app.bot, chat, svc, scene, "zh", caption="…")
            later.append(time.perf_counter() - start)
        labels = scene_labels(svc, "zh")
        uncached: list[float] = []
        for _ in range(10):
            start = time.perf_counter()
            png = await asyncio.to_thread(render_scene_png, scene, "zh", labels)
            await app.bot.send_photo(1, png, caption="…")
            uncached.append(time.perf_counter() - start)
    assert svc.pictures.drawn == 1, "drawn once, then sent by file id"
    per_send = statistics.median(later)
    return [
        Row(
            "scene pictures",
            f"one picture to {SENDS + 1} people: the first send (draw + upload), then p50",
            f"{first * 1000:.0f} ms, then {per_send * 1000:.2f} ms (by file id)",
        ),
        Row(
            "scene pictures",
            "ratio: a send by file id ÷ drawing and uploading every time",
            f"{per_send / statistics.median(uncached):.3f}",
            "small",
        ),
    ]


async def measure() -> list[Row]:
    scenes = shipped()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(token=TOKEN, database_path=Path(folder) / "bench.sqlite3")
        repo = await Repository.open(settings.database_path)
        render = Renderer(ROOT / "content" / "templates")
        svc = Services(settings, repo, ContentStore([]), render)
        try:
            rows = drawing(scenes, svc)
            rows += await sending(scenes[0], svc)
        finally:
            await repo.close()
    return rows


def main() -> None:
    print_table(asyncio.run(measure()))


if __name__ == "__main__":
    main()
