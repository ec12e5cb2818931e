"""Scene pictures: each drawn at most once per process, each uploaded to Telegram once.

A picture is named by its content hash (:func:`bot.scene_pictures.picture_key`: everything
drawn, the language and the renderer's version). The PNG stays in a small LRU in memory (never
on disk); Telegram's file id of its first upload is kept in the database, so the next person,
and the next process, send it by file id. No Telegram types here: the handlers send the photo
and report the file id back (``bot/handlers/pictures.py``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime

from bot.domain.content import Scene
from bot.scene_pictures import SceneLabels, picture_key, render_scene_png
from bot.storage.repository import Repository

PNG_CACHE = 32
"""Pictures kept in memory (about 100–350 KB each); after an upload only a refused file id
needs the PNG again."""


class PictureService:
    def __init__(self, repo: Repository, *, cache_size: int = PNG_CACHE) -> None:
        self.repo = repo
        self.cache_size = cache_size
        self._png: OrderedDict[str, bytes] = OrderedDict()
        self._file_ids: dict[str, str | None] = {}  # the database's answers, remembered
        self._locks: dict[str, asyncio.Lock] = {}
        self.drawn = 0
        """Pictures drawn by this process (the LRU's misses)."""

    @staticmethod
    def key(scene: Scene, lang: str, labels: SceneLabels) -> str:
        return picture_key(scene, lang, labels)

    async def file_id(self, key: str) -> str | None:
        """Telegram's file id of an earlier upload of this picture, if any."""
        if key not in self._file_ids:
            self._file_ids[key] = await self.repo.pictures.file_id(key)
        return self._file_ids[key]

    async def uploaded(self, key: str, file_id: str, now: datetime) -> None:
        """A fresh upload's file id: the next send of this picture uses it."""
        await self.repo.pictures.save(key, file_id, now)
        self._file_ids[key] = file_id

    def upload_lock(self, key: str) -> asyncio.Lock:
        """Held while a picture is uploaded, so two people at once cause one upload."""
        return self._locks.setdefault(key, asyncio.Lock())

    async def png(self, scene: Scene, lang: str, labels: SceneLabels) -> bytes:
        """The picture's PNG, drawn in a worker thread (about 0.2 s) unless it is cached."""
        key = self.key(scene, lang, labels)
        cached = self._png.get(key)
        if cached is not None:
            self._png.move_to_end(key)
            return cached
        png = await asyncio.to_thread(render_scene_png, scene, lang, labels)
        self.drawn += 1
        self._png[key] = png
        while len(self._png) > self.cache_size:
            self._png.popitem(last=False)
        return png
