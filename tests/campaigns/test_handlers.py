"""Campaigns in chat, through the real Application and the Bot API emulator.

The campaign is ``tests/campaigns/data/spring.yaml``: 4 questions of the test banks, two
minutes, two attempts a day, a certificate from 3 right, 10–20 March 2026 in Shanghai. The
clock starts on 15 March at 10:00 there.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import openpyxl

from bot.actions import (
    CampaignBoard,
    ChangeUnit,
    GetCertificate,
    ShowCampaign,
    StartAttempt,
)
from bot.context import SERVICES_KEY, Services
from bot.domain.quiz import Streak, learn, question_version
from bot.handlers import campaigns as campaign_handlers
from bot.storage.repository import AnswerWrite
from tests.handlers.test_quiz import answer
from tests.harness import Harness

CAMPAIGN = "spring"
USER = 42
OTHER = 43
ORGANIZER = 900
OPERATOR = 1  # OWNER_IDS in the test settings
MEMBER = 77


def svc_of(bot: Harness) -> Services:
    assert bot.app is not None
    found = bot.app.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


async def join(bot: Harness, unit: str, user: int = USER) -> None:
    await bot.send(user, f"/start C-{CAMPAIGN}-U-{unit}")


async def begin(bot: Harness, user: int = USER) -> None:
    """/campaign, then its start (or continue) button."""
    await bot.send(user, "/campaign")
    await bot.press(user, bot.button(user, "答题"))


async def play(
    bot: Harness, right: int, *, user: int = USER, count: int = 4, step: float = 5
) -> None:
    """Answer ``count`` questions of the running attempt, the first ``right`` correctly."""
    for position in range(count):
        bot.clock.advance(seconds=step)
        await answer(bot, correct=position < right, user_id=user)
        if position < 3:
            await bot.press(user, bot.button(user, "下一题"))


def texts(bot: Harness, chat: int) -> list[str]:
    mine = [m for m in bot.emu.messages(chat) if m.from_id == bot.emu.bot.id]
    return [m.text or m.caption or "" for m in mine]


async def unit_of(bot: Harness, user: int = USER) -> str | None:
    assert bot.repo is not None
    member = await bot.repo.campaigns.member(CAMPAIGN, user)
    return member.unit_id if member else None


async def attempts(bot: Harness, user: int = USER) -> list[tuple[int | None, bool]]:
    assert bot.repo is not None
    found = []
    for result in await bot.repo.campaigns.results(CAMPAIGN, user):
        attempt = await bot.repo.campaigns.get_attempt(result.attempt_id)
        assert attempt is not None
        found.append((attempt.correct, attempt.expired))
    return found


# --- joining ----------------------------------------------------------------------------------


async def test_joining_by_a_units_link(cbot: Harness) -> None:
    await join(cbot, "east")
    text = cbot.text(USER)
    assert "🎉 欢迎参加 春季反诈竞赛！" in text
    assert "你已加入：城东支行" in text
    assert "每天可答 2 次，每次 4 题、限时 2 分钟" in text
    assert [label for label, _ in cbot.buttons(USER)] == ["▶️ 开始答题", "🔔 订阅每日一课"]
    await join(cbot, "east")  # the same link again: nothing changes
    assert "你已经是 城东支行 的参赛者了" in cbot.text(USER)
    assert cbot.repo is not None
    member = await cbot.repo.campaigns.member(CAMPAIGN, USER)
    assert member is not None
    assert (member.unit_id, member.changed_at) == ("east", None)


async def test_bad_links_get_a_friendly_answer_and_the_menu(cbot: Harness) -> None:
    for payload, expected in (
        ("C-nope-U-east", "这个活动链接无效或活动已不存在"),
        ("C-garbage", "这个活动链接无效或活动已不存在"),
        (f"C-{CAMPAIGN}-U-nowhere", "「春季反诈竞赛」中没有这个单位"),
    ):
        await cbot.send(USER, f"/start {payload}")
        assert expected in cbot.text(USER)
        assert "示例题库" in [label for label, _ in cbot.buttons(USER)]  # the bank menu
    cbot.clock.now = datetime.fromisoformat("2026-03-09T23:59+08:00")
    await join(cbot, "east")
    assert "「春季反诈竞赛」将于 2026-03-10 开始" in cbot.text(USER)
    cbot.clock.now = datetime.fromisoformat("2026-03-21T00:00+08:00")
    await join(cbot, "east")
    assert "「春季反诈竞赛」已经结束" in cbot.text(USER)
    assert cbot.repo is not None
    assert await cbot.repo.campaigns.memberships(USER) == []
    await cbot.send(USER, "/start example")  # a bank's deep link still starts its quiz
    assert "📘 示例题库 · 第 1/3 题" in cbot.text(USER)


async def test_a_person_changes_unit_once_after_confirming(cbot: Harness) -> None:
    await join(cbot, "east")
    await join(cbot, "park")
    offer = cbot.last(USER)
    assert "你目前属于 城东支行。要改为 公园社区 吗？" in (offer.text or "")
    assert [label for label, _ in cbot.buttons(USER)] == ["✅ 改为 公园社区", "保持现在的单位"]
    assert cbot.repo is not None
    assert await unit_of(cbot) == "east"
    await cbot.press(USER, cbot.button(USER, "改为"))
    changed = cbot.message(USER, offer.message_id).text or ""
    assert "✅ 已改为 公园社区。单位只能更改这一次。" in changed
    await cbot.redeliver_last()  # the confirmation delivered twice: still one change
    member = await cbot.repo.campaigns.member(CAMPAIGN, USER)
    assert member is not None
    assert member.unit_id == "park"
    assert member.changed_at is not None
    await join(cbot, "school")  # a second change is refused
    assert "你已经更改过一次单位，目前属于 公园社区，不能再改了" in cbot.text(USER)
    assert await unit_of(cbot) == "park"


# --- /campaign and attempts ------------------------------------------------------------------


async def test_campaign_shows_unit_best_rank_and_attempts_left(cbot: Harness) -> None:
    await cbot.send(USER, "/campaign")
    assert "你还没有参加任何活动" in cbot.text(USER)
    await join(cbot, "east")
    await cbot.send(USER, "/campaign")
    status = cbot.text(USER)
    assert "我的单位：城东支行" in status
    assert "还没有完成的答题" in status
    assert "今天还可以答 2 次" in status
    await cbot.press(USER, cbot.button(USER, "开始答题"))
    await play(cbot, right=3)
    await join(cbot, "park", user=OTHER)
    await begin(cbot, user=OTHER)
    await play(cbot, right=2, user=OTHER)
    await cbot.send(OTHER, "/campaign")
    status = cbot.text(OTHER)
    assert "我的单位：公园社区" in status
    assert "最好成绩：2/4 题 · 用时 20 秒 · 第 2 / 2 名" in status
    assert "今天还可以答 1 次" in status
    assert [label for label, _ in cbot.buttons(OTHER)] == ["▶️ 开始答题", "📊 单位排行"]
    await cbot.press(OTHER, cbot.button(OTHER, "单位排行"))
    board = cbot.text(OTHER)
    assert "📊 春季反诈竞赛 · 单位排行" in board
    assert "1. 公园社区：1 人 · 参与率 20% · 平均最好 2.0 题" in board
    assert "2. 城东支行：1 人 · 参与率 10% · 平均最好 3.0 题" in board


async def test_an_attempt_uses_the_quiz_screens_and_ends_with_its_result(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    intro, question = texts(cbot, USER)[-2:]
    assert "⏱️ 开始答题：共 4 题，限时 2 分钟，超时未答的题按答错计。今天还剩 1 次。" in intro
    assert question.startswith("📘 春季反诈竞赛 · 第 1/4 题\n░░░░░░░░░░\n⏱️ 剩余 2 分 00 秒")
    await play(cbot, right=3)
    last_answer = cbot.emu.messages(USER)[-2]
    assert "回答" in (last_answer.text or "")
    # no "see result" (the result follows), only 纠错
    assert [b["text"] for row in last_answer.inline_keyboard for b in row] == ["⚠️ 纠错"]
    result = cbot.text(USER)
    assert "🏁 答题完成！" in result
    assert "本次成绩：3/4 题 · 用时 20 秒" in result
    assert "🎉 这是你的最好成绩！" in result
    assert "🎓 恭喜达到合格线，可以领取证书！" in result
    assert [label for label, _ in cbot.buttons(USER)] == [
        "🎓 领取证书（显示我的名字）",
        "🎓 领取证书（匿名）",
        "📖 复习错题",
        "🔁 再答一次",
        "📊 单位排行",
    ]
    assert await attempts(cbot) == [(3, False)]
    await cbot.press(USER, cbot.button(USER, "复习错题"))  # the quiz's review works too
    assert "错题" in cbot.text(USER)


async def test_attempts_per_day_then_the_time_the_next_one_opens(cbot: Harness) -> None:
    await join(cbot, "east")
    for right in (1, 2):
        await begin(cbot)
        await play(cbot, right=right)
    await cbot.press(USER, cbot.button(USER, "再答一次"))
    assert "今天的 2 次机会已用完，03月16日 00:00 起可以再答。" in cbot.text(USER)
    await cbot.send(USER, "/campaign")
    assert "今天的次数已用完，03月16日 00:00 起可以再答。" in cbot.text(USER)
    assert [label for label, _ in cbot.buttons(USER)] == ["📊 单位排行"]
    assert len(await attempts(cbot)) == 2
    cbot.clock.now = datetime.fromisoformat("2026-03-16T00:00+08:00")  # the campaign's day
    await begin(cbot)
    assert "今天还剩 1 次" in texts(cbot, USER)[-2]


async def test_time_running_out_counts_unanswered_questions_as_wrong(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    await answer(cbot, correct=True)
    await cbot.press(USER, cbot.button(USER, "下一题"))
    question = cbot.last(USER)
    cbot.clock.advance(seconds=121)
    await answer(cbot, correct=True)  # too late
    assert cbot.message(USER, question.message_id).inline_keyboard == []
    result = cbot.text(USER)
    assert "⌛ 时间到！" in result
    assert "本次成绩：1/4 题 · 用时 120 秒" in result
    assert "答对 3 题可获得证书" in result
    assert await attempts(cbot) == [(1, True)]
    assert cbot.repo is not None
    user = await cbot.repo.people.get_user(USER)
    assert user is not None
    assert user.answered == 1  # the late answer taught nothing and counted nothing


async def test_a_late_answer_gets_the_time_up_toast(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    cbot.clock.advance(seconds=200)
    letter = cbot.buttons(USER)[0][1]
    assert letter is not None
    toast = await cbot.press(USER, letter)
    assert toast is not None
    assert toast["text"] == "时间到了，这次作答不再计分。"
    assert await attempts(cbot) == [(0, True)]  # closed, with nothing answered


async def test_the_job_closes_overdue_and_crash_left_attempts_once(cbot: Harness) -> None:
    await join(cbot, "east")
    await join(cbot, "park", user=OTHER)
    await begin(cbot)
    await answer(cbot, correct=True)
    await begin(cbot, user=OTHER)
    assert cbot.repo is not None
    session = await cbot.repo.quizzes.open_session(OTHER)
    assert session is not None
    for position, qid in enumerate(session.question_ids):  # answered, then the process died
        question = cbot.content.catalog.questions[qid]
        learned = learn(OTHER, question, True, 10, None, Streak(), cbot.clock().date())
        await cbot.repo.quizzes.record_answer(
            AnswerWrite(session.id, position, question.correct_indices, cbot.clock(), 1.0,
                        question_version(question), learned)
        )  # fmt: skip
    assert cbot.app is not None
    await campaign_handlers.run_job(cbot.app.bot, svc_of(cbot))
    assert "🏁 答题完成！" in cbot.text(OTHER)
    assert "本次成绩：4/4 题" in cbot.text(OTHER)
    assert await attempts(cbot) == []  # still running for USER
    cbot.clock.advance(minutes=3)
    await campaign_handlers.run_job(cbot.app.bot, svc_of(cbot))
    await campaign_handlers.run_job(cbot.app.bot, svc_of(cbot))
    assert "⌛ 时间到！" in cbot.text(USER)
    assert sum("⌛ 时间到！" in t for t in texts(cbot, USER)) == 1
    assert await attempts(cbot) == [(1, True)]
    answered = cbot.emu.messages(USER)[-2]  # the first question, answered
    toast = await cbot.press(
        USER, cbot.button(USER, "下一题", answered.message_id), message_id=answered.message_id
    )
    assert toast is not None
    assert toast["text"] == "时间到了，这次作答不再计分。"


async def test_a_duplicate_update_never_counts_twice(cbot: Harness) -> None:
    await join(cbot, "east")
    await cbot.send(USER, "/campaign")
    await cbot.press(USER, cbot.button(USER, "开始答题"))
    await cbot.redeliver_last()  # the start, twice: the same attempt, shown again
    assert "继续上次的答题" in texts(cbot, USER)[-2]
    for position in range(4):
        await answer(cbot, correct=True)
        await cbot.redeliver_last()  # every answer delivered twice
        if position < 3:
            await cbot.press(USER, cbot.button(USER, "下一题"))
    assert sum("🏁 答题完成！" in t for t in texts(cbot, USER)) == 1
    assert await attempts(cbot) == [(4, False)]
    assert cbot.repo is not None
    user = await cbot.repo.people.get_user(USER)
    assert user is not None
    assert (user.answered, user.correct) == (4, 4)


async def test_an_attempt_survives_a_restart(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    for _ in range(2):
        await answer(cbot, correct=True)
        await cbot.press(USER, cbot.button(USER, "下一题"))
    await cbot.restart()
    await cbot.send(USER, "/campaign")
    assert "你有一次答题正在进行，继续作答吧。" in cbot.text(USER)
    await cbot.press(USER, cbot.button(USER, "继续答题"))
    assert "⏱️ 继续上次的答题" in texts(cbot, USER)[-2]
    assert "第 3/4 题" in cbot.text(USER)
    await answer(cbot, correct=True)
    await cbot.press(USER, cbot.button(USER, "下一题"))
    await answer(cbot, correct=False)
    assert "本次成绩：3/4 题" in cbot.text(USER)
    assert await attempts(cbot) == [(3, False)]


async def test_forged_presses_on_campaign_buttons_change_nothing(cbot: Harness) -> None:
    await join(cbot, "east")
    group = cbot.emu.add_group("反诈演练群", members=[USER, MEMBER], admins=[USER])
    await cbot.send(USER, "/help", chat_id=group)
    before = len(cbot.emu.messages(group))
    forged = [
        StartAttempt(CAMPAIGN),
        ChangeUnit.to(CAMPAIGN, "park"),
        ShowCampaign(CAMPAIGN),
        CampaignBoard(CAMPAIGN),
        GetCertificate(CAMPAIGN, True),
    ]
    for action in forged:
        for presser in (MEMBER, USER):  # a stranger, and the member themself, in a group
            toast = await cbot.forge_press(presser, action.encode(), chat_id=group)
            assert toast is not None
            assert toast["text"] == "这个按钮只在你和机器人的私聊里有效。"
    assert len(cbot.emu.messages(group)) == before
    assert cbot.repo is not None
    assert await cbot.repo.people.get_user(MEMBER) is None
    # In their own chat, on a message that never offered them: still nothing.
    await cbot.send(USER, "/help")
    for action in (ChangeUnit.to(CAMPAIGN, "park"), GetCertificate(CAMPAIGN, True)):
        toast = await cbot.forge_press(USER, action.encode())
        assert toast is not None
        assert toast["text"] == "这条消息已过期，发送 /campaign 查看活动。"
    toast = await cbot.forge_press(USER, "u:spring-X-park")  # not a campaign and unit
    assert toast is not None
    assert toast["text"] == "这个按钮无效或已过期。"
    assert await unit_of(cbot) == "east"
    assert await cbot.repo.campaigns.certificate(CAMPAIGN, USER) is None
    assert await cbot.repo.campaigns.open_attempt(CAMPAIGN, USER) is None


async def test_old_campaign_buttons_are_dead_after_forget(cbot: Harness) -> None:
    await join(cbot, "east")
    await cbot.send(USER, "/campaign")
    status = cbot.last(USER)
    await cbot.send(USER, "/forget")
    await cbot.press(USER, cbot.button(USER, "确认删除"))
    start = cbot.button(USER, "开始答题", status.message_id)
    toast = await cbot.press(USER, start, message_id=status.message_id)
    assert toast is not None
    assert toast["text"] == "请先发送 /start 开始使用。"
    assert cbot.repo is not None
    assert await cbot.repo.people.get_user(USER) is None
    assert await cbot.repo.campaigns.memberships(USER) == []


# --- certificates and /verify ------------------------------------------------------------------


async def test_a_certificate_names_the_person_only_if_they_choose(cbot: Harness) -> None:
    cbot.user(USER, "李小明")
    await join(cbot, "east")
    await begin(cbot)
    await play(cbot, right=4)
    await cbot.press(USER, cbot.button(USER, "显示我的名字"))
    photo = cbot.last(USER)
    assert photo.photo is not None
    assert photo.photo.data is not None
    assert photo.photo.data.startswith(b"\x89PNG")
    assert "🎓 春季反诈竞赛 合格证书" in (photo.caption or "")
    assert cbot.repo is not None
    cert = await cbot.repo.campaigns.certificate(CAMPAIGN, USER)
    assert cert is not None
    assert (cert.name, cert.correct, cert.total) == ("李小明", 4, 4)
    assert f"{cert.code[:4]}-{cert.code[4:]}" in (photo.caption or "")
    share = photo.inline_keyboard[0][0]
    assert share["text"] == "📣 邀请好友一起参加"
    assert share["url"].startswith(
        "https://t.me/share/url?url=https%3A%2F%2Ft.me%2Fquiz315_bot%3Fstart%3DC-spring-U-east"
    )
    result = cbot.emu.messages(USER)[-2]
    await cbot.press(
        USER, cbot.button(USER, "匿名", result.message_id), message_id=result.message_id
    )
    again = await cbot.repo.campaigns.certificate(CAMPAIGN, USER)
    assert again is not None
    assert (again.code, again.name) == (cert.code, None)


async def test_school_units_get_anonymous_certificates_only(cbot: Harness) -> None:
    await join(cbot, "school")
    await begin(cbot)
    await play(cbot, right=3)
    labels = [label for label, _ in cbot.buttons(USER)]
    assert "🎓 领取证书" in labels
    assert not any("名字" in label for label in labels)
    forged = GetCertificate(CAMPAIGN, True).encode()  # a modified client asks for the name
    toast = await cbot.forge_press(USER, forged)
    assert toast is not None
    await cbot.press(USER, cbot.button(USER, "领取证书"))
    assert cbot.repo is not None
    cert = await cbot.repo.campaigns.certificate(CAMPAIGN, USER)
    assert cert is not None
    assert cert.name is None
    await cbot.send(OTHER, f"/verify {cert.code.lower()}")
    assert "姓名：匿名学员" in cbot.text(OTHER)


async def test_verify_answers_in_chat_and_is_rate_limited(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    await play(cbot, right=3)
    await cbot.press(USER, cbot.button(USER, "匿名"))
    assert cbot.repo is not None
    cert = await cbot.repo.campaigns.certificate(CAMPAIGN, USER)
    assert cert is not None
    await cbot.send(OTHER, f"/verify {cert.code[:4]}-{cert.code[4:]}")
    valid = cbot.text(OTHER)
    assert "✅ 证书有效" in valid
    assert "活动：春季反诈竞赛" in valid
    assert "单位：城东支行" in valid
    assert "成绩：3 / 4 题" in valid
    await cbot.send(OTHER, "/verify")
    assert "验证码是 8 位字母和数字" in cbot.text(OTHER)
    await cbot.send(OTHER, "/verify 0000-0000")
    assert "没有找到这个验证码对应的证书" in cbot.text(OTHER)
    await cbot.send(OTHER, "/verify 0000-0001")
    await cbot.send(OTHER, "/verify 0000-0002")  # five checks in ten minutes: enough
    await cbot.send(OTHER, f"/verify {cert.code}")
    assert "查询太频繁了，请 10 分钟后再试。" in cbot.text(OTHER)  # no clock time, no zone
    cbot.clock.advance(minutes=11)
    await cbot.send(OTHER, f"/verify {cert.code}")
    assert "✅ 证书有效" in cbot.text(OTHER)


# --- organizers --------------------------------------------------------------------------------


async def test_organizer_commands_are_refused_for_others(cbot: Harness) -> None:
    await join(cbot, "east")
    for command in ("/campaign_report", "/campaign_links", f"/campaign_report {CAMPAIGN}"):
        await cbot.send(USER, command)
        assert cbot.text(USER) == "只有活动组织者和管理员可以这样做。"
    group = cbot.emu.add_group("城东支行志愿者群", members=[USER, ORGANIZER], admins=[USER])
    await cbot.send(USER, f"/campaign_group {CAMPAIGN} east", chat_id=group)
    assert cbot.text(group) == "只有活动组织者和管理员可以这样做。"
    await cbot.send(USER, "/campaign_report", chat_id=group)
    assert "这个命令请在私聊中使用" in cbot.text(group)
    assert cbot.repo is not None
    assert await cbot.repo.campaign_reports.bound_groups(CAMPAIGN) == ()
    assert not any(m.document for m in cbot.emu.messages(USER))


async def test_organizers_get_the_report_links_and_bind_groups(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    await play(cbot, right=3)
    await cbot.send(ORGANIZER, "/campaign_report")
    board, document, picture = cbot.emu.messages(ORGANIZER)[-3:]
    assert "1. 城东支行：1 人 · 参与率 10%" in (board.text or "")
    assert document.document is not None
    assert document.document.file_name == "spring-2026-03-15.xlsx"
    assert "参赛 1 人" in (document.caption or "")
    assert document.document.data is not None
    book = openpyxl.load_workbook(io.BytesIO(document.document.data))
    assert book.sheetnames == ["汇总", "单位", "主题", "题目", "每日"]
    assert picture.photo is not None
    assert picture.photo.data is not None
    assert picture.photo.data.startswith(b"\x89PNG")
    await cbot.send(ORGANIZER, "/campaign_links")
    links = cbot.emu.messages(ORGANIZER)[-4:]
    assert "https://t.me/quiz315_bot?start=C-spring-U-east" in (links[0].text or "")
    posters = [m.caption or "" for m in links[1:]]
    assert [p.splitlines()[0] for p in posters] == ["城东支行 · 春季反诈竞赛",
                                                    "公园社区 · 春季反诈竞赛",
                                                    "实验小学 · 春季反诈竞赛"]  # fmt: skip
    assert posters[2].endswith("https://t.me/quiz315_bot?start=C-spring-U-school")
    group = cbot.emu.add_group("公园社区群", members=[ORGANIZER, OPERATOR], admins=[ORGANIZER])
    await cbot.send(ORGANIZER, f"/campaign_group {CAMPAIGN} park", chat_id=group)
    assert "本群已绑定到「春季反诈竞赛」的 公园社区" in cbot.text(group)
    assert cbot.repo is not None
    assert await cbot.repo.campaign_reports.bound_groups(CAMPAIGN) == (group,)
    await cbot.send(OPERATOR, f"/campaign_group {CAMPAIGN} off", chat_id=group)
    assert "本群已解除与「春季反诈竞赛」的绑定" in cbot.text(group)
    await cbot.send(OPERATOR, f"/campaign_group {CAMPAIGN}", chat_id=group)
    assert "• east 城东支行" in cbot.text(group)


async def test_campaign_ended_is_announced_once(cbot: Harness) -> None:
    cbot.user(USER, "小明")
    await join(cbot, "east")
    await begin(cbot)
    await play(cbot, right=3)
    cbot.user(ORGANIZER, "组织者")
    await cbot.send(ORGANIZER, "/start")
    group = cbot.emu.add_group("城东支行群", members=[ORGANIZER], admins=[ORGANIZER])
    await cbot.send(ORGANIZER, f"/campaign_group {CAMPAIGN} east", chat_id=group)
    assert cbot.app is not None
    await campaign_handlers.run_job(cbot.app.bot, svc_of(cbot))
    assert not any("圆满结束" in t for t in texts(cbot, group))  # still running
    cbot.clock.now = datetime.fromisoformat("2026-03-21T00:00:30+08:00")
    await campaign_handlers.run_job(cbot.app.bot, svc_of(cbot))
    await campaign_handlers.run_job(cbot.app.bot, svc_of(cbot))
    for chat in (ORGANIZER, group):
        ended = [t for t in texts(cbot, chat) if "圆满结束" in t]
        assert len(ended) == 1, chat
        assert "1. 城东支行：1 人" in ended[0]
        assert "1. 匿名学员（城东支行） 3/4 题 · 20 秒" in ended[0]  # no name without opt-in
        assert "共 1 人参赛" in ended[0]


# --- privacy -----------------------------------------------------------------------------------


async def test_mydata_and_forget_include_campaign_rows(cbot: Harness) -> None:
    await join(cbot, "east")
    await begin(cbot)
    await play(cbot, right=3)
    await cbot.press(USER, cbot.button(USER, "匿名"))
    await cbot.send(USER, "/mydata")
    export = cbot.last(USER).document
    assert export is not None
    assert export.data is not None
    data = json.loads(export.data)
    tables = data["data"]
    assert [row["unit_id"] for row in tables["campaign_members"]] == ["east"]
    assert [row["correct"] for row in tables["campaign_attempts"]] == [3]
    [cert] = tables["campaign_certificates"]
    await cbot.send(USER, "/forget")
    await cbot.press(USER, cbot.button(USER, "确认删除"))
    assert cbot.repo is not None
    assert await cbot.repo.campaigns.export(USER) == {
        "campaign_members": [],
        "campaign_attempts": [],
        "campaign_certificates": [],
        "campaign_verify_checks": [],
    }
    await cbot.send(OTHER, f"/verify {cert['code']}")  # still verifiable, without the person
    assert "✅ 证书有效" in cbot.text(OTHER)
    kept = await cbot.repo.campaigns.find_certificate(cert["code"])
    assert kept is not None
    assert kept.user_id is None


async def test_a_bound_groups_event_players_count_towards_reach_only(cbot: Harness) -> None:
    group = cbot.emu.add_group("公园社区群", members=[ORGANIZER, MEMBER], admins=[ORGANIZER])
    await cbot.send(ORGANIZER, f"/campaign_group {CAMPAIGN} park", chat_id=group)
    await cbot.send(ORGANIZER, "/event_new example 3 30", chat_id=group)
    await cbot.press(MEMBER, cbot.button(group, "报名"), chat_id=group)
    await cbot.send(ORGANIZER, "/campaign_report")
    document = cbot.emu.messages(ORGANIZER)[-2].document
    assert document is not None
    assert document.data is not None
    book = openpyxl.load_workbook(io.BytesIO(document.data))
    units = {row[1]: row for row in book["单位"].iter_rows(min_row=2, values_only=True)}
    assert (units["park"][5], units["park"][8]) == (0, 1)  # participants, group-event reach
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert (summary["参赛人数"], summary["覆盖人数（参赛者与群活动玩家，去重）"]) == (0, 1)
    assert cbot.repo is not None
    assert await cbot.repo.campaigns.memberships(MEMBER) == []  # nobody's unit changes
