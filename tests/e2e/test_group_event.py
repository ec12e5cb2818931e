"""A volunteer's quiz event in the demo group with three people, through the real bot."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import openpyxl

from bot.preview.runner import YOU, Preview
from tests.e2e.conftest import Page, button, edited, has_text

AUNT, UNCLE = 10002, 10003


def with_poll(message: dict[str, Any]) -> bool:
    return "poll" in message


def with_photo(message: dict[str, Any]) -> bool:
    return "photo" in message


def with_document(message: dict[str, Any]) -> bool:
    return "document" in message


async def test_group_event_with_three_players(preview: Preview, page: Page) -> None:
    group = preview.group_id
    await page.send(YOU, YOU, "/start")  # the host can receive the report privately
    await page.bot_message(YOU, YOU, has_text("欢迎"), "the welcome")

    await page.send(YOU, group, "/event_new example 1 10")
    lobby = await page.bot_message(group, YOU, has_text("报名中"), "the lobby")
    queries = [
        await page.press(user, group, lobby["id"], button(lobby, "报名"))
        for user in (YOU, AUNT, UNCLE)
    ]

    async def all_joined() -> bool:
        answers = (await page.get(f"/api/chats/{group}?user={YOU}"))["answers"]
        return all("报名成功" in (answers.get(q) or {}).get("text", "") for q in queries)

    await page.until(all_joined, "three joins")

    await page.send(YOU, group, "/event_start")
    message = await page.bot_message(group, YOU, with_poll, "the quiz poll", seconds=20)
    poll = preview.emulator.polls[message["poll"]["id"]]
    assert (poll.type, poll.is_anonymous, poll.open_period) == ("quiz", False, 10)
    right = list(poll.correct_option_ids)  # all of them on a multiple-answer question
    wrong = next(i for i in range(len(poll.options)) if i not in right)
    await page.vote(YOU, poll.id, right)
    await page.vote(AUNT, poll.id, right)
    await page.vote(UNCLE, poll.id, [wrong])
    # A voter sees the answer and the explanation on the poll (wherever it is in the chat).
    [seen] = [m for m in await page.messages(group, AUNT) if m["id"] == message["id"]]
    assert seen["poll"]["correct_option_ids"] == poll.correct_option_ids
    assert seen["poll"]["my_vote"] == right

    await page.send(YOU, group, "/event_next")  # close early if the budget allows; else timer
    podium = await page.bot_message(group, YOU, has_text("竞赛结束"), "the podium", seconds=30)
    text = podium["text"]
    assert "小林" in text
    assert "王阿姨" in text
    assert "参加人数：3" in text
    assert poll.is_closed

    picture = await page.bot_message(group, YOU, with_photo, "the results picture")
    report = await page.bot_message(YOU, YOU, with_document, "the results workbook")
    async with aiohttp.ClientSession() as http:
        async with http.get(preview.url + picture["photo"]["url"]) as response:
            assert response.status == 200
            assert (await response.read()).startswith(b"\x89PNG")
        async with http.get(preview.url + report["document"]["url"]) as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            book = openpyxl.load_workbook(io.BytesIO(await response.read()), read_only=True)
    assert report["document"]["file_name"].endswith(".xlsx")
    names = [row[1] for row in book["成绩"].iter_rows(min_row=2, values_only=True)]
    assert {"王阿姨", "老张"} <= set(names)
    assert book["每道题"]["A1"].value == "题号"
    refused = [
        (call.method, error.description)
        for call, error in preview.emulator.failures
        if "poll has already been closed" not in error.description  # the timer won the race
    ]
    assert refused == []


async def test_a_volunteer_opens_an_event_with_buttons(preview: Preview, page: Page) -> None:
    """``/event_new`` alone, then three presses: bank, questions, seconds; the message becomes
    the lobby. Over HTTP, as the web page does it."""
    group = preview.group_id
    await page.send(YOU, group, "/event_new")
    setup = await page.bot_message(group, YOU, has_text("第 1 步（共 3 步）"), "the set-up")
    await page.press(YOU, group, setup["id"], button(setup, "示例题库"))
    step2 = await page.bot_message(group, YOU, edited(setup["id"], "第 2 步"), "step 2")
    count = next(b["text"] for row in step2["keyboard"] for b in row if "道题" in b["text"])
    await page.press(YOU, group, setup["id"], button(step2, count))
    step3 = await page.bot_message(group, YOU, edited(setup["id"], "第 3 步"), "step 3")
    await page.press(YOU, group, setup["id"], button(step3, "30 秒"))
    lobby = await page.bot_message(group, YOU, edited(setup["id"], "报名中"), "the lobby")
    assert "每题 30 秒" in lobby["text"]
    assert button(lobby, "报名")
