"""After /forget, no row anywhere names the person (F11) — found by reading the schema.

The person uses every feature that stores something (quiz, lessons and their check, hosting and
playing a group event, granting and holding volunteer rights, a campaign attempt, a report of a
mistake), then asks to be forgotten. The test lists every table and column from
``sqlite_master`` and ``PRAGMA table_info`` and looks for the person's id in each, as a number
and inside any text (JSON lists, names): tables added later are covered without editing it.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.domain.insight import Reason
from bot.services.campaigns import AttemptStarted, CampaignService
from bot.services.insight import InsightService
from tests.conftest import DATA
from tests.harness import ROOT, Clock, Harness
from tests.lessons.conftest import LESSON_DATA
from tests.lessons.support import set_local

PERSON = 987_654_321_987  # distinctive: it cannot match a message id or a count by chance
OTHER = 55


def every_column(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        ]
        return {t: [c[1] for c in conn.execute(f"PRAGMA table_info('{t}')")] for t in tables}


def count_rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608


def mentions(path: Path, person: int) -> list[str]:
    """Every table.column holding the id, as a value or inside text."""
    found = []
    with sqlite3.connect(path) as conn:
        for table, columns in every_column(path).items():
            for column in columns:
                count = conn.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ? '  # noqa: S608
                    f'OR CAST("{column}" AS TEXT) LIKE ?',
                    (person, f"%{person}%"),
                ).fetchone()[0]
                if count:
                    found.append(f"{table}.{column} ({count})")
    return found


async def use_everything(bot: Harness, group: int) -> None:
    await bot.send(PERSON, "/start cards")
    question = bot.last(PERSON)
    await bot.press(PERSON, bot.buttons(PERSON, question.message_id)[0][1] or "")
    await bot.send(PERSON, "/settings")
    await bot.press(PERSON, bot.button(PERSON, "显示我的名字"))
    await bot.send(PERSON, "/subscribe 20:00")
    await bot.send(PERSON, "/timezone Asia/Shanghai")
    set_local(bot, "2026-03-15 20:00")
    await bot.send(PERSON, "/lesson")
    lesson = bot.last(PERSON)
    await bot.press(PERSON, bot.buttons(PERSON, lesson.message_id)[0][1] or "")
    # An operator: grants a volunteer, and is one too; hosts and plays a group event.
    await bot.send(PERSON, f"/volunteer add {OTHER}")
    assert bot.repo is not None
    await bot.repo.players.add_volunteer(PERSON, "本人", 1, bot.clock())
    await bot.send(PERSON, "/event_new example 1 30", chat_id=group)
    await bot.press(PERSON, bot.button(group, "报名"), chat_id=group)
    await bot.send(PERSON, "/event_start", chat_id=group)
    bot.clock.advance(seconds=6)
    from bot.handlers.events import run_tick, runtime

    assert bot.app is not None
    rt = runtime(bot.app)
    live = await bot.repo.events.live_event(group)
    assert live is not None
    await run_tick(rt, live.id)
    poll = bot.emu.last_poll(group)
    bot.emu.user_votes(PERSON, poll.id, [0])
    await bot.flush()
    bot.clock.advance(seconds=40)
    await run_tick(rt, live.id)


async def campaign_and_feedback(bot: Harness) -> None:
    assert bot.repo is not None
    campaigns = CampaignService(bot.repo, bot.content, operators=[1])
    payload = "C-forget-test-U-branch"
    joined = await campaigns.join(PERSON, payload, bot.clock())
    assert type(joined).__name__ == "Joined", joined
    started = await campaigns.start_attempt(PERSON, "forget-test", bot.clock())
    assert isinstance(started, AttemptStarted), started
    await campaigns.finish_session(started.session.id, bot.clock() + timedelta(hours=1))
    insight = InsightService(bot.repo, bot.content, bot.settings.timezone)
    await insight.report_problem(PERSON, "t-chip", Reason.UNCLEAR, bot.clock())
    await insight.add_note(PERSON, "t-chip", f"我是 {PERSON}，这题不清楚")


CAMPAIGN = """\
format: 1
campaign:
  id: forget-test
  title: {zh: 测试活动, en: Test campaign}
  first_day: "2026-03-01"
  last_day: "2026-03-31"
  timezone: Asia/Shanghai
  pool: {banks: [cards]}
  questions_per_attempt: 1
  time_limit_seconds: 300
  attempts_per_day: 3
  pass_mark: 1
  organizers: [1]
units:
  - id: branch
    name: {zh: 一支行, en: Branch one}
    kind: branch
    target: 10
"""


async def test_forget_leaves_no_row_that_names_the_person(
    settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    (campaigns / "forget-test.yaml").write_text(CAMPAIGN, encoding="utf-8")
    settings = Settings(**{**settings.__dict__, "owner_ids": frozenset({1, PERSON})})
    bot = Harness(settings, clock, content_paths=[DATA / "quizzes", LESSON_DATA, campaigns])
    await bot.start()
    try:
        bot.user(PERSON, "小心")
        bot.user(OTHER)
        group = bot.emu.add_group("忘记测试群", members=[PERSON, OTHER], admins=[PERSON])
        bot.allow_api_failures = True  # the event's private report may not reach everyone
        await use_everything(bot, group)
        await campaign_and_feedback(bot)
        path = settings.database_path
        before = mentions(path, PERSON)
        print("before /forget:", ", ".join(before))
        expected = {"users", "quiz_sessions", "event_answers", "event_participants", "events"}
        assert expected <= {m.split(".")[0] for m in before}, before
        assert bot.repo is not None
        answers_before = count_rows(path, "event_answers")
        await bot.send(PERSON, "/forget")
        await bot.press(PERSON, bot.button(PERSON, "确认删除"))
        assert mentions(path, PERSON) == []
        # The group's results still count the answer, under a pseudonym.
        assert count_rows(path, "event_answers") == answers_before > 0
    finally:
        await bot.stop()
    assert ROOT.exists()
