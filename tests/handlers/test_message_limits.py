"""Every message fits Telegram's limits whatever goes into it (F7, F12 and the table below).

The Bot API emulator refuses what Telegram refuses (4,096 characters after entity parsing,
1,024 for captions, bad HTML) and the harness fails the test on any refusal, so each flow here
is driven with the largest inputs the bot can meet: names of 64 + 64 characters, content at the
validator's limits, 1,000 volunteers, hundreds of content problems under a long folder path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bot.config import Settings
from bot.domain.limits import MESSAGE_TEXT, POLL_EXPLANATION, POLL_OPTION, POLL_QUESTION, tg_len
from tests.conftest import DATA
from tests.harness import ROOT, Clock, Harness

OWNER = 1
HUGE = "名" * 64  # Telegram's cap per name part; the bot must never trust it


def maxed_bank(folder: Path) -> None:
    """One bank whose every text sits at the validator's limit: 12 options of 100."""
    options = [
        {"zh": f"{i:02d}" + "选" * (POLL_OPTION - 2), "en": "x" * POLL_OPTION} for i in range(12)
    ]
    options[0]["correct"] = True  # type: ignore[assignment]
    options[1]["tempting"] = True  # type: ignore[assignment]
    question = {
        "id": "max-1",
        "reviewed": "2026-11-27",
        "type": "single",
        "scenario": {"zh": "景" * 1000, "en": "s" * 1000},
        "text": {"zh": "问" * (POLL_QUESTION - 1) + "？", "en": "q" * POLL_QUESTION},
        "options": options,
        "explanation": {"zh": "解" * POLL_EXPLANATION, "en": "e" * POLL_EXPLANATION},
        "detail": {"zh": "详" * 1500, "en": "d" * 1500},
        "source": {"zh": "源" * 300, "en": "o" * 300},
    }
    bank = {
        "format": 1,
        "bank": {
            "id": "maxed",
            "topic": "card_skimming",
            "order": 1,
            "title": {"zh": "题" * 64, "en": "T" * 64},
            "description": {"zh": "述" * 500, "en": "D" * 500},
            "questions_per_quiz": 1,
        },
        "questions": [question],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "maxed.yaml").write_text(yaml.safe_dump(bank, allow_unicode=True), "utf-8")


async def test_f12_huge_names_and_maxed_content_fit_every_message(
    settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    quizzes = tmp_path / "quizzes"
    shutil.copytree(DATA / "quizzes", quizzes)
    maxed_bank(quizzes)
    bot = Harness(settings, clock, content_paths=[quizzes])
    await bot.start()
    try:
        bot.emu.add_user(42, HUGE * 80, language_code="zh-hans")  # 5,120 characters
        bot.emu.users[42].last_name = HUGE
        await bot.send(42, "/start")
        assert "你好" in bot.text(42)
        await bot.send(42, "/settings")
        await bot.press(42, bot.button(42, "显示我的名字"))
        await bot.send(42, "/start maxed")
        question = bot.last(42)
        assert tg_len(question.text or "") <= MESSAGE_TEXT
        await bot.press(42, bot.buttons(42)[0][1] or "")
        answered = bot.message(42, question.message_id)
        assert "✅" in (answered.text or "") or "❌" in (answered.text or "")
        await bot.press(42, bot.button(42, "查看成绩"))
        if "复习错题" in str(bot.buttons(42)):
            await bot.press(42, bot.button(42, "复习错题"))
        for command in ("/stats", "/leaderboard", "/mydata", "/help", "/quiz"):
            await bot.send(42, command)
        group = bot.emu.add_group("群" * 128, members=[42, OWNER], admins=[OWNER])
        await bot.send(OWNER, "/event_new maxed 1 30", chat_id=group)
        toast = await bot.press(42, bot.button(group, "报名"), chat_id=group)
        assert (toast or {})["text"].startswith("✅ 报名成功")
    finally:
        await bot.stop()


async def test_f7_a_long_reload_report_comes_as_a_page_and_a_file(
    settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    deep = tmp_path.joinpath(*["很长的文件夹名称" * 4] * 12)  # a long content path
    quizzes = deep / "quizzes"
    shutil.copytree(DATA / "quizzes", quizzes)
    bot = Harness(settings, clock, content_paths=[quizzes])
    await bot.start()
    try:
        for i in range(60):  # sixty broken files: hundreds of characters each
            (quizzes / f"broken-{i:02d}.yaml").write_text("format: 1\nbank: [\n", "utf-8")
        await bot.send(OWNER, "/reload")
        page = bot.emu.messages(OWNER)[-2]
        assert page.text is not None
        assert page.text.startswith("❌ 内容有 60 个错误，未加载")
        assert "另有" in page.text
        [report] = bot.emu.sent_files(OWNER)
        lines = (bot.emu.file_bytes(report.file_path) or b"").decode().splitlines()
        assert len(lines) == 60
        assert all("YAML syntax error" in line for line in lines)
        # The same command again answers again (no ten-minute silence).
        await bot.send(OWNER, "/reload")
        assert bot.text(OWNER) == "完整列表"
    finally:
        await bot.stop()


async def test_a_thousand_volunteers_are_a_page_and_a_file(bot: Harness) -> None:
    assert bot.repo is not None
    for user_id in range(1000, 2000):
        await bot.repo.players.add_volunteer(user_id, "志" * 64, OWNER, bot.clock())
    await bot.send(OWNER, "/volunteer list")
    page = bot.emu.messages(OWNER)[-2]
    assert (page.text or "").startswith("志愿者（1000 人）")
    assert "另有" in (page.text or "")
    [listing] = bot.emu.sent_files(OWNER)
    assert len((bot.emu.file_bytes(listing.file_path) or b"").decode().splitlines()) == 1000


async def test_the_leaderboard_shows_the_top_ten_of_many(bot: Harness) -> None:
    assert bot.repo is not None
    for user_id in range(5000, 5300):
        await bot.repo.people.ensure_user(user_id, "zh", bot.clock())
        await bot.repo.people.set_show_name(user_id, True, "名" * 32)
    await bot.send(42, "/leaderboard")
    assert bot.text(42).count("匿名学员") + bot.text(42).count("名" * 32) <= 10


def test_the_shipped_templates_have_room_for_their_frames() -> None:
    """A list page with no item must fit (fit_items relies on it)."""
    from bot.render import Renderer

    render = Renderer(ROOT / "content" / "templates")
    for lang in ("zh", "en"):
        empty = render(lang, "event_volunteer", action="list", lines=[], more=10**6, count=10**6)
        assert tg_len(empty) < 200
