"""A citizen's quiz, from /start to the result, through the real bot over HTTP."""

from __future__ import annotations

from bot.preview.runner import YOU, Preview
from tests.e2e.conftest import Page, button, edited, has_text


async def test_private_quiz_from_start_to_result(preview: Preview, page: Page) -> None:
    await page.send(YOU, YOU, "/start")
    welcome = await page.bot_message(YOU, YOU, has_text("欢迎来到反诈小课堂"), "the welcome")
    await page.press(YOU, YOU, welcome["id"], button(welcome, "示例题库"))

    for number in (1, 2, 3):
        question = await page.bot_message(
            YOU, YOU, has_text(f"第 {number}/3 题"), f"question {number}"
        )
        assert question["entities"], "the question is sent with HTML formatting"
        query = await page.press(YOU, YOU, question["id"], button(question, "A"))
        if any("提交" in b["text"] for row in question["keyboard"] for b in row):
            ticked = await page.bot_message(YOU, YOU, edited(question["id"]), "a tick")
            query = await page.press(YOU, YOU, ticked["id"], button(ticked, "提交"))
        answered = await page.bot_message(YOU, YOU, edited(question["id"], "解析"), "answer")
        assert answered["edited"]
        chat = await page.get(f"/api/chats/{YOU}?user={YOU}")
        assert chat["answers"][query]["text"] in ("✅ 回答正确！", "❌ 回答错误，看看解析吧")
        label = "查看成绩" if number == 3 else "下一题"
        await page.press(YOU, YOU, answered["id"], button(answered, label))

    result = await page.bot_message(YOU, YOU, has_text("完成！", "正确率"), "the result")
    assert "示例题库" in result["text"]
    methods = [call.method for call in preview.emulator.calls]
    assert {"getMe", "setMyCommands", "sendMessage", "editMessageText"} <= set(methods)
    assert "answerCallbackQuery" in methods
    assert not preview.emulator.failures, preview.emulator.failures
