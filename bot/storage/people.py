"""People: who they are, their language and name opt-in, points, streak and ranks."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.domain.people import RankedUser, TopicStat, User
from bot.storage.db import Database


def user_row(row: aiosqlite.Row) -> User:
    return User(
        user_id=row["user_id"],
        language=row["language"],
        show_name=bool(row["show_name"]),
        display_name=row["display_name"],
        points=row["points"],
        answered=row["answered"],
        correct=row["correct"],
        streak_current=row["streak_current"],
        streak_best=row["streak_best"],
        streak_last_day=date.fromisoformat(row["streak_last_day"])
        if row["streak_last_day"]
        else None,
        created_at=datetime.fromisoformat(row["created_at"]),
        timezone=row["tz"],
        forget_prompt=row["forget_prompt"],
    )


class PeopleStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- users ------------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> User | None:
        row = await self.db.one(
            "SELECT u.*, s.tz FROM users u LEFT JOIN lesson_subscribers s "
            "ON s.chat_id = u.user_id WHERE u.user_id = ?",
            (user_id,),
        )
        return user_row(row) if row else None

    async def ensure_user(self, user_id: int, language: str, now: datetime) -> User:
        """The stored user, created with ``language`` on first contact.

        Reads first: nearly every update comes from someone we know, and a read needs no
        write transaction.
        """
        user = await self.get_user(user_id)
        if user is None:
            await self.db.write(
                "INSERT INTO users (user_id, language, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO NOTHING",
                (user_id, language, now.isoformat()),
            )
            user = await self.get_user(user_id)
        assert user is not None
        return user

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.write("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))

    async def set_show_name(self, user_id: int, show: bool, display_name: str | None) -> None:
        """Opting out forgets the stored name at once."""
        await self.db.write(
            "UPDATE users SET show_name = ?, display_name = ? WHERE user_id = ?",
            (int(show), display_name if show else None, user_id),
        )

    async def set_forget_prompt(self, user_id: int, message_id: int | None) -> None:
        await self.db.write(
            "UPDATE users SET forget_prompt = ? WHERE user_id = ?", (message_id, user_id)
        )

    async def rank_of(self, user_id: int) -> int | None:
        """1 + the number of people with more points (ties share a rank)."""
        row = await self.db.one(
            "SELECT 1 + (SELECT COUNT(*) FROM users o WHERE o.points > u.points) "
            "FROM users u WHERE u.user_id = ?",
            (user_id,),
        )
        return int(row[0]) if row else None

    async def top_users(self, limit: int = 10) -> list[RankedUser]:
        rows = await self.db.all(
            "SELECT user_id, points, display_name, show_name, "
            "1 + (SELECT COUNT(*) FROM users o WHERE o.points > u.points) AS rank "
            "FROM users u WHERE points > 0 ORDER BY points DESC, user_id LIMIT ?",
            (limit,),
        )
        return [
            RankedUser(
                rank=row["rank"],
                user_id=row["user_id"],
                points=row["points"],
                display_name=row["display_name"] if row["show_name"] else None,
            )
            for row in rows
        ]

    async def user_count(self) -> int:
        row = await self.db.one("SELECT COUNT(*) FROM users")
        return int(row[0]) if row else 0

    async def topic_stats(self, user_id: int) -> list[TopicStat]:
        rows = await self.db.all(
            "SELECT topic, answered, correct FROM topic_stats WHERE user_id = ? ORDER BY topic",
            (user_id,),
        )
        return [TopicStat(row["topic"], row["answered"], row["correct"]) for row in rows]
