"""Scene pictures: Telegram's file id of each uploaded picture, by the picture's content hash."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database


class PictureStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def file_id(self, key: str) -> str | None:
        row = await self.db.one("SELECT file_id FROM scene_pictures WHERE key = ?", (key,))
        return str(row["file_id"]) if row else None

    async def save(self, key: str, file_id: str, now: datetime) -> None:
        """Keep the file id of an upload; a new upload of the same picture replaces it."""
        await self.db.write(
            "INSERT INTO scene_pictures (key, file_id, uploaded_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET file_id = excluded.file_id, "
            "uploaded_at = excluded.uploaded_at",
            (key, file_id, now.isoformat()),
        )
