from tests.harness import Harness


async def test_start_shows_welcome_and_topics(bot: Harness) -> None:
    await bot.send(42, "/start")
    assert "欢迎来到反诈小课堂" in bot.text(42)
    labels = [label for label, _ in bot.buttons(42)]
    assert labels == [
        "伪卡盗刷（测试）",
        "示例题库",
        "📖 现在就看今天的课",
        "🔔 订阅每日一课",
        "🆘 我可能被骗了",
        "☰ 全部功能",
    ]


async def test_welcome_subscribes_to_the_daily_lesson(bot: Harness) -> None:
    await bot.send(42, "/start")
    await bot.press(42, bot.button(42, "订阅每日一课"))
    assert bot.repo is not None
    subscription = await bot.repo.lessons.lesson_subscription(42)
    assert subscription is not None
    assert subscription.active
