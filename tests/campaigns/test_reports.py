"""`quizbot campaign links | report | verify`, read back as an organizer would."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import segno
from openpyxl import load_workbook
from PIL import Image

from bot.campaign_pictures import QR_BORDER, QR_SCALE
from bot.cli import main
from bot.domain.campaigns import join_payload, pool_questions
from bot.emulator.core import BotApiEmulator
from bot.emulator.server import EmulatorServer
from bot.services.campaigns import AttemptStarted, CampaignService
from bot.storage.repository import Repository
from tests.campaigns.conftest import DEMO, T0, answer_all, person
from tests.harness import ROOT


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for key in (
        "QUIZZES_DIR",
        "CONTENT_DIR",
        "DATABASE_PATH",
        "BOT_USERNAME",
        "TELEGRAM_BOT_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("QUIZZES_DIR", str(ROOT / "quizzes"))
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    return tmp_path


def test_links_write_a_poster_per_unit_whose_qr_code_holds_the_link(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["campaign", "links", DEMO, "--out", "posters", "--bot", "@my315_bot"]) == 0
    text = (env / "posters" / "links.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["unit_id"] for r in rows] == [
        "east-branch", "sunshine", "no1-middle", "tech-park", "seniors-uni",
    ]  # fmt: skip
    first = rows[0]
    assert first["link"] == "https://t.me/my315_bot?start=C-demo-315-U-east-branch"
    assert first["kind"] == "branch"
    with Image.open(env / "posters" / first["qr_png"]) as image:
        poster = image.convert("L")
    # Read the code back module by module and compare with the link's QR matrix.
    matrix = segno.make(first["link"], error="m", micro=False).matrix
    side = len(matrix) + 2 * QR_BORDER
    left = (poster.width - side * QR_SCALE) // 2
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            px = left + (x + QR_BORDER) * QR_SCALE + QR_SCALE // 2
            py = 130 + (y + QR_BORDER) * QR_SCALE + QR_SCALE // 2
            shade = poster.getpixel((px, py))
            assert isinstance(shade, int)
            assert (shade < 128) == bool(dark)
    assert "warning" not in capsys.readouterr().err


def test_links_without_a_username_warn_and_use_the_previews(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["campaign", "links", DEMO]) == 0
    captured = capsys.readouterr()
    assert "warning: no bot username" in captured.err
    assert "https://t.me/quiz315_bot?start=C-demo-315-U-sunshine" in captured.out
    assert (env / f"{DEMO}-links" / "sunshine.png").is_file()


def test_links_use_the_bot_username_setting(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_USERNAME", "@fanzha315_bot")
    assert main(["campaign", "links", DEMO, "--out", "p"]) == 0
    assert "https://t.me/fanzha315_bot?start=" in capsys.readouterr().out


def test_a_bad_bot_username_setting_is_a_configuration_error(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_USERNAME", "not a bot")
    assert main(["campaign", "links", DEMO]) == 2
    assert "BOT_USERNAME='not a bot' is not a bot's username" in capsys.readouterr().err


def test_unknown_campaign(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaign", "links", "nope"]) == 1
    assert "no campaign 'nope' (known: demo-315)" in capsys.readouterr().err


async def make_database(path: Path, service_factory) -> None:
    repo = await Repository.open(path)
    try:
        service: CampaignService = service_factory(repo)
        units = ["east-branch", "sunshine", "no1-middle"]
        for user_id in range(1, 10):
            await person(repo, user_id)
            unit = units[user_id % 3]
            await service.join(user_id, join_payload(DEMO, unit), T0)
            for day, right in ((0, 4), (2, 9)):
                now = T0 + timedelta(days=day)
                started = await service.start_attempt(user_id, DEMO, now)
                assert isinstance(started, AttemptStarted)
                end = await answer_all(service, started, right if user_id > 3 else 5, now)
                await service.finish_session(started.session.id, end)
        await service.issue_certificate(4, DEMO, T0 + timedelta(days=2))
    finally:
        await repo.close()


def sheet_values(book, name: str) -> list[list]:
    return [[c.value for c in row] for row in book[name].iter_rows()]


async def test_report_workbook_and_dashboard_read_back(
    env: Path, content, capsys: pytest.CaptureFixture[str]
) -> None:
    await make_database(env / "bot.sqlite3", lambda repo: CampaignService(repo, content))
    import asyncio

    code = await asyncio.to_thread(
        main, ["campaign", "report", DEMO, "--xlsx", "out/report.xlsx", "--lang", "zh"]
    )
    assert code == 0
    book = load_workbook(env / "out" / "report.xlsx")
    assert book.sheetnames == ["汇总", "单位", "主题", "题目", "每日"]
    summary = {row[0]: row[1] for row in sheet_values(book, "汇总")[1:]}
    assert summary["参赛人数"] == 9
    assert summary["答题次数（已开始）"] == 18
    assert summary["达到合格线的人数"] == 6
    assert summary["可计算提升的人数"] == 9
    units = sheet_values(book, "单位")
    assert units[0][:9] == [
        "排名", "单位编号", "单位", "类型", "目标人数", "参赛人数", "参与率", "平均最好成绩",
        "群活动覆盖人数（另计）",
    ]  # fmt: skip
    by_id = {row[1]: row for row in units[1:]}
    assert by_id["sunshine"][5] == 3
    assert by_id["sunshine"][6] == pytest.approx(3 / 200)
    assert by_id["tech-park"][5] == 0
    topics = sheet_values(book, "主题")
    assert len(topics) == 6  # five topics of the pool
    questions = sheet_values(book, "题目")
    assert questions[0][:5] == ["题号", "主题", "题目", "作答人数", "正确率"]
    # Each person's first answer to a question, as in the editors' report; attempts avoid a
    # person's earlier questions here, so that is every answer: 9 people x 2 attempts x 10.
    assert sum(row[3] for row in questions[1:]) == 180
    assert len(questions) - 1 == len(pool_questions(content.catalog.campaigns[DEMO],
                                                    content.catalog.banks))  # fmt: skip
    wrong = [row for row in questions[1:] if row[5]]
    assert wrong  # someone chose a wrong option: it is named by its text
    for row in wrong:  # ... and it is never a key
        question = content.catalog.questions[row[0]]
        keys = {question.options[i].text.zh for i in question.correct_indices}
        assert row[5] not in keys
    days = sheet_values(book, "每日")
    assert days[0] == ["日期", "新增参赛人数", "答题次数"]
    with Image.open(env / "out" / "report.png") as dashboard:
        assert dashboard.size[0] == 1280
    assert capsys.readouterr().out.split() == ["out/report.xlsx", "out/report.png"]


async def test_report_of_an_empty_campaign_has_every_sheet_with_zeros(env: Path, content) -> None:
    repo = await Repository.open(env / "bot.sqlite3")
    await repo.close()
    import asyncio

    code = await asyncio.to_thread(
        main, ["campaign", "report", DEMO, "--xlsx", "r.xlsx", "--lang", "en"]
    )
    assert code == 0
    book = load_workbook(env / "r.xlsx")
    assert book.sheetnames == ["Summary", "Units", "Topics", "Questions", "Days"]
    summary = {row[0]: row[1] for row in sheet_values(book, "Summary")[1:]}
    assert summary["Participants"] == 0
    assert summary["Reach (participants and group-event players, each once)"] == 0
    assert [row[5] for row in sheet_values(book, "Units")[1:]] == [0, 0, 0, 0, 0]
    assert len(sheet_values(book, "Topics")) == 6
    questions = sheet_values(book, "Questions")
    assert questions[0] == [
        "Question id", "Topic", "Question", "People who answered", "Accuracy",
        "Most chosen wrong option", "Share of that option",
    ]  # fmt: skip
    pool = pool_questions(content.catalog.campaigns[DEMO], content.catalog.banks)
    assert [row[0] for row in questions[1:]] == [q.id for q in pool]  # every question, zeros
    assert {(row[3], row[4], row[5]) for row in questions[1:]} == {(0, None, None)}
    assert len(sheet_values(book, "Days")) > 1
    assert (env / "r.png").stat().st_size > 10_000


async def test_verify_from_the_command_line(
    env: Path, content, capsys: pytest.CaptureFixture[str]
) -> None:
    await make_database(env / "bot.sqlite3", lambda repo: CampaignService(repo, content))
    repo = await Repository.open(env / "bot.sqlite3")
    cert = await repo.campaigns.certificate(DEMO, 4)
    await repo.close()
    assert cert is not None
    import asyncio

    typed = cert.code.lower()
    assert await asyncio.to_thread(main, ["campaign", "verify", typed, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Valid certificate" in out
    assert "Score: 9 / 10" in out
    assert "Unit: Sunshine Community" in out
    assert await asyncio.to_thread(main, ["campaign", "verify", "ZZZZ-ZZZZ"]) == 1
    assert "没有找到" in capsys.readouterr().out


def test_dashboard_picture_and_workbook_bytes_are_images_and_zip(content) -> None:
    from bot.campaign_render import Labels, report_dashboard, report_workbook
    from bot.domain.campaign_stats import ReportInput, build_report
    from bot.render import Renderer
    from bot.services.campaigns import zone

    campaign = content.catalog.campaigns[DEMO]
    tz = zone(campaign.timezone)
    report = build_report(campaign, ReportInput([], [], [], [], {}, 0), {}, [], tz, T0)
    label = Labels(Renderer(ROOT / "content" / "templates"), "zh")
    png = report_dashboard(report, content.catalog, label)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
    assert report_workbook(report, content.catalog, label)[:2] == b"PK"


async def test_links_ask_telegram_for_the_username_when_a_token_is_set(tmp_path: Path) -> None:
    """No --bot and no BOT_USERNAME, but a token: getMe names the bot (here, an emulator)."""
    token = "123456789:AAFakeTokenForTestsOnly_abcdefghij"
    emulator = BotApiEmulator(token=token, bot_username="branch315_bot")
    server = EmulatorServer(emulator, port=0)
    await server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(
            TELEGRAM_BOT_TOKEN=token,
            TELEGRAM_BASE_URL=server.api_base_url,
            QUIZZES_DIR=str(ROOT / "quizzes"),
            CONTENT_DIR=str(ROOT / "content"),
            PYTHONPATH=str(ROOT),
        )
        env.pop("BOT_USERNAME", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "campaign", "links", DEMO, "--out", "p",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        await server.stop()
    assert proc.returncode == 0, err.decode()
    assert "https://t.me/branch315_bot?start=C-demo-315-U-east-branch" in out.decode()
    assert "warning" not in err.decode()
    assert [call.method for call in emulator.calls] == ["getMe"]


def test_links_say_so_when_telegram_cannot_be_asked(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAFakeTokenForTestsOnly_abcdefghij")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")  # nobody listens
    assert main(["campaign", "links", DEMO, "--out", "p"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("quizbot: could not ask Telegram for the bot's username (")
    assert err.strip().endswith("use --bot or set BOT_USERNAME")
    assert "AAFake" not in err
    assert not (env / "p").exists()


def test_a_short_campaign_gets_a_bar_a_day_a_long_one_a_bar_a_week() -> None:
    """Two months of days stay daily; a year would be 1-px bars, so it is drawn by week (the
    workbook's days sheet stays daily), every participant counted once."""
    from datetime import date

    from bot.campaign_render import DAILY_BARS, new_participant_bars

    first = date(2026, 3, 1)
    short = [(first + timedelta(days=i), i % 3) for i in range(DAILY_BARS)]
    bars, weekly = new_participant_bars(short)
    assert not weekly
    assert bars[:3] == [("3-1", 0), ("3-2", 1), ("3-3", 2)]
    assert len(bars) == DAILY_BARS

    year = [(first + timedelta(days=i), 1) for i in range(365)]
    year[0] = (first, 58)
    bars, weekly = new_participant_bars(year)
    assert weekly
    assert len(bars) == 53  # 52 full weeks and one day
    assert bars[0] == ("3-1", 58 + 6)
    assert bars[1] == ("3-8", 7)
    assert bars[-1] == ("2-28", 1)
    assert sum(n for _, n in bars) == sum(n for _, n in year)
