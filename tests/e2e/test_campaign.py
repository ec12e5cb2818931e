"""A campaign over HTTP, as the preview page drives it: the organizer's links, three people
joining three units by deep link, their attempts, a certificate, the organizer's workbook read
back with openpyxl, and the certificate checked with /verify."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

from bot.domain.content import Catalog, Question, QuestionType
from bot.preview.runner import YOU
from tests.e2e.conftest import Match, Page, PreviewFactory, button, has_text, page_for

AUNTIE, ZHANG, ALICE = 10002, 10003, 10004  # the preview's people; Alice reads English
UNITS = {AUNTIE: "east", ZHANG: "park", ALICE: "school"}
OPTION = re.compile(r"^(?:☑️ )?([A-L])\. (.+)$")


def campaign_yaml(today: datetime) -> str:
    """Like content/campaigns/demo-315.yaml, on the test banks, running around today."""
    first, last = today.date() - timedelta(days=1), today.date() + timedelta(days=30)
    return f"""\
format: 1
campaign:
  id: e2e
  title: {{zh: 春季反诈竞赛, en: Spring anti-fraud contest}}
  first_day: "{first}"
  last_day: "{last}"
  timezone: Asia/Shanghai
  pool: {{banks: [example, cards]}}
  questions_per_attempt: 4
  time_limit_seconds: 600
  attempts_per_day: 3
  pass_mark: 4
  organizers: [{YOU}]
  lessons: [demo-l01]
units:
  - {{id: east, name: {{zh: 城东支行, en: East Branch}}, kind: branch, target: 10}}
  - {{id: park, name: {{zh: 公园社区, en: Park Community}}, kind: community, target: 4}}
  - {{id: school, name: {{zh: 实验小学, en: Experimental School}}, kind: school, target: 20}}
"""


def question_of(catalog: Catalog, text: str, lang: str) -> Question:
    found = [q for q in catalog.questions.values() if q.text.get(lang) in text]
    assert len(found) == 1, text
    return found[0]


def letters(text: str, question: Question, lang: str, *, correct: bool) -> list[str]:
    wanted = {o.text.get(lang) for o in question.options if o.correct == correct}
    return [m[1] for line in text.splitlines() if (m := OPTION.match(line)) and m[2] in wanted]


async def answer(
    page: Page, catalog: Catalog, user: int, message: dict[str, Any], *, correct: bool
) -> None:
    """Press what a person would press on the question's message, rightly or wrongly."""
    lang = "en" if user == ALICE else "zh"
    question = question_of(catalog, message["text"], lang)
    right = letters(message["text"], question, lang, correct=True)
    if question.type is not QuestionType.MULTIPLE:
        pick = right[0] if correct else letters(message["text"], question, lang, correct=False)[0]
        await page.press(user, user, message["id"], button(message, pick))
        return
    picks = right if correct else right[:1]  # one of several right options: wrong
    for count, letter in enumerate(picks, start=1):
        await page.press(user, user, message["id"], button(message, letter))
        message = await page.bot_message(user, user, ticked(message["id"], count), "a tick")
    await page.press(user, user, message["id"], button(message, "✅"))


def ticked(message_id: int, count: int) -> Any:
    return lambda m: (
        m["id"] == message_id
        and (sum(b["text"].startswith("☑️") for row in m["keyboard"] for b in row) == count)
    )


async def attempt(page: Page, catalog: Catalog, user: int, right: int) -> dict[str, Any]:
    """/campaign, start, four answers (the first ``right`` correct); the result message."""
    start, following = ("Start", "Next") if user == ALICE else ("开始答题", "下一题")
    await page.send(user, user, "/campaign")
    status = await page.bot_message(user, user, lambda m: bool(m["keyboard"]), "/campaign")
    await page.press(user, user, status["id"], button(status, start))
    for number in range(1, 5):
        question = await page.bot_message(user, user, asking(number), f"question {number}")
        await answer(page, catalog, user, question, correct=number <= right)
        if number < 4:
            answered = await page.bot_message(
                user, user, offering(question["id"], following), "the answer"
            )
            await page.press(user, user, answered["id"], button(answered, following))
    done = "This attempt" if user == ALICE else "本次成绩"
    return await page.bot_message(user, user, has_text(done), "the attempt's result")


def asking(number: int) -> Match:
    """A question's own message (not yet edited into its answer)."""
    return lambda m: f"{number}/4" in (m["text"] or "") and not m["edited"]


def offering(message_id: int, label: str) -> Match:
    """That message, edited into the answer, with the button ``label``."""
    return lambda m: (
        m["id"] == message_id and any(label in b["text"] for row in m["keyboard"] for b in row)
    )


async def download(page: Page, file: dict[str, Any]) -> bytes:
    async with page.session.get(page.url + file["url"]) as response:
        assert response.status == 200
        return await response.read()


async def test_a_campaign_from_posters_to_the_organizers_workbook(
    make_preview: PreviewFactory, content_dirs: tuple[Path, Path]
) -> None:
    _, content = content_dirs
    (content / "campaigns").mkdir()
    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    (content / "campaigns" / "e2e.yaml").write_text(campaign_yaml(today), encoding="utf-8")
    preview = await make_preview()
    catalog = preview.content.catalog
    assert "e2e" in catalog.campaigns
    async with page_for(preview) as page:
        # The organizer gets every unit's link and poster in chat.
        await page.send(YOU, YOU, "/campaign_links")
        links = await page.bot_message(YOU, YOU, has_text("各单位的参赛链接"), "the links")
        urls = re.findall(r"https://t\.me/\w+\?start=([\w-]+)", links["text"])
        assert urls == ["C-e2e-U-east", "C-e2e-U-park", "C-e2e-U-school"]
        posters = await page.until(
            lambda: _photos(page, YOU, 3), "three QR posters", seconds=30
        )  # fmt: skip
        assert all(p["photo"]["mime_type"] in (None, "image/png") for p in posters)

        # Three people open three units' links: the page turns them into /start <payload>.
        for user, unit in UNITS.items():
            await page.send(user, user, f"/start C-e2e-U-{unit}")
            welcome = "Welcome to" if user == ALICE else "欢迎参加"
            await page.bot_message(user, user, has_text(welcome), f"{unit} joined")

        best = await attempt(page, catalog, AUNTIE, right=4)
        assert "4/4" in best["text"]
        await page.press(AUNTIE, AUNTIE, best["id"], button(best, "显示我的名字"))
        certificate = await page.bot_message(
            AUNTIE, AUNTIE, lambda m: "photo" in m and "合格证书" in (m["caption"] or ""),
            "the certificate",
        )  # fmt: skip
        png = await download(page, certificate["photo"])
        assert png.startswith(b"\x89PNG")
        code = re.search(r"验证码 ([0-9A-Z]{4}-[0-9A-Z]{4})", certificate["caption"])
        assert code is not None
        assert "2/4" in (await attempt(page, catalog, ZHANG, right=2))["text"]
        assert "1/4" in (await attempt(page, catalog, ALICE, right=1))["text"]

        # The organizer's report, read back with the spreadsheet library.
        await page.send(YOU, YOU, "/campaign_report")
        report = await page.bot_message(YOU, YOU, lambda m: "document" in m, "the workbook")
        assert report["document"]["file_name"].startswith("e2e-")
        book = openpyxl.load_workbook(io.BytesIO(await download(page, report["document"])))
        assert book.sheetnames == ["汇总", "单位", "主题", "题目", "每日"]
        summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
        assert summary["参赛人数"] == 3
        assert summary["答题次数（已开始）"] == 3
        assert summary["达到合格线的人数"] == 1
        units = {row[1]: row for row in book["单位"].iter_rows(min_row=2, values_only=True)}
        assert {unit: row[5] for unit, row in units.items()} == dict.fromkeys(UNITS.values(), 1)
        assert units["park"][6] == 0.25  # 1 of a target of 4
        answered = sum(
            int(str(row[3])) for row in book["题目"].iter_rows(min_row=2, values_only=True)
        )
        assert answered == 12  # every answer of the three attempts, once
        await page.bot_message(YOU, YOU, lambda m: "photo" in m and m["id"] > report["id"],
                               "the dashboard")  # fmt: skip

        # Anyone can check the certificate.
        await page.send(ZHANG, ZHANG, f"/verify {code[1]}")
        valid = await page.bot_message(ZHANG, ZHANG, has_text("证书有效"), "the check")
        assert "王阿姨" in valid["text"]
        assert "城东支行" in valid["text"]
    assert not preview.emulator.failures, preview.emulator.failures


async def _photos(page: Page, chat: int, count: int) -> list[dict[str, Any]] | None:
    found = [m for m in await page.messages(chat, chat) if "photo" in m]
    return found if len(found) >= count else None
