"""Choosing another bank while a quiz is open says what happens to the open one (issue 18,
item 8): it is given up, with its progress named, and two buttons say exactly that."""

from __future__ import annotations

from tests.handlers.test_quiz import USER, answer
from tests.harness import Harness


async def test_another_bank_asks_to_give_up_the_open_quiz(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    await answer(bot, correct=True)
    await bot.send(USER, "/start")
    await bot.press(USER, bot.button(USER, "示例题库"))
    assert bot.text(USER) == (
        "你还有一份没做完的测验：伪卡盗刷（测试）（已答 1/2 题）。\n要放弃它，开始示例题库吗？"
    )
    assert [label for label, _ in bot.buttons(USER)] == [
        "▶️ 继续当前测验",
        "🆕 放弃当前，开始新的",
    ]
    assert bot.repo is not None
    before = await bot.repo.quizzes.open_session(USER)
    assert before is not None
    await bot.press(USER, bot.button(USER, "放弃当前"))
    after = await bot.repo.quizzes.open_session(USER)
    assert after is not None
    assert (before.bank_id, after.bank_id) == ("cards", "example")
    assert "示例题库 · 第 1/" in bot.text(USER)


async def test_the_same_bank_offers_to_go_on_or_start_again(bot: Harness) -> None:
    await bot.send(USER, "/start cards")
    await answer(bot, correct=True)
    await bot.send(USER, "/start cards")
    assert (
        bot.text(USER) == "你还有一份没做完的测验：伪卡盗刷（测试）（已答 1/2 题）。\n要继续吗？"
    )
    assert [label for label, _ in bot.buttons(USER)] == ["▶️ 继续当前测验", "🔄 放弃并从头再来"]
    await bot.press(USER, bot.button(USER, "继续当前测验"))
    assert "第 2/2 题" in bot.text(USER)
