"""The database opens with WAL, foreign keys and busy_timeout, and migrates exactly once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.db import DatabaseError, connect, schema_version
from bot.storage.repository import Repository

NOW = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)


async def test_fresh_database_is_migrated_with_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    conn = await connect(path)
    try:
        pragmas = {}
        for name in ("journal_mode", "foreign_keys", "busy_timeout", "user_version"):
            async with conn.execute(f"PRAGMA {name}") as cursor:
                row = await cursor.fetchone()
                assert row is not None
                pragmas[name] = row[0]
    finally:
        await conn.close()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "user_version": schema_version(),
    }
    assert schema_version() >= 1


async def test_migrating_twice_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    repo = await Repository.open(path)
    await repo.people.ensure_user(42, "zh", NOW)
    await repo.close()
    repo = await Repository.open(path)
    try:
        user = await repo.people.get_user(42)
    finally:
        await repo.close()
    assert user is not None
    assert user.language == "zh"


async def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {schema_version() + 1}")
    with pytest.raises(DatabaseError, match="newer than this bot"):
        await connect(path)


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="cannot use the database"):
        await connect(path)


async def test_ensure_user_is_idempotent_and_keeps_first_language(tmp_path: Path) -> None:
    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        first = await repo.people.ensure_user(7, "en", NOW)
        again = await repo.people.ensure_user(7, "zh", NOW)
    finally:
        await repo.close()
    assert first == again
    assert again.language == "en"


async def test_opting_out_of_the_leaderboard_forgets_the_name(tmp_path: Path) -> None:
    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        await repo.people.ensure_user(7, "zh", NOW)
        await repo.people.set_show_name(7, True, "小王")
        shown = await repo.people.get_user(7)
        await repo.people.set_show_name(7, False, "小王")
        hidden = await repo.people.get_user(7)
    finally:
        await repo.close()
    assert shown is not None
    assert shown.display_name == "小王"
    assert hidden is not None
    assert hidden.display_name is None


async def test_delete_user_removes_everything(tmp_path: Path) -> None:
    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        await repo.people.ensure_user(7, "zh", NOW)
        assert (await repo.privacy.export_user(7))["users"][0]["user_id"] == 7
        assert await repo.privacy.delete_user(7, -(2**52)) is True
        assert await repo.privacy.delete_user(7, -(2**52)) is False
        exported = await repo.privacy.export_user(7)
    finally:
        await repo.close()
    assert all(rows == [] for rows in exported.values())


async def test_a_concurrent_write_never_joins_another_tasks_transaction(tmp_path: Path) -> None:
    """A JobQueue job writing while a handler's transaction rolls back keeps its write."""
    import asyncio

    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        await repo.people.ensure_user(1, "zh", NOW)
        inside = asyncio.Event()

        async def handler_that_fails() -> None:
            async with repo.db.transaction():
                await repo.people.set_language(1, "en")
                inside.set()
                await asyncio.sleep(0.05)  # the job runs now
                raise RuntimeError("boom")

        async def job() -> None:
            await inside.wait()
            await repo.people.ensure_user(2, "zh", NOW)

        results = await asyncio.gather(handler_that_fails(), job(), return_exceptions=True)
        assert isinstance(results[0], RuntimeError)
        first = await repo.people.get_user(1)
        second = await repo.people.get_user(2)
    finally:
        await repo.close()
    assert first is not None
    assert first.language == "zh"  # rolled back
    assert second is not None  # the job's write survived
