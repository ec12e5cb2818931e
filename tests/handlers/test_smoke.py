from tests.harness import Harness


async def test_start_shows_welcome_and_topics(bot: Harness) -> None:
    await bot.send(42, "/start")
    assert "欢迎来到反诈小课堂" in bot.text(42)
    labels = [label for label, _ in bot.buttons(42)]
    assert labels == ["伪卡盗刷（测试）", "示例题库"]
