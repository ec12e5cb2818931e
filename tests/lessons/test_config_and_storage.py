"""LESSON_TIME and QUIET_HOURS settings; personal data export and deletion for lessons."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.schedule import QuietHours, parse_quiet_hours
from bot.storage.repository import Repository

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def test_lesson_defaults(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.lesson_time == time(20, 0)
    assert settings.quiet_hours == QuietHours(time(22), time(8))


def test_lesson_settings_are_read(tmp_path: Path) -> None:
    settings = load_settings(
        {"LESSON_TIME": "19：30", "QUIET_HOURS": "23:00-07:00"}, env_file=tmp_path / "x.env"
    )
    assert settings.lesson_time == time(19, 30)
    assert settings.quiet_hours == QuietHours(time(23), time(7))
    off = load_settings({"QUIET_HOURS": "off"}, env_file=tmp_path / "x.env")
    assert not off.quiet_hours.contains(time(3))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LESSON_TIME": "25:00"}, "LESSON_TIME='25:00' is not a local time such as 20:00"),
        ({"QUIET_HOURS": "night"}, "QUIET_HOURS='night' is not a range of local times"),
        ({"LESSON_TIME": "23:00"}, "LESSON_TIME='23:00' falls inside QUIET_HOURS (22:00-08:00)"),
    ],
)
def test_bad_lesson_settings_are_named(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env, env_file=tmp_path / "x.env")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:00-08:00", QuietHours(time(22), time(8))),
        ("22：00～8：00", QuietHours(time(22), time(8))),
        ("13:00 - 14:00", QuietHours(time(13), time(14))),
        ("22:00", None),
        ("22:00-25:00", None),
    ],
)
def test_parse_quiet_hours(text: str, expected: QuietHours | None) -> None:
    assert parse_quiet_hours(text) == expected


async def test_export_and_delete_include_lessons(tmp_path: Path) -> None:
    repo = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        await repo.people.ensure_user(7, "zh", NOW)
        await repo.lessons.subscribe_lessons(7, "private", "zh", "20:00", NOW)
        await repo.lessons.subscribe_lessons(-100, "group", "zh", "20:00", NOW)
        claimed = await repo.lessons.claim_lesson(
            7, date(2026, 3, 15), "lesson", "l1", None, [], NOW
        )
        other = await repo.lessons.claim_lesson(
            -100, date(2026, 3, 15), "lesson", "l1", None, [], NOW
        )
        assert claimed is not None
        assert other is not None
        assert (
            await repo.lessons.claim_lesson(7, date(2026, 3, 15), "lesson", "l2", None, [], NOW)
            is None
        )
        assert (
            await repo.lessons.claim_lesson(7, date(2026, 3, 16), "lesson", "l1", None, [], NOW)
            is None
        )
        exported = await repo.privacy.export_user(7)
        assert exported["lesson_subscribers"][0]["send_at"] == "20:00"
        assert [d["lesson_id"] for d in exported["lesson_deliveries"]] == ["l1"]
        assert await repo.privacy.delete_user(7, -(2**52)) is True
        gone = await repo.privacy.export_user(7)
        assert gone["lesson_subscribers"] == []
        assert gone["lesson_deliveries"] == []
        assert await repo.lessons.lesson_subscription(-100) is not None  # the group's stay
        assert await repo.lessons.lesson_delivery(other.id) is not None
    finally:
        await repo.close()
