"""A daily lesson pushed by the real scheduler job, over HTTP, after /subscribe in private."""

from __future__ import annotations

from datetime import time

from bot.domain.schedule import QuietHours
from bot.handlers import lessons
from bot.preview.runner import YOU
from tests.e2e.conftest import PreviewFactory, has_text, newer, page_for

TITLES = ("公安不会要你转账到“安全账户”", "保护好银行卡")


async def test_subscriber_gets_the_daily_lesson_push(make_preview: PreviewFactory) -> None:
    # No quiet hours and a 00:00 lesson time: the lesson is due whenever the test runs.
    preview = await make_preview(quiet_hours=QuietHours(time(0, 0), time(0, 0)))
    async with page_for(preview) as page:
        await page.send(YOU, YOU, "/subscribe 00:00")
        subscribed = await page.bot_message(YOU, YOU, has_text("00:00"), "the subscription")

        assert preview.app is not None
        assert preview.app.job_queue is not None
        assert preview.app.job_queue.get_jobs_by_name(lessons.JOB_NAME), "the daily job runs"
        preview.app.job_queue.run_once(lessons.lesson_tick, 0)  # the job's next tick, now

        lesson = await page.bot_message(
            YOU, YOU, newer(subscribed["id"], "每日一课 ·"), "the lesson push"
        )
        assert any(title in lesson["text"] for title in TITLES), lesson["text"]
        assert lesson["entities"], "sent with HTML formatting"
        assert not preview.emulator.failures, preview.emulator.failures
